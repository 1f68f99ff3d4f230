"""The inventory's writes, each as a plan (what would change, in words) and the change that carries it out.

`plan_*` only reads, so the preview runs it on a read-only connection; the matching write function plans again
inside the write transaction and applies the plan.
"""

from __future__ import annotations

import sqlalchemy as sa

from agents.builtin.operations import Plan, Service, find_incident, find_service, record_change
from agents.tools import ToolError

__all__ = [
    "add_incident_note",
    "decommission",
    "open_incident",
    "plan_decommission",
    "plan_incident_note",
    "plan_open_incident",
    "plan_restart",
    "plan_rollback",
    "plan_scale",
    "restart",
    "rollback",
    "scale",
]


def _replicas(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"


def plan_scale(connection: sa.Connection, name: str, environment: str, replicas: int) -> Plan:
    service = find_service(connection, name, environment)
    service.require_active()
    if service.replicas == replicas:
        message = f"{service.target} already runs {_replicas(replicas)}; nothing changes."
        return Plan(preview=message, done=message, changes=False)
    change = f"{service.target} from {service.replicas} to {_replicas(replicas)}"
    return Plan(preview=f"Would scale {change}.", done=f"Scaled {change}.")


def scale(connection: sa.Connection, now: str, requester: str, name: str, environment: str, replicas: int) -> str:
    plan = plan_scale(connection, name, environment, replicas)
    if plan.changes:
        service = find_service(connection, name, environment)
        connection.execute(
            sa.text(
                "UPDATE services SET replicas = :replicas, updated_at = :now "
                "WHERE name = :name AND environment = :environment"
            ),
            {"replicas": replicas, "now": now, "name": name, "environment": environment},
        )
        record_change(connection, service, "scale", f"replicas {service.replicas} -> {replicas}", requester, now)
    return plan.done


def plan_restart(connection: sa.Connection, name: str, environment: str) -> Plan:
    service = find_service(connection, name, environment)
    service.require_active()
    what = f"{service.target} ({service.version}, {_replicas(service.replicas)}, now {service.status})"
    return Plan(
        preview=f"Would restart all pods of {what}, one at a time; it is marked running afterwards.",
        done=f"Restarted {what}; it is running.",
    )


def restart(connection: sa.Connection, now: str, requester: str, name: str, environment: str) -> str:
    plan = plan_restart(connection, name, environment)
    service = find_service(connection, name, environment)
    connection.execute(
        sa.text(
            "UPDATE services SET status = 'running', last_restart_at = :now, updated_at = :now "
            "WHERE name = :name AND environment = :environment"
        ),
        {"now": now, "name": name, "environment": environment},
    )
    record_change(connection, service, "restart", f"status {service.status} -> running", requester, now)
    return plan.done


def _rollback_target(connection: sa.Connection, service: Service) -> tuple[str, str, str]:
    """(the version the latest deploy brought, the version that ran before it, when that deploy happened)."""
    target = {"name": service.name, "environment": service.environment}
    latest = connection.execute(
        sa.text(
            "SELECT id, version, deployed_at FROM deployments WHERE service = :name AND environment = :environment "
            "AND kind = 'deploy' ORDER BY id DESC LIMIT 1"
        ),
        target,
    ).fetchone()
    before = None
    if latest is not None:
        before = connection.execute(
            sa.text(
                "SELECT version FROM deployments WHERE service = :name AND environment = :environment "
                "AND id < :latest ORDER BY id DESC LIMIT 1"
            ),
            {**target, "latest": latest[0]},
        ).fetchone()
    if latest is None or before is None:
        raise ToolError(f"{service.target} has no earlier deployment to roll back to")
    return latest[1], before[0], latest[2]


def plan_rollback(connection: sa.Connection, name: str, environment: str) -> Plan:
    """Rolling back undoes the latest deploy; once undone, rolling back again changes nothing (idempotent)."""
    service = find_service(connection, name, environment)
    service.require_active()
    deployed, previous, deployed_at = _rollback_target(connection, service)
    if service.version == previous:
        message = (
            f"{service.target} already runs {previous}, the version before the deploy of {deployed}; nothing changes."
        )
        return Plan(preview=message, done=message, changes=False)
    change = f"{service.target} from {service.version} to {previous}"
    return Plan(
        preview=f"Would roll back {change}, undoing the deploy of {deployed} at {deployed_at}.",
        done=f"Rolled back {change}; recorded as a rollback deployment.",
    )


def rollback(connection: sa.Connection, now: str, requester: str, name: str, environment: str) -> str:
    plan = plan_rollback(connection, name, environment)
    if plan.changes:
        service = find_service(connection, name, environment)
        _, previous, _ = _rollback_target(connection, service)
        values = {"version": previous, "now": now, "name": name, "environment": environment, "by": requester}
        connection.execute(
            sa.text(
                "UPDATE services SET version = :version, updated_at = :now "
                "WHERE name = :name AND environment = :environment"
            ),
            values,
        )
        connection.execute(
            sa.text(
                "INSERT INTO deployments (service, environment, version, kind, deployed_by, deployed_at) "
                "VALUES (:name, :environment, :version, 'rollback', :by, :now)"
            ),
            values,
        )
        record_change(connection, service, "rollback", f"version {service.version} -> {previous}", requester, now)
    return plan.done


def plan_decommission(connection: sa.Connection, name: str, environment: str) -> Plan:
    service = find_service(connection, name, environment)
    if service.status == "decommissioned":
        message = f"{service.target} is already decommissioned; nothing changes."
        return Plan(preview=message, done=message, changes=False)
    what = f"{service.target} ({service.version}, {_replicas(service.replicas)})"
    return Plan(
        preview=f"Would decommission {what}: replicas to 0, status decommissioned. It cannot be changed afterwards.",
        done=f"Decommissioned {what}; it has 0 replicas and can no longer be changed.",
    )


def decommission(connection: sa.Connection, now: str, requester: str, name: str, environment: str) -> str:
    plan = plan_decommission(connection, name, environment)
    if plan.changes:
        service = find_service(connection, name, environment)
        connection.execute(
            sa.text(
                "UPDATE services SET status = 'decommissioned', replicas = 0, updated_at = :now "
                "WHERE name = :name AND environment = :environment"
            ),
            {"now": now, "name": name, "environment": environment},
        )
        record_change(connection, service, "decommission", f"replicas {service.replicas} -> 0", requester, now)
    return plan.done


def plan_open_incident(connection: sa.Connection, name: str, environment: str, severity: str, title: str) -> Plan:
    service = find_service(connection, name, environment)
    preview = f"Would open a {severity} incident on {service.target}: {title}"
    return Plan(preview=preview, done="")  # the result needs the new incident's number: `open_incident` writes it


def open_incident(
    connection: sa.Connection,
    now: str,
    requester: str,
    name: str,
    environment: str,
    severity: str,
    title: str,
    note: str | None,
) -> str:
    service = find_service(connection, name, environment)
    incident_id = connection.execute(
        sa.text(
            "INSERT INTO incidents (service, environment, severity, status, title, opened_by, opened_at) "
            "VALUES (:name, :environment, :severity, 'open', :title, :by, :now) RETURNING id"
        ),
        {"name": name, "environment": environment, "severity": severity, "title": title, "by": requester, "now": now},
    ).scalar_one()
    if note:
        _insert_note(connection, incident_id, requester, note, now)
    record_change(connection, service, "open_incident", f"#{incident_id} {severity}", requester, now)
    return f"Opened incident #{incident_id} ({severity}) on {service.target}: {title}"


def plan_incident_note(connection: sa.Connection, incident_id: int, note: str) -> Plan:
    incident = find_incident(connection, incident_id)
    where = f"#{incident.id} ({incident.severity}, {incident.status}, {incident.service}@{incident.environment})"
    return Plan(preview=f"Would add a note to incident {where}: {note}", done=f"Added a note to incident {where}.")


def add_incident_note(connection: sa.Connection, now: str, requester: str, incident_id: int, note: str) -> str:
    plan = plan_incident_note(connection, incident_id, note)
    _insert_note(connection, incident_id, requester, note, now)
    return plan.done


def _insert_note(connection: sa.Connection, incident_id: int, author: str, note: str, now: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO incident_notes (incident_id, author, note, created_at) "
            "VALUES (:incident, :author, :note, :now)"
        ),
        {"incident": incident_id, "author": author, "note": note, "now": now},
    )
