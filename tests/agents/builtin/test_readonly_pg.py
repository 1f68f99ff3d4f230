"""On PostgreSQL the server confines the model's SQL, whatever the statement check lets through: one statement, in a
read-only transaction, as a role that may read the inventory's tables and nothing else, with no way back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agents.builtin.inventory import Inventory
from agents.builtin.readonly_pg import ReaderMissing, check_reader
from agents.builtin.readonly_sql import QueryFailed
from agents.builtin.schema import READER_ROLE
from opsgate.db import upgrade_database

pytestmark = pytest.mark.postgres
Snapshot = Callable[[], list[tuple[Any, ...]]]


@pytest.fixture
def database_url(postgres_db_url: str) -> str:
    """PostgreSQL only, migrated to head: the role, its grants and the revoked `set_config` come from 0013."""
    upgrade_database(postgres_db_url)
    return postgres_db_url


def test_reads_of_the_inventory_run_as_the_reader_role(inventory: Inventory) -> None:
    result = inventory.query("SELECT current_user, count(*) FROM services", max_rows=5)
    assert result.rows == ((READER_ROLE, 18),)
    sql = "SELECT name FROM services WHERE name LIKE 'a%' AND environment = 'dev' ORDER BY name"
    assert inventory.query(sql, max_rows=5).rows == (("api",), ("auth",))


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM services",
        "UPDATE services SET replicas = 0",
        "INSERT INTO changes (service, environment, action, detail, requested_by, changed_at) "
        "VALUES ('api', 'dev', 'x', 'x', 'x', 'x')",
        "DROP TABLE services",
        "CREATE TABLE stash (x int)",
        "WITH doomed AS (DELETE FROM services RETURNING 1) SELECT count(*) FROM doomed",
        "SELECT 1; DELETE FROM services",  # the statement check would refuse it first; the protocol refuses it too
        "SELECT 1 FROM services; SET ROLE NONE; SELECT * FROM audit_log",
        "SELECT nextval('changes_id_seq')",
    ],
)
def test_writes_are_refused_by_the_server(inventory: Inventory, snapshot: Snapshot, sql: str) -> None:
    before = snapshot()
    with pytest.raises(QueryFailed) as refused:
        inventory.query(sql, max_rows=5)
    assert refused.value.kind in ("refused", "error"), refused.value
    assert snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM audit_log",
        "SELECT count(*) FROM tasks",
        "SELECT * FROM applied_requests",
        "SELECT * FROM budget_counters",
        "SELECT * FROM slack_installations",
        "SELECT s.name FROM services s WHERE EXISTS (SELECT 1 FROM span_summaries)",
        # Ways back to the session's own role, or around the role, within one statement:
        "SELECT set_config('role', current_setting('is_superuser'), true)",
        "SELECT set_config('role', 'postgres', true), (SELECT count(*) FROM services)",
        "SELECT set_config('session_authorization', 'postgres', true)",
        "SELECT query_to_xml('SELECT * FROM audit_log', true, false, '')",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT * FROM pg_authid",
    ],
)
def test_opsgate_s_own_tables_and_the_ways_around_the_role_are_refused(inventory: Inventory, sql: str) -> None:
    with pytest.raises(QueryFailed, match="permission denied") as refused:
        inventory.query(sql, max_rows=5)
    assert refused.value.kind == "refused"


@pytest.mark.parametrize(
    "statement",
    [
        "SET ROLE postgres",
        "DO $$ BEGIN EXECUTE 'SET ROLE postgres'; RAISE EXCEPTION '%', (SELECT count(*) FROM audit_log); END $$",
        "PREPARE leak AS SELECT * FROM audit_log",
        "DEALLOCATE ALL",
        "COPY audit_log TO STDOUT",
        "EXPLAIN SELECT * FROM services",
    ],
)
def test_nothing_but_a_query_reaches_the_server(inventory: Inventory, statement: str) -> None:
    """Hidden from the statement check by a nested comment (PostgreSQL nests them, the check does not), a statement
    that is not a query still fails: the server only ever parses it as a subquery."""
    disguised = f"/* /* */ SELECT 1 */ {statement}"
    with pytest.raises(QueryFailed, match="syntax error") as failed:
        inventory.query(disguised, max_rows=5)
    assert failed.value.kind == "error"
    assert inventory.query("SELECT current_user", max_rows=1).rows == ((READER_ROLE,),)


def test_nothing_a_query_leaves_in_its_session_outlives_it(inventory: Inventory, engine: Engine) -> None:
    assert inventory.query("SELECT pg_advisory_lock(424242)", max_rows=1).rows == (("",),)
    with engine.connect() as connection:
        held = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242"
        ).scalar_one()
    assert held == 0, "the connection the query ran on was closed, its session lock with it"


def test_a_query_past_the_statement_timeout_is_stopped(engine: Engine, inventory: Inventory) -> None:
    quick = Inventory(engine, query_timeout_seconds=0.2)
    with pytest.raises(QueryFailed, match="statement timeout") as stopped:
        quick.query("SELECT pg_sleep(5)", max_rows=1)
    assert stopped.value.kind == "timeout"
    assert quick.query("SELECT count(*) FROM services", max_rows=1).rows == ((18,),)  # the connection is fine


def test_a_huge_result_stays_on_the_server_past_the_count_limit(inventory: Inventory) -> None:
    result = inventory.query("SELECT x FROM generate_series(1, 500000) AS x", max_rows=2)
    assert result.rows == ((1,), (2,))
    assert result.more_is_lower_bound


def test_no_query_runs_without_the_reader_role(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(ReaderMissing, match="does not exist; run `opsgate db upgrade"):
        check_reader(connection, role="opsgate_no_such_role")
