"""Read-only SQL for the model on PostgreSQL, where the inventory shares a database with opsgate's own tables.

The query runs in a read-only transaction with a statement timeout, as `READER_ROLE` (`SET LOCAL ROLE`): a NOLOGIN
role with SELECT on the inventory's tables and nothing else, so the audit log or the approvals are refused by the
server. It always runs as a subquery (`SELECT * FROM (<sql>) LIMIT n`) sent as one prepared statement, so the
server itself refuses anything but a query (a second statement, SET ROLE, DO, PREPARE), whatever the statement
check made of comments and quotes. `set_config` would let a query switch back to the session's role within the
statement, so migration 0013 revokes it from PUBLIC; `check_reader` refuses to run any query when the role is
missing or could. The connection is closed afterwards, not pooled, so nothing a query left in the session (an
advisory lock) outlives it.
"""

from __future__ import annotations

from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import errors

from agents.builtin.readonly_sql import COUNT_LIMIT, QueryFailed, QueryResult, count_rest
from agents.builtin.schema import READER_ROLE

__all__ = ["ReaderMissing", "check_reader", "run_pg_query"]


class ReaderMissing(RuntimeError):
    """The database cannot confine the model's SQL: an operator must run the migration or the grants it names."""


def check_reader(connection: sa.Connection, role: str = READER_ROLE) -> None:
    """Raises `ReaderMissing` unless `role` exists, this user may take it, and it cannot run `set_config`."""
    row = connection.execute(
        sa.text(
            "SELECT pg_has_role(current_user, r.oid, 'MEMBER'), "
            "has_function_privilege(r.oid, 'pg_catalog.set_config(text, text, boolean)', 'EXECUTE') "
            "FROM pg_roles r WHERE r.rolname = :role"
        ),
        {"role": role},
    ).first()
    fix = "run `opsgate db upgrade` as a user with CREATEROLE who owns the inventory's tables (migration 0013)"
    if row is None:
        raise ReaderMissing(f"query_inventory cannot run: the role {role} does not exist; {fix}")
    if not row[0]:
        raise ReaderMissing(f"query_inventory cannot run: this database user may not SET ROLE {role}; {fix}")
    if row[1]:
        raise ReaderMissing(
            f"query_inventory cannot run: {role} may call set_config and so leave its role; as a superuser run "
            "REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC"
        )


def _limited(sql: str, limit: int) -> str:
    """The statement as a subquery with a row limit: only a query parses, and a huge result stays on the server."""
    statement = sql.strip().rstrip(";").strip()
    return f"SELECT * FROM (\n{statement}\n) AS query_inventory LIMIT {limit}"


def run_pg_query(connection: sa.Connection, sql: str, *, max_rows: int, timeout_seconds: float) -> QueryResult:
    """Runs the model's statement confined to the inventory, then closes the connection (rolling back)."""
    try:
        return _run(connection, sql, max_rows=max_rows, timeout_seconds=timeout_seconds)
    finally:
        connection.invalidate()


def _run(connection: sa.Connection, sql: str, *, max_rows: int, timeout_seconds: float) -> QueryResult:
    check_reader(connection)
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout_seconds * 1000))}")
    connection.exec_driver_sql(f'SET LOCAL ROLE "{READER_ROLE}"')
    driver: Any = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor:
            cursor.execute(_limited(sql, max_rows + COUNT_LIMIT), prepare=True)
            columns = tuple(column.name for column in cursor.description or ())
            rows = tuple(tuple(row) for row in cursor.fetchmany(max_rows))
            more, reached = count_rest(cursor.fetchone)
            return QueryResult(columns, rows, more, more_is_lower_bound=reached)
    except errors.QueryCanceled as exc:
        raise QueryFailed("timeout", str(exc).strip()) from exc
    except (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction) as exc:
        raise QueryFailed("refused", str(exc).strip()) from exc
    except errors.SyntaxError as exc:  # "cannot insert multiple commands into a prepared statement" among them
        raise QueryFailed("refused" if "multiple commands" in str(exc) else "error", str(exc).strip()) from exc
    except psycopg.Error as exc:
        raise QueryFailed("error", str(exc).strip()) from exc
