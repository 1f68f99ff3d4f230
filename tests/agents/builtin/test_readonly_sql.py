"""The read-only connection refuses writes by itself; the statement check only explains refusals in words."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from agents.builtin.inventory import Inventory
from agents.builtin.readonly_sql import (
    QueryFailed,
    QueryResult,
    connect_read_only,
    format_table,
    refusal_reason,
    run_query,
)
from agents.builtin.schema import READABLE_TABLES
from opsgate.db import create_db_engine, init_schema

WRITES = [
    "INSERT INTO services (name, environment, version, replicas, owner_team, status, updated_at) "
    "VALUES ('x', 'dev', 'v1', 1, 't', 'running', 'now')",
    "UPDATE services SET replicas = 0",
    "DELETE FROM incidents",
    "DROP TABLE services",
    "WITH doomed AS (SELECT 1) DELETE FROM services",
    "CREATE TABLE stash (x)",
    "CREATE TEMP TABLE stash (x)",
    "PRAGMA user_version = 7",
    "PRAGMA query_only = 0",
    "PRAGMA journal_mode = wal",
]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """opsgate's database as a SQLite file, with every table of opsgate's and the seeded inventory."""
    path = tmp_path / "opsgate.db"
    engine = create_db_engine(f"sqlite:///{path}")
    init_schema(engine)
    Inventory(engine).ensure()
    with engine.begin() as connection:  # something in opsgate's own tables that the model must not read
        connection.execute(sa.text("INSERT INTO budget_counters (key, bucket, amount) VALUES ('tokens:U1', 1, 5)"))
    engine.dispose()
    return path


@pytest.fixture
def connection(database: Path) -> Iterator[sqlite3.Connection]:
    with closing(connect_read_only(database, READABLE_TABLES)) as connection:
        yield connection


@pytest.mark.parametrize("sql", WRITES)
def test_the_connection_refuses_writes_without_any_statement_check(
    connection: sqlite3.Connection, database: Path, sql: str
) -> None:
    before = database.read_bytes()
    with pytest.raises(sqlite3.DatabaseError):
        connection.execute(sql)
    assert connection.execute("SELECT count(*) FROM services").fetchone() == (18,)
    assert database.read_bytes() == before


@pytest.mark.parametrize("sql", WRITES[:5])
def test_mode_ro_refuses_writes_even_without_the_authorizer_and_query_only(
    connection: sqlite3.Connection, sql: str
) -> None:
    connection.set_authorizer(None)
    connection.execute("PRAGMA query_only = 0")  # even with both later layers gone, mode=ro still refuses
    with pytest.raises(sqlite3.OperationalError, match=r"readonly database|read-only"):
        connection.execute(sql)
    assert connection.execute("SELECT count(*) FROM services").fetchone() == (18,)


def test_attach_cannot_create_or_open_another_file(connection: sqlite3.Connection, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    for sql in (f"ATTACH DATABASE '{other}' AS other", f"ATTACH DATABASE 'file:{other}?mode=rwc' AS other"):
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute(sql)
    assert not other.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM budget_counters",
        "SELECT count(*) FROM budget_counters",
        "SELECT key FROM main.budget_counters",
        "SELECT (SELECT max(amount) FROM budget_counters) FROM services",
        "SELECT name FROM services WHERE name IN (SELECT key FROM budget_counters)",
        "WITH b AS (SELECT * FROM budget_counters) SELECT * FROM b",
        "SELECT * FROM services JOIN audit_log ON 1 = 1",
        "SELECT result FROM applied_requests",
        "SELECT name, sql FROM sqlite_master",
        "SELECT * FROM pragma_table_info('audit_log')",
    ],
)
def test_the_authorizer_refuses_every_table_but_the_inventory_s(connection: sqlite3.Connection, sql: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match=r"not authorized|prohibited"):
        connection.execute(sql).fetchall()


def test_reads_work_on_the_read_only_connection(connection: sqlite3.Connection) -> None:
    query = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) "
        "SELECT (SELECT count(*) FROM n), (SELECT count(*) FROM services WHERE environment = 'production')"
    )
    assert connection.execute(query).fetchone() == (3, 6)


READ_QUERIES = [
    ("SELECT count(*), sum(replicas), avg(replicas), min(name), max(name) FROM services", (18,)),
    ("SELECT lower(name), upper(environment), length(name), substr(name, 1, 2) FROM services ORDER BY name", ("api",)),
    ("SELECT coalesce(NULL, 'x'), ifnull(NULL, 1), iif(1, 'y', 'n'), nullif(1, 1), typeof(1)", ("x", 1, "y")),
    ("SELECT date('2026-12-01'), datetime('2026-12-01 10:00'), strftime('%Y', '2026-12-01')", ("2026-12-01",)),
    ("SELECT json_extract('{\"a\": 2}', '$.a'), '{\"a\": 3}' ->> '$.a', json_array_length('[1,2]')", (2, 3, 2)),
    ("SELECT name, row_number() OVER (ORDER BY name) FROM services WHERE name LIKE 'a%' OR name GLOB 'b*'", ("api",)),
    ("SELECT group_concat(DISTINCT environment), round(1.26, 1), abs(-2), replace('ab', 'b', 'c') FROM services", None),
]


@pytest.mark.parametrize(("sql", "starts"), READ_QUERIES)
def test_the_functions_read_queries_need_are_allowed(
    connection: sqlite3.Connection, sql: str, starts: tuple[object, ...] | None
) -> None:
    row = connection.execute(sql).fetchone()
    assert row is not None
    if starts is not None:
        assert row[: len(starts)] == starts


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT fts3_tokenizer('simple')",  # answers a pointer into the process
        "SELECT hex(fts3_tokenizer('simple'))",
        "SELECT load_extension('/tmp/evil')",
        "SELECT randomblob(100)",
        "SELECT sqlite_version()",
        "SELECT name FROM services WHERE name = lower(fts3_tokenizer('porter'))",
        "SELECT count(*) FROM services GROUP BY zeroblob(10)",
    ],
)
def test_other_functions_are_refused_by_the_authorizer(connection: sqlite3.Connection, sql: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        connection.execute(sql)
    assert connection.execute("SELECT count(*) FROM services").fetchone() == (18,)


def test_a_query_past_the_timeout_is_interrupted(connection: sqlite3.Connection) -> None:
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(QueryFailed, match="interrupted") as stopped:
        run_query(connection, endless, max_rows=10, timeout_seconds=0.2)
    assert stopped.value.kind == "timeout"
    assert run_query(connection, "SELECT 1", max_rows=1, timeout_seconds=0.2).rows == ((1,),)


def test_the_row_cap_counts_what_it_leaves_out(connection: sqlite3.Connection) -> None:
    result = run_query(connection, "SELECT name, environment FROM services ORDER BY name, environment", max_rows=2,
                       timeout_seconds=1)  # fmt: skip
    assert result == QueryResult(("name", "environment"), (("api", "dev"), ("api", "production")), more=16)
    assert format_table(result) == (
        "name | environment\napi | dev\napi | production\n"
        "… 16 more rows not shown; narrow the query with WHERE, GROUP BY or LIMIT."
    )


def test_format_table_shows_nulls_blobs_empty_results_and_clips_long_cells() -> None:
    result = QueryResult(("a", "b"), ((None, b"\x00\x01"), ("x" * 100, "two\nlines")), more=0)
    assert format_table(result, cell_width=10) == "a | b\nNULL | <2 bytes>\nxxxxxxxxx… | two lines"
    assert format_table(QueryResult(("a",), (), more=0)) == "a\n(no rows)"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM services", None),
        ("  -- the services\n with x AS (SELECT 1) SELECT * FROM x;", None),
        ("select ';' as semicolon, 'DROP TABLE x; --' as text", None),
        ("/* comment; still one */ SELECT 1", None),
        ("", "The query is empty; send one SELECT statement."),
        ("SELECT 1; DROP TABLE services", "Send one statement at a time; this has 2."),
        ("delete from services", "DELETE is not allowed: query_inventory only reads"),
        ("INSERT INTO incidents VALUES (1)", "INSERT is not allowed"),
        ("UPDATE services SET replicas = 1", "UPDATE is not allowed"),
        ("DROP TABLE services", "DROP is not allowed"),
        ("ATTACH DATABASE 'x.db' AS x", "ATTACH is not allowed"),
        ("PRAGMA query_only = 0", "PRAGMA is not allowed"),
    ],
)
def test_refusal_reason_explains_in_words(sql: str, expected: str | None) -> None:
    reason = refusal_reason(sql)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert reason.startswith(expected)
