"""The inventory's tables, in opsgate's main database so every worker replica sees one inventory and one ledger.

They are registered on opsgate's metadata (migration 0013 creates them; the schema test compares the two).
`READABLE_TABLES` are what the model's SQL may read: not `applied_requests`, and none of opsgate's own tables.
On PostgreSQL the model reads as `READER_ROLE`, a NOLOGIN role with SELECT on those tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

__all__ = ["LEDGER_TABLE", "READABLE_TABLES", "READER_ROLE", "create_inventory_tables"]

READABLE_TABLES = ("services", "deployments", "incidents", "incident_notes", "changes")
LEDGER_TABLE = "applied_requests"
READER_ROLE = "opsgate_inventory_reader"

_metadata = SQLModel.metadata


def _text(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable, primary_key=primary_key)


SERVICES = sa.Table(
    "services",
    _metadata,
    _text("name", primary_key=True),
    _text("environment", primary_key=True),
    _text("version"),
    sa.Column("replicas", sa.Integer(), nullable=False),
    _text("owner_team"),
    _text("status"),
    _text("last_restart_at", nullable=True),
    _text("updated_at"),
    sa.CheckConstraint("environment IN ('production', 'staging', 'dev')", name="ck_services_environment"),
    sa.CheckConstraint("replicas >= 0", name="ck_services_replicas"),
    sa.CheckConstraint("status IN ('running', 'degraded', 'stopped', 'decommissioned')", name="ck_services_status"),
)
DEPLOYMENTS = sa.Table(
    "deployments",
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    _text("service"),
    _text("environment"),
    _text("version"),
    _text("kind"),
    _text("deployed_by"),
    _text("deployed_at"),
    sa.ForeignKeyConstraint(
        ["service", "environment"], ["services.name", "services.environment"], name="fk_deployments_service"
    ),
    sa.CheckConstraint("kind IN ('deploy', 'rollback')", name="ck_deployments_kind"),
)
INCIDENTS = sa.Table(
    "incidents",
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    _text("service"),
    _text("environment"),
    _text("severity"),
    _text("status"),
    _text("title"),
    _text("opened_by"),
    _text("opened_at"),
    _text("resolved_at", nullable=True),
    sa.CheckConstraint("severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')", name="ck_incidents_severity"),
    sa.CheckConstraint("status IN ('open', 'mitigated', 'resolved')", name="ck_incidents_status"),
)
INCIDENT_NOTES = sa.Table(
    "incident_notes",
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", name="fk_incident_notes_incident"), nullable=False
    ),
    _text("author"),
    _text("note"),
    _text("created_at"),
)
CHANGES = sa.Table(
    "changes",
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    _text("service"),
    _text("environment"),
    _text("action"),
    _text("detail"),
    _text("requested_by"),
    _text("changed_at"),
)
APPLIED_REQUESTS = sa.Table(
    LEDGER_TABLE,
    _metadata,
    _text("idempotency_key", primary_key=True),  # the unique constraint that replicas racing on one key meet
    _text("tool"),
    _text("arguments_sha256"),
    _text("result"),
    _text("applied_at"),
)
_TABLES = (SERVICES, DEPLOYMENTS, INCIDENTS, INCIDENT_NOTES, CHANGES, APPLIED_REQUESTS)


def create_inventory_tables(engine: sa.Engine) -> None:
    """Creates the inventory's tables on a standalone SQLite database (tests, scripts); opsgate's own database gets
    them from migration 0013, with the PostgreSQL reader role beside them."""
    if engine.dialect.name != "sqlite":
        raise ValueError("create the inventory on PostgreSQL with `opsgate db upgrade` (migration 0013 adds its role)")
    _metadata.create_all(engine, tables=list(_TABLES))
