"""A fresh opsgate database per test (SQLite, and PostgreSQL migrated to head, roles and grants included), the
inventory in it with a fixed clock, the tools over it, and a recording ChannelPoster."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agents.builtin import builtin_tools
from agents.builtin.inventory import SEED_KEY, Inventory
from agents.tools import Tool, ToolCallContext
from opsgate.db import create_db_engine, init_schema, upgrade_database

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
_calls = itertools.count(1)


def context(key: str | None = None, requester: str = "U0TESTER01") -> ToolCallContext:
    """A call context; without a key, a fresh one, as for a new call."""
    number = next(_calls)
    return ToolCallContext(
        task_id="task-1", call_id=f"toolu_{number}", requester=requester, idempotency_key=key or f"task-1:1:{number}"
    )


def rows(target: Inventory | Engine, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """Reads the database directly, bypassing the tools (`?` placeholders on both dialects)."""
    engine = target.engine if isinstance(target, Inventory) else target
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            sql = sql.replace("?", "%s")
        return [tuple(row) for row in connection.exec_driver_sql(sql, parameters).fetchall()]


def execute(target: Inventory | Engine, sql: str, *parameters: Any) -> None:
    """Writes to the database directly, as an operator would, bypassing the tools."""
    engine = target.engine if isinstance(target, Inventory) else target
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            sql = sql.replace("?", "%s")
        connection.exec_driver_sql(sql, parameters)


class RecordingPoster:
    """A ChannelPoster that keeps what was posted and answers with Slack-like timestamps."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []

    async def post(self, channel: str, text: str) -> str:
        self.posts.append((channel, text))
        return f"1767225600.{len(self.posts):06d}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """opsgate's database, once on SQLite (tables from the models) and once on PostgreSQL (migrated to head)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_db_url")
        upgrade_database(url)
        return url
    url = f"sqlite:///{tmp_path / 'opsgate.db'}"
    engine = create_db_engine(url)
    init_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def inventory(engine: Engine) -> Inventory:
    inventory = Inventory(engine, clock=lambda: NOW)
    inventory.ensure()
    return inventory


@pytest.fixture
def tools(inventory: Inventory) -> dict[str, Tool]:
    return {tool.spec.name: tool for tool in builtin_tools(inventory)}


@pytest.fixture
def snapshot(inventory: Inventory) -> Callable[[], list[tuple[Any, ...]]]:
    """Everything in the inventory that a write could change, to prove that something did not."""

    def take() -> list[tuple[Any, ...]]:
        tables = ("services", "deployments", "incidents", "incident_notes", "changes", "applied_requests")
        return sorted(
            ((table, *row) for table in tables for row in rows(inventory, f"SELECT * FROM {table}")), key=repr
        )

    return take


def ledger(inventory: Inventory) -> list[tuple[Any, ...]]:
    """The idempotency ledger's keys, tools and results, without the seed's own key."""
    return rows(
        inventory,
        "SELECT idempotency_key, tool, result FROM applied_requests WHERE idempotency_key != ? ORDER BY 1",
        SEED_KEY,
    )
