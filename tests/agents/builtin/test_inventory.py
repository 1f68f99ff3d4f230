"""The inventory file: created and seeded once, and writes applied once per idempotency key."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from agents.builtin.inventory import Inventory
from agents.tools import ToolError
from tests.agents.builtin.conftest import NOW, rows


def test_a_new_inventory_is_created_and_seeded(tmp_path: Path) -> None:
    inventory_path = tmp_path / "state" / "ops" / "inventory.db"
    Inventory(inventory_path, clock=lambda: NOW).ensure()
    services = rows(inventory_path, "SELECT count(DISTINCT name), count(*) FROM services")
    assert services == [(6, 18)]
    environments = rows(inventory_path, "SELECT DISTINCT environment FROM services ORDER BY 1")
    assert environments == [("dev",), ("production",), ("staging",)]
    assert rows(inventory_path, "SELECT count(*) FROM deployments") == [(54,)]
    assert rows(inventory_path, "SELECT count(*) FROM incidents WHERE status != 'resolved'") == [(3,)]
    current = rows(
        inventory_path,
        "SELECT count(*) FROM services s WHERE version = (SELECT version FROM deployments d "
        "WHERE d.service = s.name AND d.environment = s.environment ORDER BY id DESC LIMIT 1)",
    )
    assert current == [(18,)], "every service runs the version of its latest deployment"


def test_an_existing_inventory_is_not_seeded_again(inventory: Inventory) -> None:
    with closing(sqlite3.connect(inventory.path)) as connection, connection:
        connection.execute("DELETE FROM incident_notes")
        connection.execute("DELETE FROM incidents WHERE status = 'resolved'")
    Inventory(inventory.path).ensure()
    assert rows(inventory.path, "SELECT count(*) FROM services") == [(18,)]
    assert rows(inventory.path, "SELECT count(*) FROM incidents") == [(3,)]


def _add_note(connection: sqlite3.Connection, now: str) -> str:
    cursor = connection.execute(
        "INSERT INTO incident_notes (incident_id, author, note, created_at) VALUES (1, 'U1', 'checked', ?)", (now,)
    )
    return f"note {cursor.lastrowid}"


def test_apply_runs_a_change_once_per_key(inventory: Inventory) -> None:
    before = rows(inventory.path, "SELECT count(*) FROM incident_notes")[0][0]
    first = inventory.apply("task:1:a", "add_incident_note", {"incident_id": 1}, _add_note)
    again = inventory.apply("task:1:a", "add_incident_note", {"incident_id": 1}, _add_note)
    other = inventory.apply("task:1:b", "add_incident_note", {"incident_id": 1}, _add_note)
    assert first == again != other
    assert rows(inventory.path, "SELECT count(*) FROM incident_notes")[0][0] == before + 2
    assert rows(inventory.path, "SELECT idempotency_key, tool, result FROM applied_requests ORDER BY 1") == [
        ("task:1:a", "add_incident_note", first),
        ("task:1:b", "add_incident_note", other),
    ]


async def test_concurrent_calls_with_one_key_change_once(inventory: Inventory) -> None:
    before = rows(inventory.path, "SELECT count(*) FROM incident_notes")[0][0]
    results = await asyncio.gather(
        *(asyncio.to_thread(inventory.apply, "task:1:c", "add_incident_note", {}, _add_note) for _ in range(8))
    )
    assert len(set(results)) == 1
    assert rows(inventory.path, "SELECT count(*) FROM incident_notes")[0][0] == before + 1


def test_a_key_reused_by_a_different_call_is_refused(inventory: Inventory) -> None:
    inventory.apply("task:1:d", "add_incident_note", {"incident_id": 1}, _add_note)
    with pytest.raises(ToolError, match="already used by a different call"):
        inventory.apply("task:1:d", "add_incident_note", {"incident_id": 2}, _add_note)
    with pytest.raises(ToolError, match="already used by a different call"):
        inventory.apply("task:1:d", "scale_service", {"incident_id": 1}, _add_note)


def test_a_failing_change_is_rolled_back_and_not_remembered(inventory: Inventory) -> None:
    def half_done(connection: sqlite3.Connection, now: str) -> str:
        _add_note(connection, now)
        raise ToolError("no")

    before = rows(inventory.path, "SELECT count(*) FROM incident_notes")
    with pytest.raises(ToolError):
        inventory.apply("task:1:e", "add_incident_note", {}, half_done)
    assert rows(inventory.path, "SELECT count(*) FROM incident_notes") == before
    assert rows(inventory.path, "SELECT count(*) FROM applied_requests") == [(0,)]


def test_replay_and_record_remember_an_outside_effect(inventory: Inventory) -> None:
    assert inventory.replay("task:1:f", "post_message", {"channel": "C1"}) is None
    inventory.record("task:1:f", "post_message", {"channel": "C1"}, "Posted (ts 1.2).")
    assert inventory.replay("task:1:f", "post_message", {"channel": "C1"}) == "Posted (ts 1.2)."
