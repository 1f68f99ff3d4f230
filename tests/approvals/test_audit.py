"""The audit log on SQLite and PostgreSQL: chains, idempotent appends, concurrent writers (threads and processes),
tampering that verification must catch, chain heads, the `opsgate audit verify` command and the migration."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from approvals.audit import GENESIS_HASH, AuditEvent, AuditLog, ChainProblem, DedupeKeyConflictError, row_hash_for
from opsgate.auditcli import audit_verify
from opsgate.db import create_db_engine, upgrade_database
from testkit.fakes import TickingClock

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[2]
ALTERED = "row_hash does not match the row's content: the row was altered"
UNLINKED = "prev_hash does not match the hash of the row before it"


@pytest.fixture
def log(db_engine: Engine) -> AuditLog:
    return AuditLog(db_engine, clock=TickingClock(T0))


def chain(log: AuditLog, task_id: str = "task-1", length: int = 4) -> None:
    events = [AuditEvent.REQUESTED, AuditEvent.VOTE, AuditEvent.APPROVED, AuditEvent.EXECUTED]
    for n in range(length):
        log.append(task_id, events[n % 4], dedupe_key=f"{task_id}:{n}", approval_id="appr-1", actor="U1")


def tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))


def test_appends_build_a_hash_chain_per_task(log: AuditLog) -> None:
    first = log.append(
        "task-1",
        AuditEvent.REQUESTED,
        dedupe_key="k1",
        approval_id="appr-1",
        actor="opsgate",
        detail={"b": 1, "a": "é"},
    )
    second = log.append("task-1", AuditEvent.VOTE, dedupe_key="k2", approval_id="appr-1", actor="U1")
    other = log.append("task-2", AuditEvent.FROZEN, dedupe_key="k3")

    assert (first.seq, first.prev_hash, first.at) == (1, GENESIS_HASH, T0 + timedelta(seconds=1))
    assert first.detail == '{"a":"é","b":1}', "canonical JSON: sorted keys, no spaces, UTF-8 kept"
    assert (second.seq, second.prev_hash, second.detail) == (2, first.row_hash, "{}")
    assert (other.seq, other.prev_hash, other.approval_id, other.actor) == (1, GENESIS_HASH, None, None)
    assert [row.model_dump() for row in log.rows("task-1")] == [first.model_dump(), second.model_dump()]
    stored = [*log.rows("task-1", stored=True), *log.rows("task-2", stored=True)]
    assert all(row.row_hash == row_hash_for(row) for row in stored)
    assert [row.actor for row in stored][:1] == ["opsgate"], "opsgate is nobody: no pseudonym"
    assert re.fullmatch(r"p-[0-9a-f]{24}", stored[1].actor or ""), "a person is stored by pseudonym only"
    assert log.rows("nope") == []
    assert log.verify() == []


def test_the_row_hash_is_sha256_of_the_documented_serialization(log: AuditLog) -> None:
    record = log.append(
        "task-1", AuditEvent.VOTE, dedupe_key="k", approval_id="a1", actor="U1", detail={"choice": "approve"}
    )

    [stored] = log.rows("task-1", stored=True)
    detail = r'"{\"choice\":\"approve\"}"'
    spelled = f'["task-1",1,"a1","vote","{stored.actor}",{detail},"2026-01-02T03:04:06.000000+00:00","{GENESIS_HASH}"]'
    assert record.row_hash == stored.row_hash == hashlib.sha256(spelled.encode()).hexdigest()
    assert record.actor == "U1", "readers get the Slack id back"
    assert stored.actor != "U1", "the hash covers the pseudonym, never the Slack id"


def test_a_replayed_append_returns_the_stored_row(log: AuditLog) -> None:
    first = log.append("task-1", AuditEvent.VOTE, dedupe_key="vote:U1", actor="U1", detail={"choice": "approve"})

    again = log.append("task-1", AuditEvent.VOTE, dedupe_key="vote:U1", actor="U1", detail={"choice": "approve"})
    later = log.append("task-1", AuditEvent.VOTE, dedupe_key="vote:U1", actor="U1", detail={"retried": True})

    assert again == first
    assert later.model_dump() == first.model_dump(), "the first write wins"
    assert len(log.rows("task-1")) == 1


@pytest.mark.parametrize(
    "changed", [{"task_id": "task-2"}, {"event": AuditEvent.REFUSED}, {"actor": "U2"}, {"approval_id": "appr-2"}]
)
def test_a_dedupe_key_reused_for_another_row_is_refused(log: AuditLog, changed: dict[str, Any]) -> None:
    wanted: dict[str, Any] = {"task_id": "task-1", "event": AuditEvent.VOTE, "actor": "U1", "approval_id": "appr-1"}
    log.append(**wanted, dedupe_key="vote:U1")

    with pytest.raises(DedupeKeyConflictError, match=next(iter(changed))):
        log.append(**{**wanted, **changed}, dedupe_key="vote:U1")


def test_malformed_appends_are_refused_and_store_nothing(db_engine: Engine) -> None:
    log = AuditLog(db_engine, clock=TickingClock(T0))
    with pytest.raises(ValueError, match="not a valid AuditEvent"):
        log.append("task-1", "paused", dedupe_key="k")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_id must be 1 to 64"):
        log.append("t" * 65, AuditEvent.VOTE, dedupe_key="k")
    with pytest.raises(ValueError, match="dedupe_key must be 1 to 255"):
        log.append("task-1", AuditEvent.VOTE, dedupe_key="")
    with pytest.raises(ValueError, match="Out of range float"):
        log.append("task-1", AuditEvent.VOTE, dedupe_key="k", detail={"confidence": float("nan")})
    with pytest.raises(ValueError, match="naive datetime"):
        AuditLog(db_engine, clock=lambda: datetime(2026, 1, 1)).append("task-1", AuditEvent.VOTE, dedupe_key="k")

    assert log.heads() == {}


def test_threads_appending_to_one_task_build_one_gapless_chain(log: AuditLog) -> None:
    def write(worker: int) -> None:
        for n in range(12):
            log.append("shared", AuditEvent.VOTE, dedupe_key=f"w{worker}:{n}", actor=f"U{worker}")
            log.append("shared", AuditEvent.VOTE, dedupe_key=f"w{(worker + 1) % 8}:{n}", actor=f"U{(worker + 1) % 8}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))

    rows = log.rows("shared")
    assert [row.seq for row in rows] == list(range(1, 97))
    assert {row.dedupe_key for row in rows} == {f"w{worker}:{n}" for worker in range(8) for n in range(12)}
    assert log.verify() == []


def test_threads_replaying_one_append_write_one_row(log: AuditLog) -> None:
    def write(_: int) -> dict[str, object]:
        return log.append("task-1", AuditEvent.APPROVED, dedupe_key="decided", actor="opsgate").model_dump()

    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(write, range(8)))

    assert all(row == written[0] for row in written)
    assert len(log.rows("task-1")) == 1


def test_one_key_raced_for_different_tasks_writes_one_row_and_refuses_the_rest(log: AuditLog) -> None:
    def write(n: int) -> str:
        try:
            return log.append(f"task-{n}", AuditEvent.VOTE, dedupe_key="shared-key").task_id
        except DedupeKeyConflictError:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(write, range(8)))

    written = [outcome for outcome in outcomes if outcome != "refused"]
    assert len(written) == 1
    assert log.heads().keys() == set(written)


WRITER = """
import sys
from approvals.audit import AuditEvent, AuditLog
from opsgate.db import create_db_engine
engine = create_db_engine(sys.argv[1])
for n in range(15):
    AuditLog(engine).append("shared", AuditEvent.VOTE, dedupe_key=f"{sys.argv[2]}:{n}", actor=sys.argv[2])
