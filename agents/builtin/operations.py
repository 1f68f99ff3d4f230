"""What the inventory tools do, as functions of a connection: look-ups, plans (the dry run) and their changes.

Each write is planned first, on any connection: the plan says what would happen in words, and whether anything
would. The preview shows the plan from a read-only connection; the call makes the same plan inside the write
transaction and then applies it, so the card and the change cannot disagree about the starting state.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

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


def list_services(connection: sqlite3.Connection, environment: str | None = None) -> list[Service]:
    rows = connection.execute(
        f"SELECT {_SERVICE_COLUMNS} FROM services WHERE ? IS NULL OR environment = ? "
        "ORDER BY name, CASE environment WHEN 'production' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END",
        (environment, environment),
    ).fetchall()
    return [Service(*row) for row in rows]


def find_service(connection: sqlite3.Connection, name: str, environment: str) -> Service:
    """The service, or a `ToolError` that lists what exists, so the model can correct itself."""
    if environment not in ENVIRONMENTS:
        raise ToolError(f"unknown environment {environment!r}; use one of {', '.join(ENVIRONMENTS)}")
    row = connection.execute(
        f"SELECT {_SERVICE_COLUMNS} FROM services WHERE name = ? AND environment = ?", (name, environment)
    ).fetchone()
    if row is not None:
        return Service(*row)
    require_service_name(connection, name)
    where = [env for (env,) in connection.execute("SELECT environment FROM services WHERE name = ?", (name,))]
    raise ToolError(f"{name} has no {environment} environment; it runs in {', '.join(where)}")


def require_service_name(connection: sqlite3.Connection, name: str) -> None:
    names = [found for (found,) in connection.execute("SELECT DISTINCT name FROM services ORDER BY name")]
    if name not in names:
        raise ToolError(f"unknown service {name!r}; known services: {', '.join(names)}")


def record_change(
    connection: sqlite3.Connection, service: Service, action: str, detail: str, requester: str, now: str
) -> None:
    """One line in `changes`, the inventory's own log of what the tools did."""
    connection.execute(
        "INSERT INTO changes (service, environment, action, detail, requested_by, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (service.name, service.environment, action, detail, requester, now),
    )


def list_incidents(
    connection: sqlite3.Connection, *, service: str | None, include_resolved: bool, limit: int, notes: int = 3
) -> list[Incident]:
    rows = connection.execute(
        "SELECT id, service, environment, severity, status, title, opened_at FROM incidents "
        "WHERE (? IS NULL OR service = ?) AND (? OR status != 'resolved') "
        "ORDER BY status = 'resolved', opened_at DESC LIMIT ?",
        (service, service, include_resolved, limit),
    ).fetchall()
    incidents = []
    for row in rows:
        latest = connection.execute(
            "SELECT created_at, author, note FROM incident_notes WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
            (row[0], notes),
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


def find_incident(connection: sqlite3.Connection, incident_id: int) -> Incident:
    found = connection.execute(
        "SELECT id, service, environment, severity, status, title, opened_at FROM incidents WHERE id = ?",
        (incident_id,),
    ).fetchone()
    if found is None:
        open_ids = [f"#{row[0]}" for row in connection.execute("SELECT id FROM incidents WHERE status != 'resolved'")]
        hint = f"open incidents: {', '.join(open_ids)}" if open_ids else "no incident is open"
        raise ToolError(f"no incident #{incident_id}; {hint} (get_incidents lists them)")
    incident_id, name, environment, severity, status, title, opened_at = found
    return Incident(incident_id, name, environment, severity, status, title, opened_at, notes=())
