"""Engines for both backends, and migrations that build exactly the schema the models describe."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opsgate.db import (
    alembic_config,
    create_db_engine,
    init_schema,
    model_metadata,
    normalize_database_url,
    upgrade_database,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@db:5432/opsgate", "postgresql+psycopg"),
        ("postgres://u@db/opsgate", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/opsgate", "postgresql+psycopg"),
        ("sqlite:///./.opsgate/opsgate.db", "sqlite"),
    ],
)
def test_urls_are_sent_to_psycopg_3(url: str, driver: str) -> None:
    assert normalize_database_url(url).drivername == driver


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        normalize_database_url("mysql://u@db/opsgate")


def test_sqlite_creates_its_directory_and_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "opsgate.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert path.exists()
    finally:
        engine.dispose()


def test_sqlite_transactions_roll_back_ddl_too(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'opsgate.db'}")

    def create_then_fail() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            raise RuntimeError("roll back")

    try:
        with pytest.raises(RuntimeError):
            create_then_fail()
        assert "t" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_in_memory_sqlite_keeps_its_one_database() -> None:
    engine = create_db_engine("sqlite://")
    try:
        init_schema(engine)
        assert "tasks" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_engines_use_the_right_driver(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        assert engine.dialect.driver in ("psycopg", "pysqlite")
        if engine.dialect.name == "postgresql":
            assert engine.pool._pre_ping
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, model_metadata()))
    finally:
        engine.dispose()


def test_migrations_build_the_schema_of_the_models(db_url: str) -> None:
    upgrade_database(db_url)

    assert schema_differences(db_url) == []
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) == {
                "tasks",
                "audit_log",
                "executions",
                "budget_counters",
                "span_summaries",
                "audit_pseudonyms",
                "slack_bots",
                "slack_installations",
                "slack_oauth_states",
                "services",
                "deployments",
                "incidents",
                "incident_notes",
                "changes",
                "applied_requests",
                "envelope_uses",
                "alembic_version",
            }
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0014"
    finally:
        engine.dispose()


def test_upgrading_twice_and_downgrading_work(db_url: str) -> None:
    upgrade_database(db_url)
    upgrade_database(db_url)
    command.downgrade(alembic_config(db_url), "base")
    engine = create_db_engine(db_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_database(db_url)
    assert schema_differences(db_url) == []


def test_the_models_differ_from_an_empty_database(db_url: str) -> None:
    # Guards the guard: compare_metadata must see a missing table, or the tests above prove nothing.
    assert schema_differences(db_url) != []


@pytest.mark.postgres
def test_replicas_upgrading_at_once_all_succeed(postgres_db_url: str) -> None:
    code = "import sys; from opsgate.db import upgrade_database; upgrade_database(sys.argv[1])"
    replicas = [
        subprocess.Popen([sys.executable, "-c", code, postgres_db_url], cwd=REPO_ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [replica.communicate(timeout=60)[1] for replica in replicas]

    assert [replica.returncode for replica in replicas] == [0, 0, 0], errors
    assert schema_differences(postgres_db_url) == []


# Each process first loads what an upgrade imports and reads (the models, the revision files: seconds on a busy
# machine, and never the same for two processes), then blocks on a pipe the test closes once all are ready. They
# begin their upgrades within milliseconds of each other, so without the lock one or more fail every time, not
# only when their start-ups happen to end together.
BEHIND_A_BARRIER = """\
import os, sys
from alembic.script import ScriptDirectory
from opsgate.db import alembic_config, model_metadata, upgrade_database
model_metadata()
ScriptDirectory.from_config(alembic_config(sys.argv[1])).get_revisions("heads")
print("ready", flush=True)
os.read(0, 1)
upgrade_database(sys.argv[1])
"""


def test_processes_migrating_one_new_sqlite_file_together_all_succeed(tmp_path: Path) -> None:
    """The bot, the worker and `opsgate migrate` may all start at once on a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    barrier, release = os.pipe()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BEHIND_A_BARRIER, url],
            cwd=REPO_ROOT,
            stdin=barrier,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    os.close(barrier)
    try:
        ready = [process.stdout.readline() if process.stdout else b"" for process in processes]
    finally:
        os.close(release)  # every reader sees the end of the pipe at the same moment
    errors = [process.communicate(timeout=120)[1] for process in processes]

    assert ready == [b"ready\n"] * 4, errors
    assert [process.returncode for process in processes] == [0, 0, 0, 0], errors
    assert schema_differences(url) == []


def test_upgrades_from_threads_of_one_process_take_turns(db_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(upgrade_database, [db_url] * 4))

    assert schema_differences(db_url) == []


def test_the_guardrail_event_migration_keeps_existing_chains(db_url: str) -> None:
    from approvals.audit import AuditEvent, AuditLog

    command.upgrade(alembic_config(db_url), "0004")
    engine = create_db_engine(db_url)
    try:
        log = AuditLog(engine)
        log.append("t1", AuditEvent.REQUESTED, dedupe_key="t1:requested", detail={"tool": "restart_service"})
        log.append("t1", AuditEvent.APPROVED, dedupe_key="t1:approved", actor="opsgate")  # no pseudonyms at 0004
        with pytest.raises(sa.exc.IntegrityError):
            log.append("t1", AuditEvent.GUARDRAIL, dedupe_key="t1:guard", detail={"stage": "input"})
        upgrade_database(db_url)
        for event in AuditEvent:  # the check constraint now admits every event the code knows
            log.append("t2", event, dedupe_key=f"t2:{event.value}", detail={"stage": "input"})
        assert [row.event for row in log.rows("t1")] == ["requested", "approved"]
        assert log.verify() == []
    finally:
        engine.dispose()
