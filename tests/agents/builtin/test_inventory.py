"""The inventory in opsgate's database: seeded once, and writes applied once per idempotency key, on SQLite and
PostgreSQL, by one replica or several (each replica an `Inventory` on an engine of its own)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agents.builtin import changes
from agents.builtin.inventory import Change, Inventory, InventoryMissing
from agents.tools import ToolError
from opsgate.db import create_db_engine
from tests.agents.builtin.conftest import NOW, execute, ledger, rows


def _add_note(connection: sa.Connection, now: str) -> str:
    note_id = connection.execute(
        sa.text(
            "INSERT INTO incident_notes (incident_id, author, note, created_at) "
            "VALUES (1, 'U1', 'checked', :now) RETURNING id"
        ),
        {"now": now},
    ).scalar_one()
    return f"note {note_id}"


def _notes(inventory: Inventory) -> int:
    count: int = rows(inventory, "SELECT count(*) FROM incident_notes")[0][0]
    return count


def test_a_new_inventory_is_created_and_seeded(tmp_path: Path) -> None:
    inventory = Inventory.on_file(tmp_path / "state" / "ops" / "inventory.db", clock=lambda: NOW)
    inventory.ensure()
    assert rows(inventory, "SELECT count(DISTINCT name), count(*) FROM services") == [(6, 18)]
    environments = rows(inventory, "SELECT DISTINCT environment FROM services ORDER BY 1")
    assert environments == [("dev",), ("production",), ("staging",)]
    assert rows(inventory, "SELECT count(*) FROM deployments") == [(54,)]
    assert rows(inventory, "SELECT count(*) FROM incidents WHERE status != 'resolved'") == [(3,)]


def test_the_seed_is_the_same_on_both_dialects(inventory: Inventory) -> None:
    assert rows(inventory, "SELECT count(DISTINCT name), count(*) FROM services") == [(6, 18)]
    assert rows(inventory, "SELECT count(*) FROM deployments") == [(54,)]
    assert rows(inventory, "SELECT min(id), max(id) FROM incidents") == [(1, 5)]
    current = rows(
        inventory,
        "SELECT count(*) FROM services s WHERE version = (SELECT version FROM deployments d "
        "WHERE d.service = s.name AND d.environment = s.environment ORDER BY id DESC LIMIT 1)",
    )
    assert current == [(18,)], "every service runs the version of its latest deployment"


def test_an_existing_inventory_is_not_seeded_again(inventory: Inventory, engine: Engine) -> None:
    execute(inventory, "DELETE FROM incident_notes")
    execute(inventory, "DELETE FROM incidents WHERE status = 'resolved'")
    Inventory(engine).ensure()
    assert rows(inventory, "SELECT count(*) FROM services") == [(18,)]
    assert rows(inventory, "SELECT count(*) FROM incidents") == [(3,)]


def test_replicas_starting_at_once_seed_once(database_url: str) -> None:
    engines = [create_db_engine(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            Inventory(engine, clock=lambda: NOW).ensure()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert rows(engines[0], "SELECT count(*) FROM services") == [(18,)]
        assert rows(engines[0], "SELECT count(*) FROM incidents") == [(5,)]
    finally:
        for engine in engines:
            engine.dispose()


def test_apply_runs_a_change_once_per_key(inventory: Inventory) -> None:
    before = _notes(inventory)
    first = inventory.apply("task:1:a", "add_incident_note", {"incident_id": 1}, _add_note)
    again = inventory.apply("task:1:a", "add_incident_note", {"incident_id": 1}, _add_note)
    other = inventory.apply("task:1:b", "add_incident_note", {"incident_id": 1}, _add_note)
    assert first == again != other
    assert _notes(inventory) == before + 2
    assert ledger(inventory) == [
        ("task:1:a", "add_incident_note", first),
        ("task:1:b", "add_incident_note", other),
    ]


def test_a_key_applied_by_one_replica_is_replayed_by_another(inventory: Inventory, database_url: str) -> None:
    before = _notes(inventory)
    first = inventory.apply("task:1:r", "add_incident_note", {"incident_id": 1}, _add_note)
    other_engine = create_db_engine(database_url)  # another worker process: its own engine and pool
    try:
        replica_b = Inventory(other_engine, clock=lambda: NOW)
        assert replica_b.apply("task:1:r", "add_incident_note", {"incident_id": 1}, _add_note) == first
        assert replica_b.replay("task:1:r", "add_incident_note", {"incident_id": 1}) == first
    finally:
        other_engine.dispose()
    assert _notes(inventory) == before + 1


async def test_concurrent_calls_with_one_key_change_once(inventory: Inventory) -> None:
    before = _notes(inventory)
    results = await asyncio.gather(
        *(asyncio.to_thread(inventory.apply, "task:1:c", "add_incident_note", {}, _add_note) for _ in range(8))
    )
    assert len(set(results)) == 1
    assert _notes(inventory) == before + 1


def test_replicas_racing_on_one_key_change_once(inventory: Inventory, database_url: str) -> None:
    """Four replicas (engines) call with one key at the same moment; the first holds the key while it changes, so
    the others wait for its commit and answer with its result instead of applying it again."""
    engines = [create_db_engine(database_url) for _ in range(4)]
    replicas = [Inventory(engine, clock=lambda: NOW) for engine in engines]
    for replica in replicas:
        replica.ensure()
    before = _notes(inventory)
    barrier = threading.Barrier(len(replicas))
    results: list[str] = []
    waiting: list[int] = []

    def slow_note(connection: sa.Connection, now: str) -> str:
        result = _add_note(connection, now)
        waiting.append(_hold_until_the_others_wait(connection, others=len(replicas) - 1))
        return result

    def call(replica: Inventory) -> None:
        barrier.wait()
        results.append(replica.apply("task:1:race", "add_incident_note", {}, slow_note))

    threads = [threading.Thread(target=call, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert len(results) == 4 and len(set(results)) == 1
        assert _notes(inventory) == before + 1
        assert [key for key, _, _ in ledger(inventory)] == ["task:1:race"]
        if inventory.dialect == "postgresql":
            assert waiting == [3], "the other replicas were blocked on the key while the first applied the change"
    finally:
        for engine in engines:
            engine.dispose()


def _hold_until_the_others_wait(
    connection: sa.Connection, others: int, query: str = "INSERT INTO applied_requests%"
) -> int:
    """Inside the first replica's transaction: on PostgreSQL, until the others are blocked on the key (seen in
    pg_stat_activity, with a deadline); SQLite's writers wait in a busy loop nobody can see, so briefly there."""
    if connection.dialect.name != "postgresql":
        threading.Event().wait(0.3)
        return 0
    blocked_on = sa.text(  # blocked by this transaction, or queued behind a session that is
        "WITH direct AS (SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))) "
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE :query "
        "AND (pid IN (SELECT pid FROM direct) OR pg_blocking_pids(pid) && ARRAY(SELECT pid FROM direct))"
    )
    deadline = time.monotonic() + 10
    blocked = 0
    while (
        time.monotonic() < deadline
        and (blocked := connection.execute(blocked_on, {"query": query}).scalar_one()) < others
    ):
        threading.Event().wait(0.01)
    return int(blocked)


