"""Erasure: `opsgate data erase <user id>` takes one person's Slack id, and what they asked, out of every table.

- Their tasks stay, emptied: the requester becomes "erased", the text and the outcome "[erased]". Deleting them
  would take their usage and cost out of the digests and their audit chains out of the channel's counts; what is
  left says neither who asked nor what.
- Everywhere else, in every text column of every table (other people's requests that mention them, the deciders
  of span summaries, tables added later), the id becomes "erased" wherever it stands as a word; the budget
  counters keyed by it are deleted.
- The audit log is never edited, since its rows are chained: it names people by pseudonym only, and erasure deletes
  the person's mapping (`AuditLog.forget`), after which the pseudonym leads nowhere and every chain still
  verifies. Rows that name the id all the same (in free text, which should have arrived redacted) are reported.
- A live task of theirs, or one that mentions them, is left alone, since its workflow would write it back: cancel
  it or let it end, then erase again. A second erasure finds nothing left to change.

On SQLite the erasure runs with `secure_delete` and then truncates the write-ahead log, so old values do not
linger in free pages. PostgreSQL keeps dead row versions until (auto)vacuum reclaims them, and backups keep
everything until they expire: erasure covers the live database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from approvals.audit import AuditLog
from approvals.pseudonyms import SLACK_USER_ID
from handlers.contracts import TaskPhase

__all__ = ["ERASED", "ERASED_TEXT", "ErasureReport", "erase_person"]

ERASED = "erased"
ERASED_TEXT = "[erased]"
_TERMINAL = [status.value for status in TaskPhase if status.terminal]
_NOT_SCANNED = frozenset({"audit_log", "audit_pseudonyms", "alembic_version"})  # the log is handled above
_DELETED_WHEN_NAMED = frozenset({"budget_counters"})  # keys like requests:user:U…; their counts mean nothing alone


@dataclass(slots=True)
class ErasureReport:
    """What an erasure changed (or would, on a dry run), and what it had to leave."""

    tasks_emptied: int = 0
    redacted: dict[str, int] = field(default_factory=dict)
    """table → rows where the id became "erased"."""
    deleted: dict[str, int] = field(default_factory=dict)
    audit_rows: int = 0
    """Audit rows that hold the person's pseudonym, unlinkable once the mapping is gone."""
    live_tasks: list[str] = field(default_factory=list)
    audit_leftovers: list[tuple[str, int]] = field(default_factory=list)
    """(task_id, seq) of audit rows that name the id outside the pseudonyms; the chain forbids editing them."""
    unscanned: list[str] = field(default_factory=list)
    """Tables without a primary key, whose rows could not be addressed one by one."""

    @property
    def complete(self) -> bool:
        return not (self.live_tasks or self.audit_leftovers or self.unscanned)


def erase_person(engine: Engine, slack_id: str, *, dry_run: bool = False, batch: int = 500) -> ErasureReport:
    """Erase `slack_id` from the database at `engine` (see the module docstring); idempotent."""
    if not SLACK_USER_ID.fullmatch(slack_id):
        raise ValueError(f"{slack_id!r} is not a Slack user id: U or W, then capitals and digits, e.g. U0123ABCD")
    word = re.compile(rf"(?<![0-9A-Za-z]){slack_id}(?![0-9A-Za-z])")
    report = ErasureReport()
    metadata = sa.MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)  # every table in the database, modelled here or not
    tasks = metadata.tables["tasks"]
    live = tasks.c.status.not_in(_TERMINAL)
    report.live_tasks = sorted(row["id"] for row in _rows_naming(engine, tasks, slack_id, word, keep=~live))
    audit = AuditLog(engine)
    with _secure_deletes(engine, dry_run):
        report.tasks_emptied = _empty_tasks(engine, tasks, slack_id, dry_run, batch)
        for table in metadata.sorted_tables:
            if table.name in _NOT_SCANNED:
                continue
            if not table.primary_key.columns:
                report.unscanned.append(table.name)
                continue
            # The person's own finished tasks were emptied above (a dry run must not count them twice).
            keep = sa.or_(live, tasks.c.requester == slack_id) if table is tasks else None
            hits = list(_rows_naming(engine, table, slack_id, word, keep))
            if not hits:
                continue
            deleting = table.name in _DELETED_WHEN_NAMED
            (report.deleted if deleting else report.redacted)[table.name] = len(hits)
            if not dry_run:
                _change(engine, table, hits, word, delete=deleting, batch=batch)
        report.audit_rows = audit.forget(slack_id, dry_run=dry_run)
    report.audit_leftovers = audit.rows_naming(slack_id)
    return report


