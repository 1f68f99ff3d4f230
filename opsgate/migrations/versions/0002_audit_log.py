"""The audit log: append-only rows of every approval event, hash-chained per task.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Types and the event list are spelled out rather than imported from `approvals.audit`, so this revision keeps
describing the schema it created after the model moves on; a new event needs a revision that widens the check.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_EVENTS = (
    "requested",
    "vote",
    "refused",
    "approved",
    "rejected",
    "expired",
    "cancelled",
    "executed",
    "execution_failed",
    "voided",
    "outcome_unknown",
    "resolved",
    "frozen",
    "reminded",
    "escalated",
)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.String(length=64), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "event IN (" + ", ".join(f"'{event}'" for event in AUDIT_EVENTS) + ")", name="ck_audit_log_event"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "seq", name="uq_audit_log_task_id_seq"),
        sa.UniqueConstraint("dedupe_key", name="uq_audit_log_dedupe_key"),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
