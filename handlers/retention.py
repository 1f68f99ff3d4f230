"""Retention: `opsgate data purge` deletes the rows older than their retention, a short transaction per batch.

The defaults (`OPSGATE_RETENTION_*_DAYS`; 0 keeps a kind for ever), and why:

- tasks, 90 days after they finished: `/ops status`, follow-ups in a thread and the digests (at most 31 days back)
  read them; a quarter also covers an incident review. Past that, the request's text is personal data with no use.
- span summaries, 45 days: the trace summary, the Details modal and the digests' usage and cost read them; a
  monthly digest looks 31 days back, and two weeks more leave room for a late or repeated one. They also go with
  their task, whatever their age.
- audit log, 400 days: a yearly audit (SOC 2 type II and ISO 27001 look at twelve months) with a month to spare.
  Only whole chains go, and only once their newest row is older (`AuditLog.expire_chains`): a chain missing its
  first rows would not verify, one missing its last would hide what happened last. Pseudonyms that no remaining
  row uses go too, so the Slack ids of people who only appear in expired chains leave with them.
- executions (intent markers) go with their task, or when older than the tasks' retention; budget counters go once
  their window has ended (no setting: an ended window counts nothing); each row knows when that is (`ends_at`), so
  a window made longer or shorter in the policy never loses its live count.

Nothing that belongs to a live task (queued, planning, running, waiting for approval) is deleted, whatever its age.
Each batch is one short transaction, so PostgreSQL never holds locks for long, and the purge may run beside the
workers, or twice at once: each delete re-checks its condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import approvals.ledger  # noqa: F401  (registers `budget_counters`)
import handlers.executions  # noqa: F401  (registers `executions`)
from approvals import pseudonyms
from approvals.audit import AuditLog
from approvals.sqltypes import utc_now
from handlers.contracts import TaskPhase
from handlers.span_summaries import SpanSummary
from handlers.store import TaskRecord

__all__ = ["PSEUDONYM_GRACE", "PurgeReport", "Retention", "live_tasks", "purge"]

PSEUDONYM_GRACE = timedelta(days=1)
"""A mapping younger than this may belong to an append still in flight, so the sweep leaves it."""
_TERMINAL = [status.value for status in TaskPhase if status.terminal]

_tables = SQLModel.metadata.tables
_tasks: sa.Table = _tables[TaskRecord.__tablename__]
_spans: sa.Table = _tables[SpanSummary.__tablename__]
_executions: sa.Table = _tables["executions"]
_counters: sa.Table = _tables["budget_counters"]


@dataclass(frozen=True, slots=True)
class Retention:
    """Days each kind of row is kept; 0 keeps it for ever."""

    tasks_days: int = 90
    span_summaries_days: int = 45
    audit_days: int = 400


@dataclass(slots=True)
class PurgeReport:
    """Rows deleted per table (or that would be, on a dry run)."""

    tasks: int = 0
    span_summaries: int = 0
    executions: int = 0
    audit_log: int = 0
    audit_chains: int = 0
    audit_pseudonyms: int = 0
    budget_counters: int = 0


def live_tasks(connection: Connection) -> set[str]:
    """Ids of the tasks not finished yet: few, whatever the size of the table."""
    return set(connection.execute(sa.select(_tasks.c.id).where(_tasks.c.status.not_in(_TERMINAL))).scalars())


def purge(
    engine: Engine,
    retention: Retention,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch: int = 500,
) -> PurgeReport:
    """Delete what `retention` no longer keeps, `batch` rows (or chains) per transaction."""
    now = now or utc_now()
    report = PurgeReport()
    rows = _Rows(engine, dry_run, batch)
    finished = _tasks.c.status.in_(_TERMINAL)
    expired_tasks = sa.select(_tasks.c.id).where(sa.false())
    if retention.tasks_days:
        expired = sa.and_(finished, _tasks.c.updated_at < now - timedelta(days=retention.tasks_days))
        expired_tasks = sa.select(_tasks.c.id).where(expired)
        _purge_tasks(engine, expired, report, dry_run, batch)
    # Rows by age: never a live task's, and (for the dry run's count) not those that went with their task above.
    if retention.span_summaries_days:
        cutoff = now - timedelta(days=retention.span_summaries_days)
        live = sa.exists().where(_tasks.c.id == _spans.c.task_id, ~finished)
        aged = sa.and_(_spans.c.started_at < cutoff, ~live, _spans.c.task_id.not_in(expired_tasks))
        report.span_summaries += rows.delete(_spans, aged)
    if retention.tasks_days:
        cutoff = now - timedelta(days=retention.tasks_days)
        live = sa.exists().where(_tasks.c.id == _executions.c.task_id, ~finished)
        aged = sa.and_(_executions.c.started_at < cutoff, ~live, _executions.c.task_id.not_in(expired_tasks))
        report.executions += rows.delete(_executions, aged)
    # A window that has ended counts nothing any more. Rows from before `ends_at` existed: when a newer bucket of
    # the same key exists (the bucket numbers of one window length only grow).
    newer = _counters.alias("newer")
    superseded = sa.exists().where(newer.c.key == _counters.c.key, newer.c.bucket > _counters.c.bucket)
    ended = sa.or_(_counters.c.ends_at <= now.timestamp(), sa.and_(_counters.c.ends_at.is_(None), superseded))
    report.budget_counters = rows.delete(_counters, ended)
    if retention.audit_days:
        _purge_audit(engine, now - timedelta(days=retention.audit_days), report, dry_run, now - PSEUDONYM_GRACE)
    return report


def _purge_tasks(
    engine: Engine, expired: sa.ColumnElement[bool], report: PurgeReport, dry_run: bool, batch: int
) -> None:
    """Finished tasks past their retention, with their span summaries and intent markers, a batch at a time."""
    if dry_run:
        doomed = sa.select(_tasks.c.id).where(expired)
        with engine.connect() as connection:
            report.tasks += _count(connection, _tasks, expired)
            report.span_summaries += _count(connection, _spans, _spans.c.task_id.in_(doomed))
            report.executions += _count(connection, _executions, _executions.c.task_id.in_(doomed))
        return
    while True:
        with engine.begin() as connection:
            some = list(connection.execute(sa.select(_tasks.c.id).where(expired).limit(batch)).scalars())
            if not some:
                return
            # The condition again, in the delete: a row changed since it was read is judged as it is now.
            deleted = sa.delete(_tasks).where(_tasks.c.id.in_(some), expired).returning(_tasks.c.id)
            gone = list(connection.execute(deleted).scalars())
            report.tasks += len(gone)
            if gone:
                report.span_summaries += _rowcount(connection, sa.delete(_spans).where(_spans.c.task_id.in_(gone)))
                markers = sa.delete(_executions).where(_executions.c.task_id.in_(gone))
                report.executions += _rowcount(connection, markers)


def _purge_audit(engine: Engine, cutoff: datetime, report: PurgeReport, dry_run: bool, minted_before: datetime) -> None:
    """Whole chains older than `cutoff` (none of a live task), then the pseudonyms no remaining row holds."""
    audit = AuditLog(engine)
    with engine.connect() as connection:
        keep = live_tasks(connection)
    report.audit_chains, report.audit_log = audit.expire_chains(cutoff, keep=keep, dry_run=dry_run)
    # After a real expiry every remaining chain stays; a dry run must leave out those it would expire.
    in_use = audit.pseudonyms_in_use(expiring=cutoff if dry_run else None, keep=keep)
    with engine.begin() as connection:
        swept = pseudonyms.sweep(connection, in_use, created_before=minted_before, dry_run=dry_run)
    report.audit_pseudonyms = swept


class _Rows:
    """Deletes the rows of a table that match a condition, `batch` at a time; or counts them on a dry run."""

    def __init__(self, engine: Engine, dry_run: bool, batch: int) -> None:
        self._engine, self._dry_run, self._batch = engine, dry_run, batch

    def delete(self, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
        if self._dry_run:
            with self._engine.connect() as connection:
                return _count(connection, table, condition)
        keys = list(table.primary_key.columns)
        key = sa.tuple_(*keys) if len(keys) > 1 else keys[0]
        total = 0
        while True:
            some = sa.select(*keys).where(condition).limit(self._batch)
            with self._engine.begin() as connection:
                deleted = _rowcount(connection, sa.delete(table).where(key.in_(some), condition))
            total += deleted
            if deleted < self._batch:
                return total


def _count(connection: Connection, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())


def _rowcount(connection: Connection, statement: sa.Delete) -> int:
    return int(connection.execute(statement).rowcount)
