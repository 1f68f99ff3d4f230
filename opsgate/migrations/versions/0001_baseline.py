"""Baseline: the `tasks` table, one row per `/ops` request.

Revision ID: 0001
Revises: None
Create Date: 2026-11-25

Types are spelled out rather than imported from the models, so this revision keeps describing the schema it
created after the models move on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK_STATUSES = ("queued", "planning", "running", "waiting_approval", "done", "failed", "cancelled")


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("requester", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{status}'" for status in TASK_STATUSES) + ")", name="ck_tasks_status"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tasks_requester_created_at", "tasks", ["requester", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_requester_created_at", table_name="tasks")
    op.drop_table("tasks")