engine.dispose()
"""


def test_processes_appending_to_one_task_build_one_gapless_chain(db_url: str, log: AuditLog) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, db_url, f"P{n}"], cwd=REPO_ROOT, stderr=subprocess.PIPE)
        for n in range(3)
    ]
    errors = [writer.communicate(timeout=60)[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0, 0], errors
    assert [row.seq for row in log.rows("shared")] == list(range(1, 46))
    assert log.verify() == []


def test_verify_finds_an_altered_detail(log: AuditLog, db_engine: Engine) -> None:
    chain(log)
    tamper(db_engine, """UPDATE audit_log SET detail = '{"tool":"delete"}' WHERE task_id = 'task-1' AND seq = 2""")

    assert log.verify() == [ChainProblem("task-1", 2, ALTERED)]


def test_verify_finds_a_deleted_row(log: AuditLog, db_engine: Engine) -> None:
    chain(log)
    chain(log, "task-2")
    tamper(db_engine, "DELETE FROM audit_log WHERE task_id = 'task-1' AND seq = 2")
    tamper(db_engine, "DELETE FROM audit_log WHERE task_id = 'task-2' AND seq = 1")

    assert log.verify() == [
        ChainProblem("task-1", 3, "expected seq 2, found 3: rows missing or reordered"),
        ChainProblem("task-1", 3, UNLINKED),
        ChainProblem("task-2", 2, "expected seq 1, found 2: rows missing or reordered"),
        ChainProblem("task-2", 2, UNLINKED),
    ]
    assert log.verify("task-2") == log.verify()[2:]


def test_verify_finds_reordered_rows(log: AuditLog, db_engine: Engine) -> None:
    chain(log)
    where = "WHERE task_id = 'task-1' AND seq ="
    tamper(
        db_engine,
        f"UPDATE audit_log SET seq = -1 {where} 2",
        f"UPDATE audit_log SET seq = 2 {where} 3",
        f"UPDATE audit_log SET seq = 3 {where} -1",
    )

    problems = log.verify("task-1")
    assert problems == [
        ChainProblem("task-1", 2, UNLINKED),
        ChainProblem("task-1", 2, ALTERED),
        ChainProblem("task-1", 3, UNLINKED),
        ChainProblem("task-1", 3, ALTERED),
        ChainProblem("task-1", 4, UNLINKED),
    ]


def test_verify_finds_a_broken_prev_hash(log: AuditLog, db_engine: Engine) -> None:
    chain(log)
    tamper(db_engine, f"UPDATE audit_log SET prev_hash = '{'f' * 64}' WHERE task_id = 'task-1' AND seq = 3")

    assert log.verify() == [ChainProblem("task-1", 3, UNLINKED), ChainProblem("task-1", 3, ALTERED)]


def test_a_forger_who_rehashes_rows_still_breaks_the_next_link(log: AuditLog, db_engine: Engine) -> None:
    chain(log)
    forged = log.rows("task-1", stored=True)[2]
    forged.detail = '{"tool":"delete"}'
    forged.row_hash = row_hash_for(forged)
    tamper(
        db_engine,
        f"UPDATE audit_log SET detail = '{forged.detail}', row_hash = '{forged.row_hash}' WHERE id = {forged.id}",
    )

    assert log.verify() == [ChainProblem("task-1", 4, UNLINKED)]


def test_heads_pin_each_chain_so_a_truncation_shows(log: AuditLog, db_engine: Engine) -> None:
    assert log.heads() == {}
    chain(log, "task-1", length=3)
    chain(log, "task-2", length=1)

    published = log.heads()
    assert published == {"task-1": log.rows("task-1")[-1].row_hash, "task-2": log.rows("task-2")[0].row_hash}
    tamper(db_engine, "DELETE FROM audit_log WHERE task_id = 'task-1' AND seq = 3")
    assert log.verify() == [], "a shorter chain is still a valid chain…"
    assert log.heads()["task-1"] != published["task-1"], "…which the published head exposes"


def test_audit_verify_reports_intact_chains(db_url: str, log: AuditLog) -> None:
    out = io.StringIO()
    assert audit_verify(db_url, out) == 0
    assert out.getvalue() == "0 chains, 0 rows: all intact\n"

    chain(log, "task-1", length=3)
    chain(log, "task-2", length=1)
    out = io.StringIO()
    assert audit_verify(db_url, out) == 0
    assert out.getvalue() == "2 chains, 4 rows: all intact\n"


def test_audit_verify_reports_each_broken_chain(db_url: str, log: AuditLog, db_engine: Engine) -> None:
    chain(log, "task-1")
    chain(log, "task-2", length=1)
    tamper(db_engine, "UPDATE audit_log SET actor = 'U9' WHERE task_id = 'task-1' AND seq = 4")
    out = io.StringIO()

    assert audit_verify(db_url, out) == 1
    assert out.getvalue() == f"task task-1:\n  seq 4: {ALTERED}\n2 chains, 5 rows: 1 chain broken (1 problem)\n"


def test_audit_verify_says_when_the_database_was_never_migrated(db_url: str) -> None:
    out = io.StringIO()

    assert audit_verify(db_url, out) == 1
    assert "no audit_log table" in out.getvalue()
    assert "run `opsgate db upgrade` first" in out.getvalue()


def test_the_migration_creates_an_audit_log_that_takes_every_event(db_url: str) -> None:
    upgrade_database(db_url)
    engine = create_db_engine(db_url)
    try:
        log = AuditLog(engine, clock=TickingClock(T0))
        for event in AuditEvent:
            log.append("task-1", event, dedupe_key=event.value, actor="opsgate")
        assert [row.event for row in log.rows("task-1")] == list(AuditEvent)
        assert log.verify() == []
        with pytest.raises(sa.exc.IntegrityError):
            tamper(engine, "UPDATE audit_log SET event = 'paused' WHERE seq = 1")
    finally:
        engine.dispose()
