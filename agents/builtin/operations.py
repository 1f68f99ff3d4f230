"""What the inventory tools do, as functions of a connection: look-ups, plans (the dry run) and their changes.

Each write is planned first, on any connection: the plan says what would happen in words, and whether anything
would. The preview shows the plan from a read-only connection; the call makes the same plan inside the write
transaction and then applies it, so the card and the change cannot disagree about the starting state.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from agents.builtin.seed import ENVIRONMENTS
from agents.tools import ToolError

__all__ = [
    "Incident",
    "Plan",
    "Service",
    "find_incident",
    "find_service",
    "list_incidents",
    "list_services",
    "record_change",
    "require_service_name",
]

_SERVICE_COLUMNS = "name, environment, version, replicas, owner_team, status, last_restart_at"


@dataclass(frozen=True)
class Service:
    name: str
    environment: str
    version: str
    replicas: int
    owner_team: str
    status: str
    last_restart_at: str | None

    @property
    def target(self) -> str:
        return f"{self.name}@{self.environment}"

    def require_active(self) -> None:
        if self.status == "decommissioned":
            raise ToolError(f"{self.target} is decommissioned; it can no longer be changed")


@dataclass(frozen=True)
class Incident:
    id: int
    service: str
    environment: str
    severity: str
    status: str
    title: str
    opened_at: str
    notes: tuple[tuple[str, str, str], ...]
    """(created_at, author, note), oldest first."""


@dataclass(frozen=True)
class Plan:
    """A write in words: `preview` for the card, `done` for the result; `changes` False when it is a no-op."""

    preview: str
    done: str
    changes: bool = True


def list_services(connection: sa.Connection, environment: str | None = None) -> list[Service]:
    where = "" if environment is None else "WHERE environment = :environment "
    rows = connection.execute(
        sa.text(
            f"SELECT {_SERVICE_COLUMNS} FROM services {where}"
            "ORDER BY name, CASE environment WHEN 'production' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END"
        ),
        {"environment": environment} if environment is not None else {},
    ).fetchall()
    return [Service(*row) for row in rows]


def find_service(connection: sa.Connection, name: str, environment: str) -> Service:
    """The service, or a `ToolError` that lists what exists, so the model can correct itself."""
    if environment not in ENVIRONMENTS:
        raise ToolError(f"unknown environment {environment!r}; use one of {', '.join(ENVIRONMENTS)}")
    row = connection.execute(
        sa.text(f"SELECT {_SERVICE_COLUMNS} FROM services WHERE name = :name AND environment = :environment"),
        {"name": name, "environment": environment},
    ).fetchone()
    if row is not None:
        return Service(*row)
    require_service_name(connection, name)
    found = connection.execute(sa.text("SELECT environment FROM services WHERE name = :name"), {"name": name})
    where = [env for (env,) in found]
    raise ToolError(f"{name} has no {environment} environment; it runs in {', '.join(where)}")


def require_service_name(connection: sa.Connection, name: str) -> None:
    names = [found for (found,) in connection.execute(sa.text("SELECT DISTINCT name FROM services ORDER BY name"))]
    if name not in names:
        raise ToolError(f"unknown service {name!r}; known services: {', '.join(names)}")


def record_change(
    connection: sa.Connection, service: Service, action: str, detail: str, requester: str, now: str
) -> None:
    """One line in `changes`, the inventory's own log of what the tools did."""
    connection.execute(
        sa.text(
            "INSERT INTO changes (service, environment, action, detail, requested_by, changed_at) "
            "VALUES (:service, :environment, :action, :detail, :requester, :now)"
        ),
        {"service": service.name, "environment": service.environment, "action": action, "detail": detail,
         "requester": requester, "now": now},
    )  # fmt: skip


def list_incidents(
    connection: sa.Connection, *, service: str | None, include_resolved: bool, limit: int, notes: int = 3
) -> list[Incident]:
    conditions = [] if service is None else ["service = :service"]
    if not include_resolved:
        conditions.append("status != 'resolved'")
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    rows = connection.execute(
        sa.text(
            f"SELECT id, service, environment, severity, status, title, opened_at FROM incidents {where}"
            "ORDER BY CASE status WHEN 'resolved' THEN 1 ELSE 0 END, opened_at DESC LIMIT :limit"
        ),
        {"limit": limit} | ({} if service is None else {"service": service}),
    ).fetchall()
    incidents = []
    for row in rows:
        latest = connection.execute(
            sa.text(
                "SELECT created_at, author, note FROM incident_notes WHERE incident_id = :incident "
                "ORDER BY id DESC LIMIT :notes"
            ),
            {"incident": row[0], "notes": notes},
        ).fetchall()
        incident_id, name, environment, severity, status, title, opened_at = row
        incidents.append(
            Incident(
                incident_id,
                name,
                environment,
                severity,
                status,
                title,
                opened_at,
                notes=tuple((at, author, note) for at, author, note in reversed(latest)),
            )
        )
    return incidents


def find_incident(connection: sa.Connection, incident_id: int) -> Incident:
    found = connection.execute(
        sa.text("SELECT id, service, environment, severity, status, title, opened_at FROM incidents WHERE id = :id"),
        {"id": incident_id},
    ).fetchone()
    if found is None:
        still_open = connection.execute(sa.text("SELECT id FROM incidents WHERE status != 'resolved' ORDER BY id"))
        open_ids = [f"#{row[0]}" for row in still_open]
        hint = f"open incidents: {', '.join(open_ids)}" if open_ids else "no incident is open"
        raise ToolError(f"no incident #{incident_id}; {hint} (get_incidents lists them)")
    incident_id, name, environment, severity, status, title, opened_at = found
    return Incident(incident_id, name, environment, severity, status, title, opened_at, notes=())
