"""The built-in tools' ops inventory and its idempotency ledger move into the main database, so the worker replicas
share one inventory and a change replayed on another replica is applied once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09

The tables were a SQLite file per process before (`<data dir>/inventory.db`); its rows are not carried over (it
held the demo data and the changes the tools made to it, which is reseeded on first use). On PostgreSQL the model's
SQL runs as the NOLOGIN role `opsgate_inventory_reader`, which may read the five inventory tables and nothing
else; `set_config` is revoked from PUBLIC, or a query could switch back to the session's role within its statement.
Roles belong to the server, not the database, so the role is created once and left in place by the downgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "opsgate_inventory_reader"
READABLE = ("services", "deployments", "incidents", "incident_notes", "changes")
SET_CONFIG = "pg_catalog.set_config(text, text, boolean)"
ROLE_LOCK_KEY = 0x6F70_7369  # "opsi": migrations of several schemas on one server create the role one at a time


def _text(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "services",
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
    op.create_table(
        "deployments",
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
    op.create_table(
        "incidents",
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
    op.create_table(
        "incident_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "incident_id",
            sa.Integer(),
            sa.ForeignKey("incidents.id", name="fk_incident_notes_incident"),
            nullable=False,
        ),
        _text("author"),
        _text("note"),
        _text("created_at"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("service"),
        _text("environment"),
        _text("action"),
        _text("detail"),
        _text("requested_by"),
        _text("changed_at"),
    )
    op.create_table(
        "applied_requests",
        _text("idempotency_key", primary_key=True),
        _text("tool"),
        _text("arguments_sha256"),
        _text("result"),
        _text("applied_at"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _confine_the_reader()


def _confine_the_reader() -> None:
    """The role the model's SQL runs as: SELECT on the inventory's tables, USAGE on their schema, nothing else."""
    bind = op.get_bind()
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLE_LOCK_KEY})
    exists = bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": READER}).first()
    if exists is None:
        may = bind.execute(sa.text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
        if not may.scalar():
            raise RuntimeError(
                f"migration 0013 needs the role {READER} for the model's read-only SQL, and this user may not create "
                f"roles: as a superuser run CREATE ROLE {READER} NOLOGIN; GRANT {READER} TO <this user>; then upgrade"
            )
        # Another database on this server may create it at the same moment: theirs is as good as ours.
        op.execute(
            f"DO $$ BEGIN CREATE ROLE {READER} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    member = bind.execute(sa.text("SELECT pg_has_role(current_user, :role, 'MEMBER')"), {"role": READER}).scalar()
    if not member:
        op.execute(f"GRANT {READER} TO CURRENT_USER")
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    op.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {READER}')
    op.execute(f"GRANT SELECT ON {', '.join(READABLE)} TO {READER}")
    op.execute(f"REVOKE EXECUTE ON FUNCTION {SET_CONFIG} FROM PUBLIC")
    can_escape = bind.execute(
        sa.text("SELECT has_function_privilege(:role, :function, 'EXECUTE')"), {"role": READER, "function": SET_CONFIG}
    ).scalar()
    if can_escape:
        raise RuntimeError(
            f"migration 0013 could not revoke set_config from PUBLIC (only its owner, a superuser, may): as a "
            f"superuser run REVOKE EXECUTE ON FUNCTION {SET_CONFIG} FROM PUBLIC; then upgrade"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
        op.execute(f'REVOKE USAGE ON SCHEMA "{schema}" FROM {READER}')
    for table in ("applied_requests", "changes", "incident_notes", "incidents", "deployments", "services"):
        op.drop_table(table)
