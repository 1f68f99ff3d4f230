"""Envelopes the worker has acted on, so a captured envelope cannot be replayed while it is valid.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A new table only; rows live for an envelope's lifetime (at most ten minutes plus the allowed skew).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "envelope_uses",
        sa.Column("mac", sa.String(length=64), primary_key=True),
        sa.Column("invocation", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_envelope_uses_expires_at", "envelope_uses", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_envelope_uses_expires_at", table_name="envelope_uses")
    op.drop_table("envelope_uses")