def test_changes_under_different_keys_take_turns(inventory: Inventory, database_url: str) -> None:
    """Two replicas scale one service at once: the second plans from what the first left, so the change log says
    2 -> 4 -> 6 (or 2 -> 6 -> 4), never two changes from 2."""
    engines = [create_db_engine(database_url) for _ in range(2)]
    replicas = [Inventory(engine, clock=lambda: NOW) for engine in engines]
    barrier = threading.Barrier(2)
    first_in: list[str] = []

    def scaling(count: int) -> Change:
        def change(connection: sa.Connection, now: str) -> str:
            result = changes.scale(connection, now, "U1", "api", "staging", count)
            if not first_in:
                first_in.append(result)
                _hold_until_the_others_wait(connection, others=1, query="SELECT pg_advisory_xact_lock%")
            return result

        return change

    def call(replica: Inventory, count: int) -> None:
        barrier.wait()
        replica.apply(f"task:1:scale-{count}", "scale_service", {"replicas": count}, scaling(count))

    threads = [threading.Thread(target=call, args=(r, c)) for r, c in zip(replicas, (4, 6), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        details = [detail for (detail,) in rows(inventory, "SELECT detail FROM changes ORDER BY id")]
        assert details in (["replicas 2 -> 4", "replicas 4 -> 6"], ["replicas 2 -> 6", "replicas 6 -> 4"])
    finally:
        for engine in engines:
            engine.dispose()


def test_a_key_reused_by_a_different_call_is_refused(inventory: Inventory) -> None:
    inventory.apply("task:1:d", "add_incident_note", {"incident_id": 1}, _add_note)
    with pytest.raises(ToolError, match="already used by a different call"):
        inventory.apply("task:1:d", "add_incident_note", {"incident_id": 2}, _add_note)
    with pytest.raises(ToolError, match="already used by a different call"):
        inventory.apply("task:1:d", "scale_service", {"incident_id": 1}, _add_note)


def test_a_failing_change_is_rolled_back_and_not_remembered(inventory: Inventory) -> None:
    def half_done(connection: sa.Connection, now: str) -> str:
        _add_note(connection, now)
        raise ToolError("no")

    before = _notes(inventory)
    with pytest.raises(ToolError):
        inventory.apply("task:1:e", "add_incident_note", {}, half_done)
    assert _notes(inventory) == before
    assert ledger(inventory) == []
    assert inventory.apply("task:1:e", "add_incident_note", {}, _add_note).startswith("note ")  # free to try again


def test_replay_and_record_remember_an_outside_effect(inventory: Inventory) -> None:
    assert inventory.replay("task:1:f", "post_message", {"channel": "C1"}) is None
    inventory.record("task:1:f", "post_message", {"channel": "C1"}, "Posted (ts 1.2).")
    assert inventory.replay("task:1:f", "post_message", {"channel": "C1"}) == "Posted (ts 1.2)."


def test_a_database_without_the_migration_says_what_to_run(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'opsgate.db'}")
    try:
        with pytest.raises(InventoryMissing, match=r"run `opsgate db upgrade` \(migration 0013\)"):
            Inventory(engine).ensure()
    finally:
        engine.dispose()
