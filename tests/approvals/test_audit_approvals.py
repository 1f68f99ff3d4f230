"""`AuditLog.unapproved` and `opsgate audit verify`: every high or critical action that ran had an approval of
that very action, on SQLite and PostgreSQL; a forger who rewrites a whole chain consistently still fails verify."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from approvals.audit import GENESIS_HASH, AuditEvent, AuditLog, ChainProblem, row_hash_for
from opsgate.auditcli import audit_verify

APPROVED_HASH = "a" * 64
OTHER_HASH = "b" * 64


@pytest.fixture
def log(db_engine: Engine) -> AuditLog:
    ticks = iter(range(1, 10_000))
    return AuditLog(db_engine, clock=lambda: datetime(2026, 1, 2, tzinfo=UTC) + timedelta(seconds=next(ticks)))


def approval(log: AuditLog, task_id: str, approval_id: str, outcome: AuditEvent = AuditEvent.APPROVED) -> None:
    """The rows the Approval object writes: requested (with the gate's action hash), a vote, the outcome."""
    detail = {"approval_id": approval_id, "tool": "restart_service", "tier": "high", "action_hash": APPROVED_HASH}
    requested = f"{approval_id}:requested"
    log.append(task_id, AuditEvent.REQUESTED, dedupe_key=requested, approval_id=approval_id, actor="U0A", detail=detail)
    log.append(task_id, AuditEvent.VOTE, dedupe_key=f"{approval_id}:vote", approval_id=approval_id, actor="U0BOB")
    log.append(task_id, outcome, dedupe_key=f"{approval_id}:{outcome}", approval_id=approval_id, actor="U0BOB")


def ran(
    log: AuditLog,
    task_id: str,
    approval_id: str | None,
    *,
    tier: str = "high",
    action_hash: str = APPROVED_HASH,
    event: AuditEvent = AuditEvent.EXECUTED,
) -> None:
    """The row the runtime writes around a tool call, with what the gate cleared."""
    detail: dict[str, Any] = {"tool": "restart_service", "tier": tier, "action_hash": action_hash}
    if approval_id is not None:
        detail["approval_id"] = approval_id
    key = f"{task_id}:call:{event}"
    log.append(task_id, event, dedupe_key=key, approval_id=approval_id, actor="opsgate", detail=detail)


def test_actions_that_ran_under_their_approval_or_needed_none_pass(log: AuditLog) -> None:
    approval(log, "task-1", "a-1")
    ran(log, "task-1", "a-1")
    approval(log, "task-2", "a-2")
    ran(log, "task-2", "a-2", tier="critical", event=AuditEvent.OUTCOME_UNKNOWN)
    ran(log, "task-3", None, tier="medium")  # logged in the thread, no approval needed
    ran(log, "task-3", None, tier="low", event=AuditEvent.EXECUTION_FAILED)
    log.append("task-4", AuditEvent.EXECUTED, dedupe_key="old", detail={"arguments_hash": "c" * 64})  # before tiers

    assert log.unapproved() == []
    assert log.verify() == []


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (
            lambda log: ran(log, "task-1", None),
            "executed: a high action (restart_service) ran without an approval id",
        ),
        (
            lambda log: (approval(log, "task-1", "a-1"), ran(log, "task-1", "a-9")),
            "executed: a high action (restart_service) names approval a-9, which this task never requested",
        ),
        (
            lambda log: (approval(log, "task-9", "a-1"), ran(log, "task-1", "a-1")),
            "executed: a high action (restart_service) names approval a-1, which this task never requested",
        ),
        (
            lambda log: (approval(log, "task-1", "a-1"), ran(log, "task-1", "a-1", action_hash=OTHER_HASH)),
            "executed: a high action (restart_service) differs from what approval a-1 asked about: "
            "their action_hash differ",
        ),
        (
            lambda log: (approval(log, "task-1", "a-1", AuditEvent.REJECTED), ran(log, "task-1", "a-1")),
            "executed: a high action (restart_service) names approval a-1, which has no approved outcome",
        ),
        (
            lambda log: (
                approval(log, "task-1", "a-1"),
                log.append("task-1", AuditEvent.VOIDED, dedupe_key="a-1:voided", approval_id="a-1"),
                ran(log, "task-1", "a-1", tier="critical", event=AuditEvent.EXECUTION_FAILED),
            ),
            "execution_failed: a critical action (restart_service) names approval a-1, which was voided",
        ),
    ],
    ids=["no-approval", "unknown-approval", "another-tasks-approval", "other-action", "rejected", "voided"],
)
def test_each_action_without_a_matching_approval_is_reported(log: AuditLog, setup: Any, problem: str) -> None:
    setup(log)

    [found] = log.unapproved()
    assert found.task_id == "task-1"
    assert found.problem == problem
    assert log.rows("task-1")[found.seq - 1].event in ("executed", "execution_failed")
    assert log.unapproved("task-1") == [found]
    assert log.unapproved("task-2") == []
    assert log.verify() == [], "the chains themselves are intact"


