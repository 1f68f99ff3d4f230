"""The ops inventory: services, deployments, incidents and changes, in opsgate's main database (SQLite or
PostgreSQL), so every worker replica reads and changes one inventory; seeded on first use.

Writes go through `Inventory.apply`, which first inserts the call's idempotency key into `applied_requests` and
then makes the change, in one transaction: a second call with the key (on this replica or another, at once or
later) finds the key, waits for the first transaction if it is still open, and returns the recorded result
without changing anything. So a write tool is exactly-once wherever the platform keeps the key stable. Changes
under different keys take turns (SQLite has one writer; PostgreSQL a transaction-level advisory lock), so each
plans from the state the one before left. The model's SQL is confined to the inventory's tables (`readonly_sql`
on SQLite, `readonly_pg` on PostgreSQL). Every method is blocking: tools call them through `asyncio.to_thread`,
one pooled connection per call.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from agents.builtin.readonly_pg import run_pg_query
from agents.builtin.readonly_sql import QueryResult, connect_read_only, run_query
from agents.builtin.schema import LEDGER_TABLE, READABLE_TABLES, create_inventory_tables
from agents.builtin.seed import seed, stamp
from agents.tools import ToolError

__all__ = ["SEED_KEY", "Clock", "Inventory", "InventoryMissing", "utc_now"]

Clock = Callable[[], datetime]
Change = Callable[[sa.Connection, str], str]
"""A write inside the inventory's transaction: given the connection and the time stamp, returns the result text."""
SEED_KEY = "opsgate:seed-inventory"
"""The ledger's key for the demo data: the replica whose insert of it succeeds seeds, any other finds it there."""

_CLAIM = sa.text(
    f"INSERT INTO {LEDGER_TABLE} (idempotency_key, tool, arguments_sha256, result, applied_at) "
    "VALUES (:key, :tool, :sha, :result, :now) ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key"
)

CHANGE_LOCK_KEY = 0x6F70_7363  # "opsc", with the schema's hash: the inventory's changes in one schema take turns
_CHANGE_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))")


class InventoryMissing(RuntimeError):
    """The inventory's tables are not in the database: an operator must run the migrations."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _arguments_hash(arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()


class Inventory:
    def __init__(self, engine: sa.Engine, *, clock: Clock = utc_now, query_timeout_seconds: float = 2.0) -> None:
        self.engine = engine
        self.query_timeout_seconds = query_timeout_seconds
        self._clock = clock
        self._ready = False
        self._lock = threading.Lock()
        self._standalone: Path | None = None  # a file of its own (`on_file`): its tables are created on first use

    @classmethod
    def on_file(cls, path: Path | str, *, clock: Clock = utc_now, query_timeout_seconds: float = 2.0) -> Inventory:
        """A standalone inventory in its own SQLite file, its tables created on first use (tests, scripts,
        examples); opsgate itself hands over its engine instead."""
        engine = sa.create_engine(f"sqlite:///{Path(path)}", connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        inventory = cls(engine, clock=clock, query_timeout_seconds=query_timeout_seconds)
        inventory._standalone = Path(path)
        return inventory

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def now(self) -> str:
        return stamp(self._clock())

    def ensure(self) -> None:
        """Seeds the demo data once per database (whichever replica claims `SEED_KEY` first); cheap once done."""
        with self._lock:
            if self._ready:
                return
            if self._standalone is not None:
                self._standalone.parent.mkdir(parents=True, exist_ok=True)
                create_inventory_tables(self.engine)
            if not sa.inspect(self.engine).has_table(LEDGER_TABLE):
                where = self.engine.url.render_as_string(hide_password=True)
                raise InventoryMissing(
                    f"the inventory's tables are missing in {where}: run `opsgate db upgrade` (migration 0013)"
                )
            with self.engine.begin() as connection:
                claim = {"key": SEED_KEY, "tool": "seed", "sha": "", "result": "seeded", "now": self.now()}
                claimed = connection.execute(_CLAIM, claim).first() is not None
                if claimed and connection.execute(sa.text("SELECT count(*) FROM services")).scalar_one() == 0:
                    seed(connection, self._clock())
            self._ready = True

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection in a transaction that is rolled back afterwards (read-only on PostgreSQL), for our own reads."""
        self.ensure()
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection

    def query(self, sql: str, *, max_rows: int) -> QueryResult:
        """The model's SQL, confined to the inventory's tables and read-only (`QueryFailed` when refused)."""
        self.ensure()
        if self.dialect == "postgresql":
            with self.engine.connect() as connection:
                return run_pg_query(connection, sql, max_rows=max_rows, timeout_seconds=self.query_timeout_seconds)
        database = self.engine.url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise RuntimeError("query_inventory needs opsgate's database in a file or on PostgreSQL, not in memory")
        with closing(connect_read_only(Path(database), READABLE_TABLES)) as connection:
            return run_query(connection, sql, max_rows=max_rows, timeout_seconds=self.query_timeout_seconds)

    def apply(self, key: str, tool: str, arguments: dict[str, Any], change: Change) -> str:
        """Runs `change` once per idempotency key: a key seen before returns the first result, changing nothing."""
        self.ensure()
        with self.engine.begin() as connection:
            now = self.now()
            claim = {"key": key, "tool": tool, "sha": _arguments_hash(arguments), "result": "", "now": now}
            if connection.execute(_CLAIM, claim).first() is None:  # waits for a transaction holding the key
                earlier = self._earlier(connection, key, tool, arguments)
                assert earlier is not None
                return earlier
            if self.dialect == "postgresql":  # one change at a time, as SQLite's single writer: plans read fresh
                connection.execute(_CHANGE_LOCK, {"key": CHANGE_LOCK_KEY})
            result = change(connection, now)
            connection.execute(
                sa.text(f"UPDATE {LEDGER_TABLE} SET result = :result WHERE idempotency_key = :key"),
                {"result": result, "key": key},
            )
            return result

    def replay(self, key: str, tool: str, arguments: dict[str, Any]) -> str | None:
        """The result recorded for this key, for an effect outside the database (a post, an email)."""
        self.ensure()
        with self.engine.connect() as connection:
            return self._earlier(connection, key, tool, arguments)

    def record(self, key: str, tool: str, arguments: dict[str, Any], result: str) -> None:
        """Remembers an effect outside the database under its key, after it happened."""
        self.ensure()
        with self.engine.begin() as connection:
            claim = {"key": key, "tool": tool, "sha": _arguments_hash(arguments), "result": result, "now": self.now()}
            connection.execute(_CLAIM, claim)

    @staticmethod
    def _earlier(connection: sa.Connection, key: str, tool: str, arguments: dict[str, Any]) -> str | None:
        row = connection.execute(
            sa.text(f"SELECT tool, arguments_sha256, result FROM {LEDGER_TABLE} WHERE idempotency_key = :key"),
            {"key": key},
        ).first()
        if row is None:
            return None
        if (row[0], row[1]) != (tool, _arguments_hash(arguments)):
            raise ToolError(
                f"idempotency key {key!r} was already used by a different call ({row[0]}); nothing was changed"
            )
        result: str = row[2]
        return result
