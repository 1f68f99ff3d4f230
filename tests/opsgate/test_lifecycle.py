"""Data lifecycle on SQLite and PostgreSQL: the purge keeps what it must (live tasks, young rows, whole audit chains)
and deletes the rest; erasing one person leaves no trace of their Slack id in any column of any table while every
audit chain still verifies; migration 0008 pseudonymises existing chains without breaking them; the CLI's errors."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from approvals.audit import GENESIS_HASH, AuditEvent, AuditLog, AuditRecord, ChainProblem, row_hash_for
from approvals.ledger import SqlBudgetLedger
from handlers.contracts import TaskPhase
from handlers.erasure import ERASED, ERASED_TEXT, erase_person
from handlers.retention import PurgeReport, Retention, purge
from handlers.span_summaries import SpanSummaryStore
from handlers.store import TaskRecord, TaskStore
from opsgate.cli import main
from opsgate.datacli import data_erase, data_purge
from opsgate.db import alembic_config, create_db_engine, upgrade_database
from testkit.fakes.bot import bot_client, bot_deps, slash, team_guard

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = Retention(tasks_days=90, span_summaries_days=45, audit_days=400)
PSEUDONYM = re.compile(r"p-[0-9a-f]{24}")
ALICE, BOB, CAROL = "U0ALICE01", "U0BOB0002", "U0CAROL03"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


class World:
    """Rows written as the application writes them, each at a chosen time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._spans = 0

    def task(self, task_id: str, days: float, status: TaskPhase, *, requester: str = BOB, text: str = "x") -> None:
        record = TaskRecord(
            id=task_id, team_id="T1", requester=requester, channel="C0OPS", text=text, created_at=ago(days)
        )
        TaskStore(self.engine, clock=lambda: ago(days)).upsert(record.model_copy(update={"status": status}))
        if status.terminal:
            TaskStore(self.engine, clock=lambda: ago(days)).update(task_id, outcome=f"{text}: {status.value}")

    def span(self, task_id: str, days: float, **fields: Any) -> str:
        self._spans += 1
        span_id = f"{self._spans:016x}"
        row = {
            "span_id": span_id,
            "trace_id": "0" * 32,
            "parent_id": None,
            "task_id": task_id,
            "name": "execute_tool restart_service",
            "kind": "tool",
            "agent": "ops",
            "task_type": None,
            "tool": "restart_service",
            "model": None,
            "started_at": ago(days),
            "duration_ms": 1.0,
            "status": "ok",
            "error": None,
            "outcome": None,
            "actors": None,
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "cost_usd": 0.0,
        }
        SpanSummaryStore(self.engine).write([{**row, **fields}])
        return span_id

    def execution(self, key: str, task_id: str, days: float) -> None:
        table = sa.table(
            "executions", sa.column("key"), sa.column("task_id"), sa.column("tool"), sa.column("started_at")
        )
        with self.engine.begin() as connection:
            connection.execute(sa.insert(table).values(key=key, task_id=task_id, tool="restart", started_at=ago(days)))

    def audit(self, task_id: str, days: float, event: AuditEvent, key: str, **fields: Any) -> AuditRecord:
        return AuditLog(self.engine, clock=lambda: ago(days)).append(task_id, event, dedupe_key=key, **fields)


