"""A fresh inventory file per test, with a fixed clock, the tools over it, and a recording ChannelPoster."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agents.builtin import builtin_tools
from agents.builtin.inventory import Inventory
from agents.tools import Tool, ToolCallContext

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
_calls = itertools.count(1)


def context(key: str | None = None, requester: str = "U0TESTER01") -> ToolCallContext:
    """A call context; without a key, a fresh one, as for a new call."""
    number = next(_calls)
    return ToolCallContext(
        task_id="task-1", call_id=f"toolu_{number}", requester=requester, idempotency_key=key or f"task-1:1:{number}"
    )


def rows(path: Path, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """Reads the inventory file directly, bypassing the tools."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, parameters).fetchall()


class RecordingPoster:
    """A ChannelPoster that keeps what was posted and answers with Slack-like timestamps."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []

    async def post(self, channel: str, text: str) -> str:
        self.posts.append((channel, text))
        return f"1767225600.{len(self.posts):06d}"


@pytest.fixture
def inventory_path(tmp_path: Path) -> Path:
    return tmp_path / "inventory.db"


@pytest.fixture
def inventory(inventory_path: Path) -> Inventory:
    inventory = Inventory(inventory_path, clock=lambda: NOW)
    inventory.ensure()
    return inventory


@pytest.fixture
def tools(inventory: Inventory) -> dict[str, Tool]:
    return {tool.spec.name: tool for tool in builtin_tools(inventory.path, clock=lambda: NOW)}


@pytest.fixture
def snapshot(inventory_path: Path) -> Callable[[], list[tuple[Any, ...]]]:
    """Everything in the inventory that a write could change, to prove that something did not."""

    def take() -> list[tuple[Any, ...]]:
        tables = ("services", "deployments", "incidents", "incident_notes", "changes", "applied_requests")
        return [(table, *row) for table in tables for row in rows(inventory_path, f"SELECT * FROM {table}")]

    return take
