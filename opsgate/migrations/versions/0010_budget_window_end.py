"""Budget counters remember when their window ends, so retention deletes ended windows whatever their length.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("budget_counters") as table:
        table.add_column(sa.Column("ends_at", sa.Float(), nullable=True))
        table.create_index("ix_budget_counters_ends_at", ["ends_at"])


def downgrade() -> None:
    with op.batch_alter_table("budget_counters") as table:
        table.drop_index("ix_budget_counters_ends_at")
        table.drop_column("ends_at")