def keys(engine: Engine, table: str, column: str) -> list[Any]:
    with engine.connect() as connection:
        return sorted(connection.execute(sa.text(f"SELECT {column} FROM {table}")).scalars())


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what 'nothing changed' is checked against."""
    metadata = sa.MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)
        return {
            table.name: sorted(tuple(map(repr, row)) for row in connection.execute(sa.select(table)))
            for table in metadata.sorted_tables
        }


def traces_of(engine: Engine, text: str) -> list[str]:
    """table.column of every text value, in every table, that contains `text`."""
    metadata = sa.MetaData()
    found = []
    with engine.connect() as connection:
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String):
                    hits = connection.execute(sa.select(column).where(column.contains(text))).scalars().all()
                    found += [f"{table.name}.{column.name}: {hit}" for hit in hits if text in hit]
    return found


# --- purge ---


@pytest.fixture
def aged(db_engine: Engine) -> World:
    """Tasks, spans, intent markers, counters and audit chains, young and old, live and finished."""
    world = World(db_engine)
    world.task("t-old-done", 100, TaskPhase.DONE)
    world.task("t-old-failed", 95, TaskPhase.FAILED)
    world.task("t-old-running", 200, TaskPhase.RUNNING)
    world.task("t-old-waiting", 300, TaskPhase.WAITING_APPROVAL)
    world.task("t-young-done", 10, TaskPhase.DONE)
    world.span("t-old-done", 100)
    world.span("t-old-failed", 95)
    world.span("t-old-running", 200)
    world.span("t-young-done", 60)  # the task is young, this span is past its retention
    world.span("t-young-done", 10)
    world.span("t-never-recorded", 50)
    world.execution("t-old-done:1:a", "t-old-done", 100)
    world.execution("t-old-running:1:a", "t-old-running", 200)
    world.execution("t-gone:1:a", "t-gone", 120)  # its task went long ago
    world.execution("t-young-done:1:a", "t-young-done", 10)
    ledger = SqlBudgetLedger(db_engine)
    for minutes_ago in (2, 1, 0):  # two ended windows and the one counting now
        ledger.add(f"calls:user:{BOB}", 1, window_s=60.0, now=NOW.timestamp() - minutes_ago * 60)
    ledger.add("calls:tool:restart_service", 5, window_s=None, now=0.0)
    # Audit chains: gone whole when their newest row is old, kept whole otherwise.
    world.audit("t-old-done", 500, AuditEvent.REQUESTED, "a-1:requested", approval_id="a-1", actor=CAROL)
    world.audit("t-old-done", 450, AuditEvent.APPROVED, "a-1:approved", approval_id="a-1", actor=BOB)
    world.audit("t-young-done", 500, AuditEvent.REQUESTED, "a-2:requested", approval_id="a-2", actor=BOB)
    world.audit("t-young-done", 10, AuditEvent.APPROVED, "a-2:approved", approval_id="a-2", actor=BOB)
    world.audit("t-old-running", 500, AuditEvent.GUARDRAIL, "t-old-running:guardrail:input", actor=BOB)
    world.audit("t-blocked", 401, AuditEvent.GUARDRAIL, "t-blocked:guardrail:input", actor=BOB)
    return world


def test_purge_deletes_exactly_what_its_retention_no_longer_keeps(aged: World) -> None:
    engine = aged.engine
    before_heads = AuditLog(engine).heads()

    report = purge(engine, RETENTION, now=NOW, batch=2)

    assert keys(engine, "tasks", "id") == ["t-old-running", "t-old-waiting", "t-young-done"]
    assert keys(engine, "span_summaries", "task_id") == ["t-old-running", "t-young-done"]
    assert keys(engine, "executions", "key") == ["t-old-running:1:a", "t-young-done:1:a"]
    with engine.connect() as connection:
        counters = connection.execute(sa.text("SELECT key, bucket FROM budget_counters ORDER BY key")).all()
    current = int(NOW.timestamp() // 60)
    assert [tuple(row) for row in counters] == [("calls:tool:restart_service", 0), (f"calls:user:{BOB}", current)]
    log = AuditLog(engine)
    assert sorted(log.heads()) == ["t-old-running", "t-young-done"]
    assert {task: before_heads[task] for task in log.heads()} == log.heads(), "kept chains are kept whole"
    assert [row.seq for row in log.rows("t-young-done")] == [1, 2]
    assert log.verify() == []
    assert keys(engine, "audit_pseudonyms", "slack_id") == [BOB], "Carol was only named in an expired chain"
    assert report == PurgeReport(
        tasks=2,
        span_summaries=4,
        executions=2,
        audit_log=3,
        audit_chains=2,
        audit_pseudonyms=1,
        budget_counters=2,
    )


def test_a_lengthened_window_keeps_its_count_through_a_purge(db_engine: Engine) -> None:
    """A rate changed from per minute to per hour starts at a smaller bucket number: it must not look older."""
    ledger = SqlBudgetLedger(db_engine)
    key, now = f"calls:user:{BOB}", NOW.timestamp()
    ledger.add(key, 3, window_s=60.0, now=now)  # the old, shorter window, still counting for a few seconds
    ledger.add(key, 5, window_s=3600.0, now=now)

    assert purge(db_engine, RETENTION, now=NOW) == PurgeReport()
    later = NOW + timedelta(minutes=2)
    assert purge(db_engine, RETENTION, now=later) == PurgeReport(budget_counters=1)
    assert ledger.used(key, window_s=3600.0, now=later.timestamp()) == 5


def test_a_dry_run_counts_the_same_and_changes_nothing(aged: World) -> None:
    before = dump(aged.engine)

    dry = purge(aged.engine, RETENTION, now=NOW, dry_run=True)

    assert dump(aged.engine) == before
    assert dry == purge(aged.engine, RETENTION, now=NOW)


def test_purging_twice_deletes_nothing_the_second_time(aged: World) -> None:
    purge(aged.engine, RETENTION, now=NOW)

    assert purge(aged.engine, RETENTION, now=NOW) == PurgeReport()


def test_zero_days_keeps_a_kind_for_ever(aged: World) -> None:
    report = purge(aged.engine, Retention(tasks_days=0, span_summaries_days=0, audit_days=0), now=NOW)

    assert report == PurgeReport(budget_counters=2), "past budget windows are dead whatever the settings"
    assert len(keys(aged.engine, "tasks", "id")) == 5
    assert len(AuditLog(aged.engine).heads()) == 4


def test_a_chain_that_grows_is_young_again(aged: World) -> None:
    aged.audit("t-blocked", 1, AuditEvent.GUARDRAIL, "t-blocked:guardrail:again", actor="opsgate")

    purge(aged.engine, RETENTION, now=NOW)

    assert [row.seq for row in AuditLog(aged.engine).rows("t-blocked")] == [1, 2]


def test_a_young_pseudonym_is_not_swept(db_engine: Engine) -> None:
    """A mapping minted a moment ago may belong to an append whose row is not committed yet."""
    world = World(db_engine)
    world.audit("t-1", 0, AuditEvent.GUARDRAIL, "t-1:guardrail:input", actor=ALICE)
    with db_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log"))

    assert purge(db_engine, RETENTION, now=NOW).audit_pseudonyms == 0
    assert purge(db_engine, RETENTION, now=NOW + timedelta(days=2)).audit_pseudonyms == 1


# --- erase ---


@pytest.fixture
def people(db_engine: Engine) -> World:
    """Alice asked twice and was blocked once; Bob approves and mentions her; Carol has nothing to do with her."""
    world = World(db_engine)
    world.task("t-alice-1", 5, TaskPhase.DONE, requester=ALICE, text="restart the api pods, ask <@U0BOB0002>")
    world.task("t-alice-2", 4, TaskPhase.FAILED, requester=ALICE, text="purge the cache")
    world.task("t-bob-1", 3, TaskPhase.DONE, requester=BOB, text=f"do what <@{ALICE}> asked for yesterday")
    world.task("t-carol-1", 2, TaskPhase.RUNNING, requester=CAROL, text="list the pods")
    world.span("t-alice-1", 5, kind="approval", actors=f"{BOB},{CAROL}")
    world.span("t-bob-1", 3, kind="approval", actors=f"{BOB},{ALICE}", error=f"vote by <@{ALICE}> timed out")
    world.span("t-carol-1", 2)
    world.execution("t-alice-1:1:toolu_1", "t-alice-1", 5)
    ledger = SqlBudgetLedger(db_engine)
    for user in (ALICE, BOB):
        ledger.add(f"requests:user:{user}", 1, window_s=60.0, now=0.0)
        ledger.add(f"tokens:user:{user}", 900, window_s=86_400.0, now=0.0)
    requested = {"tool": "restart_service", "requester": ALICE, "approvers": [BOB, CAROL, "S0ONCALL1"]}
    world.audit("t-alice-1", 5, AuditEvent.GUARDRAIL, "t-alice-1:guardrail:input", actor=ALICE, detail={})
    world.audit("t-alice-1", 5, AuditEvent.REQUESTED, "a-1:requested", approval_id="a-1", actor=ALICE, detail=requested)
    refusal = {"reason": "you requested this action, so someone else must approve it"}
    world.audit("t-alice-1", 5, AuditEvent.REFUSED, "a-1:refused:inv_1", approval_id="a-1", actor=ALICE, detail=refusal)
    vote = {"approve": True, "reason": f"fine, <@{ALICE}|alice> and <@{CAROL}> agreed"}
    world.audit("t-alice-1", 5, AuditEvent.VOTE, f"a-1:vote:{BOB}", approval_id="a-1", actor=BOB, detail=vote)
    world.audit("t-alice-1", 5, AuditEvent.APPROVED, "a-1:approved", approval_id="a-1", actor=BOB)
    world.audit(
        "t-alice-1", 5, AuditEvent.ESCALATED, "a-1:escalated", approval_id="a-1", actor="opsgate", detail={"to": ALICE}
    )
    asked = {"tool": "scale", "tier": "high", "channel": "C0OPS", "requester": BOB, "approvers": [ALICE, CAROL]}
    world.audit("t-bob-1", 3, AuditEvent.REQUESTED, "a-2:requested", approval_id="a-2", actor=BOB, detail=asked)
    world.audit(
        "t-blocked", 1, AuditEvent.GUARDRAIL, "t-blocked:guardrail:input", actor=ALICE, detail={"stage": "input"}
    )
    world.audit("t-carol-1", 2, AuditEvent.GUARDRAIL, "t-carol-1:guardrail:input", actor=CAROL)
    return world


def test_the_audit_log_stores_people_by_pseudonym_and_reads_them_back(people: World) -> None:
    log = AuditLog(people.engine)

    assert not [trace for trace in traces_of(people.engine, ALICE) if trace.startswith("audit_log.")]
    vote = log.rows("t-alice-1")[3]
    assert (vote.actor, vote.dedupe_key) == (BOB, f"a-1:vote:{BOB}")
    assert vote.detail == f'{{"approve":true,"reason":"fine, <@{ALICE}> and <@{CAROL}> agreed"}}'
    stored = log.rows("t-alice-1", stored=True)[3]
    assert PSEUDONYM.fullmatch(stored.actor or "")
    assert stored.dedupe_key == f"a-1:vote:{stored.actor}"
    [pending] = log.pending()
    assert pending.detail == (
        f'{{"approvers":["{ALICE}","{CAROL}"],"channel":"C0OPS","requester":"{BOB}","tier":"high","tool":"scale"}}'
    )
    assert log.rows("t-alice-1")[1].detail.endswith(f'"requester":"{ALICE}","tool":"restart_service"}}')
    assert '"S0ONCALL1"' in log.rows("t-alice-1", stored=True)[1].detail, "a user group is nobody"


def test_a_person_named_with_their_workspace_is_stored_by_pseudonym_too(db_engine: Engine) -> None:
    """`T…:U…` (another workspace's approver in the policy) keeps its team and loses its user id, like a bare id."""
    world = World(db_engine)
    world.task("t-partner", 2, TaskPhase.RUNNING, requester=BOB, text="scale the api")
    asked = {"tool": "scale", "requester": BOB, "approvers": [f"T0PARTNER:{ALICE}", "T0PARTNER:S0SRE"], "to": "x"}
    world.audit("t-partner", 2, AuditEvent.REQUESTED, "a-9:requested", approval_id="a-9", actor=BOB, detail=asked)
    log = AuditLog(db_engine)

    stored = log.rows("t-partner", stored=True)[0].detail
    assert ALICE not in stored and '"T0PARTNER:p-' in stored and '"T0PARTNER:S0SRE"' in stored
    assert log.rows("t-partner")[0].detail.startswith(f'{{"approvers":["T0PARTNER:{ALICE}","T0PARTNER:S0SRE"]')
    assert erase_person(db_engine, ALICE).complete
    assert traces_of(db_engine, ALICE) == [] and log.verify() == []


def test_erasing_a_person_leaves_no_trace_and_every_chain_verifies(people: World) -> None:
    engine = people.engine
    log = AuditLog(engine)
    stored_before = {task: log.rows(task, stored=True) for task in log.heads()}
    others_before = {task: log.rows(task) for task in ("t-carol-1",)}
    assert len(traces_of(engine, ALICE)) > 5

    report = erase_person(engine, ALICE, batch=2)

    assert traces_of(engine, ALICE) == []
    assert log.verify() == []
    assert {task: log.rows(task, stored=True) for task in log.heads()} == stored_before, "no audit row changed"
    assert report.complete
    assert (report.tasks_emptied, report.audit_rows) == (2, 7)
    assert report.redacted == {"tasks": 1, "span_summaries": 1}
    assert report.deleted == {"budget_counters": 2}
    # Her tasks are emptied, kept for the counts; Bob's keeps his words, less her id.
    tasks = TaskStore(engine)
    alice_1 = tasks.get("t-alice-1")
    assert alice_1 is not None
    assert (alice_1.requester, alice_1.text, alice_1.outcome, alice_1.status) == (
        ERASED,
        ERASED_TEXT,
        ERASED_TEXT,
        "done",
    )
    assert alice_1.updated_at == ago(5), "erasure does not restart the retention clock"
    bob_1 = tasks.get("t-bob-1")
    assert bob_1 is not None
    assert (bob_1.requester, bob_1.text) == (BOB, f"do what <@{ERASED}> asked for yesterday")
    assert SpanSummaryStore(engine).rows("t-bob-1")[0].actors == f"{BOB},{ERASED}"
    assert SpanSummaryStore(engine).rows("t-alice-1")[0].actors == f"{BOB},{CAROL}"
    assert keys(engine, "budget_counters", "key") == [f"requests:user:{BOB}", f"tokens:user:{BOB}"]
    # Readers still see everyone else; Alice is a pseudonym that leads nowhere.
    vote = log.rows("t-alice-1")[3]
    assert vote.actor == BOB
    assert re.fullmatch(rf'{{"approve":true,"reason":"fine, <@p-[0-9a-f]{{24}}> and <@{CAROL}> agreed"}}', vote.detail)
    assert PSEUDONYM.fullmatch(log.rows("t-blocked")[0].actor or "")
    [pending] = log.pending()
    assert f'"requester":"{BOB}"' in pending.detail
    assert {task: log.rows(task) for task in others_before} == others_before
    assert keys(engine, "audit_pseudonyms", "slack_id") == [BOB, CAROL]


async def ops_approvals(engine: Engine, user_id: str) -> str:
    """`/ops approvals` as `user_id`, signed and dispatched through the real app."""
    async with bot_client(bot_deps(guard=team_guard(), audit=AuditLog(engine))) as client:
        response = await slash(client, "approvals", user_id=user_id)
    text: str = response.json()["text"]
    return text


async def test_ops_approvals_reads_slack_ids_before_and_after_an_erasure(people: World) -> None:
    for approver in (ALICE, CAROL):
        answer = await ops_approvals(people.engine, approver)
        assert "*1 approval(s) wait on you*" in answer
        assert f"`scale` (high) for <@{BOB}> in <#C0OPS>" in answer

    erase_person(people.engine, ALICE)

    assert f"`scale` (high) for <@{BOB}> in <#C0OPS>" in await ops_approvals(people.engine, CAROL)
    assert await ops_approvals(people.engine, BOB) == "Nothing waits on you. :tada:", "the requester never approves"


def test_erasing_twice_changes_nothing_the_second_time(people: World) -> None:
    erase_person(people.engine, ALICE)
    after = dump(people.engine)

    again = erase_person(people.engine, ALICE)

    assert dump(people.engine) == after
    assert (again.tasks_emptied, again.redacted, again.deleted, again.audit_rows) == (0, {}, {}, 0)
    assert again.complete


def test_a_dry_run_erasure_counts_the_same_and_changes_nothing(people: World) -> None:
    before = dump(people.engine)

    dry = erase_person(people.engine, ALICE, dry_run=True)

    assert dump(people.engine) == before
    assert dry == erase_person(people.engine, ALICE)


def test_a_live_task_is_left_for_a_second_erasure(people: World) -> None:
    people.task("t-alice-3", 1, TaskPhase.WAITING_APPROVAL, requester=ALICE, text="drop the table")

    report = erase_person(people.engine, ALICE)

    assert report.live_tasks == ["t-alice-3"]
    assert not report.complete
    assert [trace.split(":")[0] for trace in traces_of(people.engine, ALICE)] == ["tasks.requester"]
    TaskStore(people.engine).update("t-alice-3", status=TaskPhase.CANCELLED)
    assert erase_person(people.engine, ALICE).complete
    assert traces_of(people.engine, ALICE) == []


def test_after_an_erasure_the_same_id_gets_an_unrelated_pseudonym(people: World) -> None:
    log = AuditLog(people.engine)
    old = log.rows("t-blocked", stored=True)[0].actor
    erase_person(people.engine, ALICE)

    people.audit("t-new", 0, AuditEvent.GUARDRAIL, "t-new:guardrail:input", actor=ALICE)

    new = log.rows("t-new", stored=True)[0].actor
    assert PSEUDONYM.fullmatch(new or "")
    assert new != old
    assert log.rows("t-new")[0].actor == ALICE


def test_erasure_reports_audit_rows_that_name_the_id_in_free_text(people: World) -> None:
    people.audit(
        "t-sloppy", 1, AuditEvent.RESOLVED, "t-sloppy:resolved", actor="opsgate", detail={"note": f"per {ALICE}"}
    )

    report = erase_person(people.engine, ALICE)

    assert report.audit_leftovers == [("t-sloppy", 1)]
    assert not report.complete
    assert AuditLog(people.engine).verify() == [], "reported, never edited"


def test_only_the_whole_id_is_erased(people: World) -> None:
    people.task("t-dan", 1, TaskPhase.DONE, requester="U0ALICE012", text="U0ALICE012 is not U0ALICE01")
    people.task("t-dan-live", 1, TaskPhase.RUNNING, requester="U0ALICE012")

    assert erase_person(people.engine, ALICE).complete, "Dan's live task does not name Alice"

    dan = TaskStore(people.engine).get("t-dan")
    assert dan is not None
    assert (dan.requester, dan.text) == ("U0ALICE012", f"U0ALICE012 is not {ERASED}")


def test_erase_refuses_what_is_not_a_slack_user_id(db_engine: Engine) -> None:
    with pytest.raises(ValueError, match="not a Slack user id"):
        erase_person(db_engine, "U0ALICE%")


# --- migration 0008 ---


def raw_chain(engine: Engine, task_id: str, rows: list[dict[str, Any]]) -> None:
    """Rows as opsgate wrote them before 0008: Slack ids in the clear, hashed as they stand."""
    table = sa.table("audit_log", *(sa.column(name) for name in AuditRecord.model_fields if name != "id"))
    previous = GENESIS_HASH
    with engine.begin() as connection:
        for seq, fields in enumerate(rows, start=1):
            row = {"task_id": task_id, "seq": seq, "approval_id": None, "actor": None, "at": ago(10 - seq), **fields}
            record = AuditRecord.model_validate({**row, "prev_hash": previous, "row_hash": ""})
            record.row_hash = row_hash_for(record)
            previous = record.row_hash
            connection.execute(sa.insert(table).values(record.model_dump(exclude={"id"})))


def test_migration_0008_pseudonymises_existing_chains_which_still_verify(db_url: str) -> None:
    command.upgrade(alembic_config(db_url), "0007")
    engine = create_db_engine(db_url)
    try:
        detail = f'{{"approvers":["{ALICE}","S0ONCALL1"],"reason":"for <@{BOB}|bob>","requester":"{BOB}"}}'
        raw_chain(
            engine,
            "t-1",
            [
                {"event": "requested", "actor": BOB, "detail": detail, "dedupe_key": "a-1:requested"},
                {"event": "vote", "actor": ALICE, "detail": '{"approve":true}', "dedupe_key": f"a-1:vote:{ALICE}"},
                {"event": "approved", "actor": "opsgate", "detail": "{}", "dedupe_key": "a-1:approved"},
            ],
        )
        raw_chain(engine, "t-2", [{"event": "vote", "actor": ALICE, "detail": "{}", "dedupe_key": "t-2:vote"}])
        with engine.begin() as connection:  # t-2 was tampered with before the upgrade
            connection.execute(
                sa.text("UPDATE audit_log SET detail = :forged WHERE task_id = 't-2'"), {"forged": "{}!"}
            )
        log = AuditLog(engine)
        before = {task: log.rows(task) for task in ("t-1", "t-2")}

        upgrade_database(db_url)

        assert log.verify() == [
            ChainProblem("t-2", 1, "row_hash does not match the row's content: the row was altered")
        ]
        assert [trace for trace in traces_of(engine, ALICE) if not trace.startswith("audit_pseudonyms.")] == []
        assert [trace for trace in traces_of(engine, BOB) if not trace.startswith("audit_pseudonyms.")] == []
        readable = log.rows("t-1")
        assert [(row.actor, row.dedupe_key) for row in readable] == [(r.actor, r.dedupe_key) for r in before["t-1"]]
        assert readable[0].detail == detail.replace(f"<@{BOB}|bob>", f"<@{BOB}>"), "the mention keeps its id only"
        assert erase_person(engine, ALICE).complete
        assert log.verify() == [
            ChainProblem("t-2", 1, "row_hash does not match the row's content: the row was altered")
        ]

        command.downgrade(alembic_config(db_url), "0007")

        with engine.connect() as connection:
            actors = connection.execute(sa.text("SELECT actor FROM audit_log ORDER BY task_id, seq")).scalars().all()
        assert actors[0] == BOB, "the downgrade puts back the ids that still have a mapping"
        assert PSEUDONYM.fullmatch(actors[1]), "…and an erased person stays erased"
        assert [problem.task_id for problem in AuditLog(engine).verify()] == ["t-2"]
    finally:
        engine.dispose()


# --- the command line ---


def test_the_commands_print_what_they_did(db_url: str) -> None:
    upgrade_database(db_url)
    engine = create_db_engine(db_url)
    try:
        World(engine).task("t-old", 100, TaskPhase.DONE, requester=ALICE)
        out = io.StringIO()
        assert data_purge(db_url, RETENTION, out, dry_run=True, now=NOW) == 0
        assert out.getvalue().splitlines()[:2] == [
            "would delete (dry run: nothing changed):",
            "  tasks                   1  finished, older than 90 days",
        ]
        out = io.StringIO()
        assert data_erase(db_url, ALICE, out) == 0
        assert out.getvalue().splitlines() == [
            f"erase {ALICE}:",
            "  tasks: 1 row of theirs emptied (requester, text and outcome)",
            "  audit_log: no row names them",
        ]
    finally:
        engine.dispose()


def test_cli_data_commands_read_the_settings(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_database(db_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPSGATE_DATABASE_URL", db_url)
    monkeypatch.setenv("OPSGATE_RETENTION_TASKS_DAYS", "7")

    assert main(["data", "purge", "--dry-run"]) == 0
    assert "finished, older than 7 days" in capsys.readouterr().out
    assert main(["data", "erase", ALICE, "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith(f"erase {ALICE} (dry run: nothing changed):")


@pytest.mark.parametrize(
    ("user_id", "hint"),
    [("u0alice01", "did you mean U0ALICE01?"), ("alice", "e.g. U0123ABCD"), ("U0ALICE01'--", "Copy member ID")],
)
def test_erase_says_what_a_user_id_looks_like(user_id: str, hint: str) -> None:
    out = io.StringIO()

    assert data_erase("sqlite://", user_id, out) == 2
    assert "is not a Slack user id" in out.getvalue()
    assert hint in out.getvalue()


def test_the_commands_say_when_the_database_is_unreachable_or_not_migrated(tmp_path: Any) -> None:
    out = io.StringIO()
    assert data_purge("postgresql://nobody:secret@127.0.0.1:1/opsgate", RETENTION, out) == 1
    assert "cannot reach the database at postgresql://nobody:***@127.0.0.1:1/opsgate" in out.getvalue()
    assert "check OPSGATE_DATABASE_URL" in out.getvalue()
    assert "secret" not in out.getvalue()

    out = io.StringIO()
    assert data_erase(f"sqlite:///{tmp_path / 'new.db'}", ALICE, out) == 1
    assert "run `opsgate db upgrade` first" in out.getvalue()
