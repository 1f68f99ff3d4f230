"""Read-only SQL for the model on SQLite: the database refuses writes, the statement check only explains refusals.

`connect_read_only` opens the file with `mode=ro`, sets `PRAGMA query_only=1`, forbids attaching other files and
installs an authorizer that allows reading the inventory's tables and nothing else (no other table of opsgate's
database, no PRAGMA, no temp tables, no ATTACH), so a write or a read of the audit log is refused by SQLite itself
whatever the statement looks like. It allows the functions a read query needs and no other: `fts3_tokenizer`
returns a pointer and installs tokenizers, `load_extension` loads code, and Python's `sqlite3` (3.11) has no
defensive-mode switch to turn such functions off. `refusal_reason` reads the first keyword and counts statements
only to tell the model, in words, why its query cannot run. PostgreSQL has its own confinement (`readonly_pg`);
both raise `QueryFailed`.
"""

from __future__ import annotations

import re
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "READ_FUNCTIONS",
    "QueryFailed",
    "QueryResult",
    "connect_read_only",
    "format_table",
    "refusal_reason",
    "run_query",
]

_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE})
READ_FUNCTIONS = frozenset(
    {
        # aggregates
        "count", "sum", "total", "avg", "min", "max", "group_concat", "string_agg",
        # text, numbers, NULLs (LIKE and GLOB are functions to the authorizer)
        "lower", "upper", "length", "octet_length", "substr", "substring", "trim", "ltrim", "rtrim", "replace",
        "instr", "like", "glob", "printf", "format", "quote", "hex", "unicode", "char", "abs", "round", "sign",
        "coalesce", "ifnull", "iif", "nullif", "typeof", "likely", "unlikely", "likelihood",
        # dates and times
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
        # JSON (`->` and `->>` are functions too)
        "json", "json_extract", "->", "->>", "json_array", "json_object", "json_array_length", "json_type",
        "json_valid", "json_quote", "json_group_array", "json_group_object",
        # window functions
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value",
    }
)  # fmt: skip
"""The functions a read query may call; any other (fts3_tokenizer, load_extension, randomblob, ...) is refused."""
_READ_KEYWORDS = frozenset({"SELECT", "WITH", "VALUES", "EXPLAIN"})
_MAX_VALUE_BYTES = 1_000_000
COUNT_LIMIT = 100_000
_PROGRESS_STEPS = 1_000  # SQLite virtual-machine instructions between two looks at the clock
# Comments and quoted text, so that a `;` or a keyword inside them is not mistaken for a statement boundary.
_SKIPPED = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?|\[[^\]]*\]?", re.S)
_WORD = re.compile(r"[A-Za-z_]+")


Authorizer = Callable[[int, str | None, str | None, str | None, str | None], int]


def _authorizer(tables: frozenset[str], others: frozenset[str]) -> Authorizer:
    def authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, trigger: str | None) -> int:
        if action == sqlite3.SQLITE_FUNCTION:  # arg2: the function's name, lower case
            return sqlite3.SQLITE_OK if (arg2 or "").lower() in READ_FUNCTIONS else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_READ:
            name = (arg1 or "").lower()
            if database == "main":  # a column of a table in the file
                return sqlite3.SQLITE_OK if name in tables else sqlite3.SQLITE_DENY
            # No column and no database: a table read for its rows only (count(*)), or a CTE, whose name may be
            # anything; a CTE that takes the name of one of opsgate's tables is refused with it.
            return sqlite3.SQLITE_DENY if name in others else sqlite3.SQLITE_OK
        return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY

    return authorize


def connect_read_only(path: Path, tables: Collection[str]) -> sqlite3.Connection:
    """A connection on which SQLite refuses every change and every read of a table not in `tables`."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute("PRAGMA query_only=1")
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
        allowed = frozenset(name.lower() for name in tables)
        schema = connection.execute("SELECT lower(name) FROM sqlite_master WHERE type IN ('table', 'view')")
        others = {name for (name,) in schema} | {"sqlite_master", "sqlite_schema", "sqlite_sequence"}
        connection.set_authorizer(_authorizer(allowed, frozenset(others - allowed)))
    except BaseException:
        connection.close()
        raise
    return connection


def refusal_reason(sql: str) -> str | None:
    """Why `sql` is not a single read-only statement, in words for the model; None if it looks like one."""
    code = _SKIPPED.sub(lambda match: " " if match.group().startswith(("--", "/*")) else "''", sql)
    statements = [part for part in code.split(";") if part.strip()]
    if not statements:
        return "The query is empty; send one SELECT statement."
    if len(statements) > 1:
        return f"Send one statement at a time; this has {len(statements)}."
    first = _WORD.search(statements[0])
    keyword = first.group().upper() if first else statements[0].strip()[:20]
    if keyword in _READ_KEYWORDS:
        return None
    return (
        f"{keyword} is not allowed: query_inventory only reads (SELECT, or WITH … SELECT). "
        "Changes go through the tools made for them (scale_service, restart_service, rollback_service, "
        "open_incident, add_incident_note); the tables are listed in the tool's description."
    )


class QueryFailed(Exception):
    """The database stopped the model's query: past the time limit, refused (a write, a table outside the inventory,
    a function not allowed), or an error in the SQL. The message is the database's own."""

    def __init__(self, kind: Literal["timeout", "refused", "error"], message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    more: int
    """Rows past the cap that were not returned."""
    more_is_lower_bound: bool = False


def run_query(connection: sqlite3.Connection, sql: str, *, max_rows: int, timeout_seconds: float) -> QueryResult:
    """Runs one statement with a row cap, stopping it past the timeout (`QueryFailed` for whatever SQLite refuses)."""
    deadline = time.monotonic() + timeout_seconds
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_STEPS)
    try:
        cursor = connection.execute(sql)
        columns = tuple(column[0] for column in cursor.description or ())
        rows = tuple(tuple(row) for row in cursor.fetchmany(max_rows))
        return QueryResult(columns, rows, *count_rest(cursor.fetchone))
    except sqlite3.Error as exc:
        message = str(exc)
        if message == "interrupted":
            raise QueryFailed("timeout", message) from exc
        refused = any(sign in message for sign in ("not authorized", "prohibited", "readonly", "read-only"))
        raise QueryFailed("refused" if refused else "error", message) from exc
    finally:
        connection.set_progress_handler(None, 0)


def count_rest(fetchone: Callable[[], object | None]) -> tuple[int, bool]:
    """How many rows are left past the cap, counted up to a limit; and whether the limit was reached."""
    more = 0
    while more < COUNT_LIMIT and fetchone() is not None:
        more += 1
    return more, more >= COUNT_LIMIT


def _cell(value: object, width: int) -> str:
    if value is None:
        text = "NULL"
    elif isinstance(value, bytes):
        text = f"<{len(value)} bytes>"
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(result: QueryResult, *, cell_width: int = 60) -> str:
    """A compact pipe-separated table, one line per row, with a count of the rows left out."""
    if not result.columns:
        return "The statement returned no columns."
    lines = [" | ".join(result.columns)]
    lines += [" | ".join(_cell(value, cell_width) for value in row) for row in result.rows]
    if not result.rows:
        lines.append("(no rows)")
    if result.more:
        more = f"more than {result.more}" if result.more_is_lower_bound else str(result.more)
        lines.append(f"… {more} more rows not shown; narrow the query with WHERE, GROUP BY or LIMIT.")
    return "\n".join(lines)
