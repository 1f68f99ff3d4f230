"""Tasks are found by their thread: a mention in a thread becomes a follow-up of the thread's latest task.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_channel_thread_ts", "tasks", ["channel", "thread_ts"])


def downgrade() -> None:
    op.drop_index("ix_tasks_channel_thread_ts", table_name="tasks")
