"""Span summaries keep how the policy weighed a write: its tier, the agent's confidence, and the tier the
confidence matrix raised it from, so the trace summary can say why an approval was asked.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

Nullable columns only: rows written before have none of it, and spans other than the gate's and the approval's
never do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("span_summaries") as batch:
        batch.add_column(sa.Column("tier", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("raised_from", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("span_summaries") as batch:
        batch.drop_column("raised_from")
        batch.drop_column("confidence")
        batch.drop_column("tier")
