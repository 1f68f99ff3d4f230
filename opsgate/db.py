"""The database engine and schema, built once by the composition root and handed to the stores.

SQLite is the zero-setup default and PostgreSQL serves several replicas; both get the settings they need
under concurrent writers: SQLite runs in WAL mode with a busy timeout and real transactions (the Python
driver's own transaction handling skips BEGIN for some statements), PostgreSQL runs on psycopg 3 with
pre-ping, so a restarted server costs one reconnect, not an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DEFAULT_DATABASE_URL",
    "alembic_config",
    "create_db_engine",
    "init_schema",
    "model_metadata",
    "normalize_database_url",
    "upgrade_database",
]

DEFAULT_DATABASE_URL = "sqlite:///./.opsgate/opsgate.db"
SQLITE_BUSY_TIMEOUT_MS = 5_000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_upgrade_lock = threading.Lock()


def normalize_database_url(url: str) -> URL:
    """Parse `url`, sending plain `postgresql://` (and `postgres://`) URLs to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database URL {parsed!r}: use sqlite:///path or postgresql://…")
    return parsed


def create_db_engine(url: str) -> Engine:
    """An engine for `url` (SQLite or PostgreSQL), configured for several threads writing at once."""
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ":memory:"
    in_memory = database == ":memory:" or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        options["poolclass"] = StaticPool  # one connection, or each checkout would see a new empty database
    engine = sa.create_engine(parsed, **options)
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    sa.event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy (see `_begin_sqlite_transaction`).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not on every commit: a crash of the process loses nothing, a
        # power cut at most the last commits. FULL made every rate-limit check on the ack path an fsync.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def model_metadata() -> sa.MetaData:
    """The metadata of every table opsgate owns; each model module is imported here so none is forgotten."""
    import agents.builtin.schema  # noqa: F401  (registers the built-in tools' inventory and ledger)
    import approvals.audit
    import approvals.ledger  # noqa: F401  (registers `budget_counters`)
    import bot.installations  # noqa: F401  (registers slack_sdk's `slack_bots`, `slack_installations`, ...)
    import handlers.envelope_uses
    import handlers.executions
    import handlers.span_summaries
    import handlers.store  # noqa: F401  (registers `tasks`)

    return SQLModel.metadata


def init_schema(engine: Engine) -> None:
    """Create missing tables straight from the models, for tests that do not exercise the migrations."""
    model_metadata().create_all(engine)


def alembic_config(url: str) -> Config:
    """Alembic's configuration, built in code so no `alembic.ini` has to sit in the working directory.

    The URL travels in `attributes`, not in the ini options, because configparser would choke on the `%` of
    percent-encoded URLs.
    """
    from alembic.config import Config  # imported here: only processes that migrate pay for alembic

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (`alembic upgrade head`), creating it if need be.

    Alembic keeps its migration context in module globals, so upgrades in one process take turns; upgrades
    from several processes take turns on an advisory lock on PostgreSQL (see `migrations/env.py`) and on a
    file lock beside the database on SQLite, where two processes starting together on a new file would
    otherwise both create tables and one would fail with "database is locked".
    """
    from alembic import command

    with _upgrade_lock, _sqlite_file_lock(url):
        command.upgrade(alembic_config(url), revision)


@contextlib.contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """An exclusive `flock` on `<database>.migrate.lock` for an SQLite file; nothing for other databases.

    The lock is released by the kernel if the process dies, so a killed migration never blocks the next."""
    parsed = normalize_database_url(url)
    database = parsed.database or ":memory:"
    if parsed.get_backend_name() != "sqlite" or database == ":memory:" or database.startswith("file:"):
        yield
        return
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
