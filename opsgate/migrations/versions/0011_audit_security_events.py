"""The audit log records what the security work added: a `forged` wake-up or call, and `freeze` changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

As in 0005: SQLite rebuilds the table to change the CHECK constraint (rows, ids and hashes copied unchanged).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_0005 = (
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
    "guardrail",
)
EVENTS = (*EVENTS_0005, "forged", "freeze")


def _check(events: tuple[str, ...]) -> str:
    return "event IN (" + ", ".join(f"'{event}'" for event in events) + ")"


def _replace_check(events: tuple[str, ...]) -> None:
    with op.batch_alter_table("audit_log", recreate="auto") as batch:
        batch.drop_constraint("ck_audit_log_event", type_="check")
        batch.create_check_constraint("ck_audit_log_event", _check(events))


def upgrade() -> None:
    _replace_check(EVENTS)


def downgrade() -> None:
    op.execute("DELETE FROM audit_log WHERE event IN ('forged', 'freeze')")
    _replace_check(EVENTS_0005)