def rewrite(engine: Engine, log: AuditLog, task_id: str, seq: int, detail: str) -> None:
    """A forger with write access: change one row's detail and rehash it and every row after it, so each link
    holds again (the published chain heads would show it; `verify` alone cannot)."""
    rows = log.rows(task_id, stored=True)
    prev_hash = rows[seq - 2].row_hash if seq > 1 else GENESIS_HASH
    with engine.begin() as connection:
        for row in rows[seq - 1 :]:
            if row.seq == seq:
                row.detail = detail
            row.prev_hash = prev_hash
            row.row_hash = prev_hash = row_hash_for(row)
            table = sa.table("audit_log", *(sa.column(name) for name in ("id", "detail", "prev_hash", "row_hash")))
            update = table.update().where(table.c.id == row.id)
            connection.execute(update.values(detail=row.detail, prev_hash=row.prev_hash, row_hash=row.row_hash))


def test_verify_fails_when_a_forger_swaps_the_approved_action_and_rehashes_the_chain(
    db_url: str, db_engine: Engine, log: AuditLog
) -> None:
    approval(log, "task-1", "a-1")
    ran(log, "task-1", "a-1")
    out = io.StringIO()
    assert audit_verify(db_url, out) == 0
    assert out.getvalue() == "1 chain, 4 rows: all intact\n"

    requested = log.rows("task-1", stored=True)[0]
    rewrite(db_engine, log, "task-1", 1, requested.detail.replace(APPROVED_HASH, OTHER_HASH))

    assert log.verify() == [], "a consistent rewrite keeps every link"
    out = io.StringIO()
    assert audit_verify(db_url, out) == 1
    assert out.getvalue() == (
        "task task-1:\n"
        "  seq 4: executed: a high action (restart_service) differs from what approval a-1 asked about: "
        "their action_hash differ\n"
        "1 chain, 4 rows: 1 high or critical action run without a matching approval\n"
    )


def test_verify_reports_broken_links_and_unapproved_actions_together(
    db_url: str, db_engine: Engine, log: AuditLog
) -> None:
    approval(log, "task-1", "a-1")
    ran(log, "task-1", "a-1")
    ran(log, "task-2", None, tier="critical")
    with db_engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_log SET actor = 'U9' WHERE task_id = 'task-1' AND seq = 2"))
    out = io.StringIO()

    assert audit_verify(db_url, out) == 1
    assert out.getvalue() == (
        "task task-1:\n"
        "  seq 2: row_hash does not match the row's content: the row was altered\n"
        "task task-2:\n"
        "  seq 1: executed: a critical action (restart_service) ran without an approval id\n"
        "2 chains, 5 rows: 1 chain broken (1 problem); 1 high or critical action run without a matching approval\n"
    )
    unapproved = "executed: a critical action (restart_service) ran without an approval id"
    assert log.unapproved() == [ChainProblem("task-2", 1, unapproved)]
