"""The audit log counts guardrail verdicts: a `guardrail` event.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

The event list is spelled out, as in 0002. SQLite cannot alter a CHECK constraint, so the batch operation
rebuilds the table there (rows, ids and hashes are copied unchanged); PostgreSQL drops and re-adds it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_0002 = (
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
EVENTS = (*EVENTS_0002, "guardrail")


def _check(events: tuple[str, ...]) -> str:
    return "event IN (" + ", ".join(f"'{event}'" for event in events) + ")"


def _replace_check(events: tuple[str, ...]) -> None:
    with op.batch_alter_table("audit_log", recreate="auto") as batch:
        batch.drop_constraint("ck_audit_log_event", type_="check")
        batch.create_check_constraint("ck_audit_log_event", _check(events))


def upgrade() -> None:
    _replace_check(EVENTS)


def downgrade() -> None:
    op.execute("DELETE FROM audit_log WHERE event = 'guardrail'")
    _replace_check(EVENTS_0002)
