"""TaskStore on SQLite and PostgreSQL: idempotent writes, late writes that must not undo a finished task,
and concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handlers.contracts import TaskPhase
from handlers.store import TaskNotFoundError, TaskRecord, TaskStore
from testkit.fakes import TickingClock

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(T0)


@pytest.fixture
def store(db_engine: Engine, clock: TickingClock) -> TaskStore:
    return TaskStore(db_engine, clock=clock)


def record(task_id: str = "T1-C1-1700000000.000100", **fields: object) -> TaskRecord:
    values: dict[str, object] = {
        "id": task_id,
        "team_id": "T1",
        "requester": "U1",
        "channel": "C1",
        "text": "restart the api pods in staging",
        "created_at": T0,
    }
    return TaskRecord(**{**values, **fields})


def stored(store: TaskStore, task_id: str = "T1-C1-1700000000.000100") -> TaskRecord:
    found = store.get(task_id)
    assert found is not None
    return found


def test_upsert_inserts_a_record_that_reads_back_with_utc_times(store: TaskStore) -> None:
    store.upsert(record(thread_ts="1700000000.000200"))

    task = stored(store)
    assert (task.team_id, task.requester, task.channel) == ("T1", "U1", "C1")
    assert task.text == "restart the api pods in staging"
    assert (task.status, task.outcome, task.thread_ts, task.steps) == ("queued", None, "1700000000.000200", 0)
    assert task.created_at == T0
    assert task.created_at.tzinfo is not None
    assert task.updated_at == T0 + timedelta(seconds=1)
    assert store.get("nope") is None


def test_times_in_other_zones_are_stored_as_utc(store: TaskStore) -> None:
    store.upsert(record(created_at=T0.astimezone(timezone(timedelta(hours=-5)))))

    assert stored(store).created_at == T0
    assert stored(store).created_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(store: TaskStore) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        store.upsert(record(created_at=datetime(2026, 1, 1)))


def test_a_replayed_upsert_changes_nothing(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.RUNNING, steps=2))
    first = stored(store)

    store.upsert(record(status=TaskPhase.RUNNING, steps=2))

    assert stored(store).model_dump() == first.model_dump()


def test_upsert_merges_into_the_stored_record(store: TaskStore, clock: TickingClock) -> None:
    store.upsert(record())
    store.update("T1-C1-1700000000.000100", thread_ts="1700000000.000200", steps=3)

    store.upsert(record(status=TaskPhase.DONE, outcome="restarted", created_at=T0 + timedelta(days=1)))

    task = stored(store)
    assert (task.status, task.outcome) == ("done", "restarted")
    assert task.thread_ts == "1700000000.000200", "a record without thread_ts keeps the stored one"
    assert task.steps == 3, "the step count never goes down"
    assert task.created_at == T0, "created_at is the first write's"
    assert task.updated_at == clock.now


def test_a_finished_task_is_not_reopened_by_a_late_upsert(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.DONE, outcome="restarted", steps=4))
    done = stored(store)

    store.upsert(record(status=TaskPhase.RUNNING, steps=9, thread_ts="1700000000.000300"))
    store.upsert(record(status=TaskPhase.CANCELLED))

    assert stored(store).model_dump() == done.model_dump()


def test_a_finished_task_is_not_reopened_by_a_late_update(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.FAILED, outcome="model unavailable"))
    failed = stored(store)

    store.update(failed.id, status=TaskPhase.RUNNING, outcome="half way", steps=5)
    store.update(failed.id, status=TaskPhase.DONE)

    assert stored(store).model_dump() == failed.model_dump()


def test_a_finished_task_still_takes_details_that_keep_its_status(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.DONE))

    store.update("T1-C1-1700000000.000100", status=TaskPhase.DONE, outcome="restarted 3 pods")
    store.update("T1-C1-1700000000.000100", thread_ts="1700000000.000200")

    task = stored(store)
    assert (task.status, task.outcome, task.thread_ts) == ("done", "restarted 3 pods", "1700000000.000200")


def test_update_changes_only_what_it_is_given(store: TaskStore, clock: TickingClock) -> None:
    store.upsert(record(outcome="planning the restart"))

    store.update("T1-C1-1700000000.000100", status=TaskPhase.WAITING_APPROVAL, steps=2)

    task = stored(store)
    assert (task.status, task.outcome, task.steps) == ("waiting_approval", "planning the restart", 2)
    assert task.updated_at == clock.now


def test_an_update_that_changes_nothing_leaves_updated_at_alone(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.RUNNING, steps=3))
    before = stored(store)

    store.update(before.id, status=TaskPhase.RUNNING, steps=2)
    store.update(before.id)

    assert stored(store).model_dump() == before.model_dump()


def test_update_of_an_unknown_task_raises(store: TaskStore) -> None:
    with pytest.raises(TaskNotFoundError, match="upsert first"):
        store.update("missing", status=TaskPhase.RUNNING)


def test_unknown_statuses_are_refused(store: TaskStore, db_engine: Engine) -> None:
    with pytest.raises(ValueError, match="'paused' is not a valid TaskPhase"):
        store.upsert(record(status="paused"))
    store.upsert(record())
    with pytest.raises(ValueError, match="not a valid TaskPhase"):
        store.update("T1-C1-1700000000.000100", status="paused")  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError), db_engine.begin() as connection:
        connection.execute(sa.text("UPDATE tasks SET status = 'paused'"))


def test_list_for_requester_is_newest_first_and_limited(store: TaskStore) -> None:
    for n in range(5):
        store.upsert(record(f"task-{n}", created_at=T0 + timedelta(minutes=n)))
    store.upsert(record("someone-else", requester="U2"))
    store.upsert(record("same-id-other-workspace", team_id="T2"))  # a person is (team, user)

    assert [task.id for task in store.list_for_requester("T1", "U1", limit=3)] == ["task-4", "task-3", "task-2"]
    assert [task.id for task in store.list_for_requester("T1", "U2")] == ["someone-else"]
    assert [task.id for task in store.list_for_requester("T2", "U1")] == ["same-id-other-workspace"]
    assert store.list_for_requester("T1", "U3") == []


def test_concurrent_writers_do_not_fail_and_the_merge_rules_hold(store: TaskStore) -> None:
    def write(n: int) -> None:
        store.upsert(record("shared", status=TaskPhase.RUNNING, steps=n))
        store.upsert(record(f"own-{n}", steps=n))
        store.update("shared", steps=n + 1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))

    assert stored(store, "shared").steps == 40
    assert sorted(stored(store, f"own-{n}").steps for n in range(40)) == list(range(40))


def test_concurrent_finish_and_late_progress_end_finished(store: TaskStore) -> None:
    store.upsert(record(status=TaskPhase.RUNNING))

    def write(n: int) -> None:
        if n == 10:
            store.upsert(record(status=TaskPhase.DONE, outcome="done"))
        else:
            store.update("T1-C1-1700000000.000100", status=TaskPhase.RUNNING, steps=n)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(20)))

    assert stored(store).status == TaskPhase.DONE


def test_a_threads_tasks_come_oldest_first_with_whether_each_ended(store: TaskStore) -> None:
    store.upsert(record("first", text="is api healthy?", created_at=T0))
    store.update("first", thread_ts="111.1", status=TaskPhase.DONE, outcome="degraded")
    store.upsert(record("second", text="why?", created_at=T0 + timedelta(minutes=1), requester="U2"))
    store.update("second", thread_ts="111.1", status=TaskPhase.RUNNING)
    store.upsert(record("elsewhere", created_at=T0 + timedelta(minutes=2)))
    store.update("elsewhere", thread_ts="222.2")

    history = store.thread_history("C1", "111.1")
    assert [(t.task_id, t.requester, t.text, t.outcome, t.finished) for t in history] == [
        ("first", "U1", "is api healthy?", "degraded", True),
        ("second", "U2", "why?", None, False),
    ]
    assert [t.task_id for t in store.thread_history("C1", "111.1", limit=1)] == ["second"]
    assert store.thread_history("C2", "111.1") == []