@contextmanager
def _secure_deletes(engine: Engine, dry_run: bool) -> Iterator[None]:
    """On SQLite, every transaction meanwhile overwrites what it deletes with zeros instead of leaving it in free
    pages, and the write-ahead log, which still holds the old pages, is truncated afterwards."""
    if dry_run or engine.dialect.name != "sqlite":
        yield
        return

    def secure(connection: Connection) -> None:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")

    sa.event.listen(engine, "begin", secure)
    try:
        yield
    finally:
        sa.event.remove(engine, "begin", secure)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _empty_tasks(engine: Engine, tasks: sa.Table, slack_id: str, dry_run: bool, batch: int) -> int:
    """Empty the person's finished tasks, `batch` per transaction; `updated_at` stays, so retention is unchanged."""
    theirs = sa.and_(tasks.c.requester == slack_id, tasks.c.status.in_(_TERMINAL))
    if dry_run:
        with engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(tasks).where(theirs)).scalar_one())
    outcome = sa.case((tasks.c.outcome.is_(None), None), else_=ERASED_TEXT)
    emptied = {"requester": ERASED, "text": ERASED_TEXT, "outcome": outcome}
    total = 0
    while True:
        with engine.begin() as connection:
            some = sa.select(tasks.c.id).where(theirs).limit(batch)
            changed = int(connection.execute(sa.update(tasks).where(tasks.c.id.in_(some)).values(emptied)).rowcount)
        total += changed
        if changed < batch:
            return total


def _mentions(table: sa.Table, slack_id: str) -> list[sa.ColumnElement[bool]]:
    return [column.contains(slack_id) for column in table.columns if isinstance(column.type, sa.String)]


def _rows_naming(
    engine: Engine, table: sa.Table, slack_id: str, word: re.Pattern[str], keep: sa.ColumnElement[bool] | None
) -> Iterator[dict[str, Any]]:
    """The primary key and text columns of each row where `slack_id` stands as a word (LIKE narrows, `word`
    decides: U0ANN is no mention of U0AN), except the rows `keep` holds."""
    texts = [column for column in table.columns if isinstance(column.type, sa.String)]
    if not texts:
        return
    columns = list(dict.fromkeys([*table.primary_key.columns, *texts]))
    query = sa.select(*columns).where(sa.or_(*_mentions(table, slack_id)))
    if keep is not None:
        query = query.where(~keep)
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            if any(isinstance(row[c.name], str) and word.search(row[c.name]) for c in texts):
                yield dict(row)


def _change(
    engine: Engine, table: sa.Table, rows: list[dict[str, Any]], word: re.Pattern[str], *, delete: bool, batch: int
) -> None:
    """Delete the rows, or write "erased" where they name the person; `batch` rows per transaction."""
    for start in range(0, len(rows), batch):
        with engine.begin() as connection:
            for row in rows[start : start + batch]:
                this = sa.and_(*(column == row[column.name] for column in table.primary_key.columns))
                if delete:
                    connection.execute(sa.delete(table).where(this))
                else:
                    connection.execute(sa.update(table).where(this).values(_redacted(table, row, word)))


def _redacted(table: sa.Table, row: dict[str, Any], word: re.Pattern[str]) -> dict[str, str]:
    values = {}
    for column in table.columns:
        value = row.get(column.name)
        if isinstance(value, str) and word.search(value):
            redacted = word.sub(ERASED, value)
            length = getattr(column.type, "length", None)
            values[column.name] = redacted[:length] if length else redacted
    return values
