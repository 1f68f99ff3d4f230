"""Span summaries: every task span, small, for trace summaries, the Details modal, status and digests.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "span_summaries",
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=16), nullable=True),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("task_type", sa.String(length=64), nullable=True),
        sa.Column("tool", sa.String(length=128), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("actors", sa.String(length=255), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("span_id"),
    )
    op.create_index("ix_span_summaries_task_id", "span_summaries", ["task_id"])
    op.create_index("ix_span_summaries_kind_started_at", "span_summaries", ["kind", "started_at"])
    # The digest counts tasks and approvals of a period.
    op.create_index("ix_tasks_created_at", "tasks", ["created_at"])
    op.create_index("ix_audit_log_event_at", "audit_log", ["event", "at"])
    op.create_index("ix_audit_log_approval_id", "audit_log", ["approval_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_approval_id", table_name="audit_log")
    op.drop_index("ix_audit_log_event_at", table_name="audit_log")
    op.drop_index("ix_tasks_created_at", table_name="tasks")
    op.drop_index("ix_span_summaries_kind_started_at", table_name="span_summaries")
    op.drop_index("ix_span_summaries_task_id", table_name="span_summaries")
    op.drop_table("span_summaries")
