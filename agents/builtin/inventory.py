"""The ops inventory: services, deployments, incidents and changes in one SQLite file, created and seeded on first use.

Writes go through `Inventory.apply`, which records the call's idempotency key in `applied_requests` in the same
transaction as the change: the same key again returns the first result and changes nothing, so a write tool is
exactly-once wherever the platform keeps the key stable. Reads for the model's SQL go through a read-only
connection (`readonly_sql`). Every method is blocking and opens its own connection: tools call them through
`asyncio.to_thread`, one connection per call, so no connection is shared between threads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.builtin.readonly_sql import QueryResult, connect_read_only, run_query
from agents.builtin.seed import SCHEMA, seed, stamp
from agents.tools import ToolError

__all__ = ["Clock", "Inventory", "utc_now"]

Clock = Callable[[], datetime]
Change = Callable[[sqlite3.Connection, str], str]
"""A write inside the inventory's transaction: given the connection and the time stamp, returns the result text."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _arguments_hash(arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()


class Inventory:
    def __init__(self, path: Path | str, *, clock: Clock = utc_now, query_timeout_seconds: float = 2.0) -> None:
        self.path = Path(path)
        self.query_timeout_seconds = query_timeout_seconds
        self._clock = clock
        self._ready = False
        self._lock = threading.Lock()

    def now(self) -> str:
        return stamp(self._clock())

    def ensure(self) -> None:
        """Creates the tables and seeds them if the inventory is new; cheap once done."""
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as connection:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            connection.execute(statement)
                    if connection.execute("SELECT count(*) FROM services").fetchone()[0] == 0:
                        seed(connection, self._clock())
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            self._ready = True

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection (SQLite refuses writes on it), closed afterwards."""
        self.ensure()
        with closing(connect_read_only(self.path)) as connection:
            yield connection

    def query(self, sql: str, *, max_rows: int) -> QueryResult:
        with self.reading() as connection:
            return run_query(connection, sql, max_rows=max_rows, timeout_seconds=self.query_timeout_seconds)

    def apply(self, key: str, tool: str, arguments: dict[str, Any], change: Change) -> str:
        """Runs `change` once per idempotency key: a key seen before returns the first result, changing nothing."""
        self.ensure()
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                earlier = self._earlier(connection, key, tool, arguments)
                if earlier is not None:
                    connection.execute("ROLLBACK")
                    return earlier
                now = self.now()
                result = change(connection, now)
                self._remember(connection, key, tool, arguments, result, now)
                connection.execute("COMMIT")
                return result
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def replay(self, key: str, tool: str, arguments: dict[str, Any]) -> str | None:
        """The result recorded for this key, for an effect outside the database (a post, an email)."""
        self.ensure()
        with closing(self._connect()) as connection:
            return self._earlier(connection, key, tool, arguments)

    def record(self, key: str, tool: str, arguments: dict[str, Any], result: str) -> None:
        """Remembers an effect outside the database under its key, after it happened."""
        self.ensure()
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            self._remember(connection, key, tool, arguments, result, self.now())
            connection.execute("COMMIT")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    @staticmethod
    def _earlier(connection: sqlite3.Connection, key: str, tool: str, arguments: dict[str, Any]) -> str | None:
        row = connection.execute(
            "SELECT tool, arguments_sha256, result FROM applied_requests WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        if (row[0], row[1]) != (tool, _arguments_hash(arguments)):
            raise ToolError(
                f"idempotency key {key!r} was already used by a different call ({row[0]}); nothing was changed"
            )
        result: str = row[2]
        return result

    @staticmethod
    def _remember(
        connection: sqlite3.Connection, key: str, tool: str, arguments: dict[str, Any], result: str, now: str
    ) -> None:
        connection.execute(
            "INSERT OR IGNORE INTO applied_requests (idempotency_key, tool, arguments_sha256, result, applied_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, tool, _arguments_hash(arguments), result, now),
        )
