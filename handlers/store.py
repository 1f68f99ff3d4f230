"""Task records: one row per `/ops` request, written from durable steps.

A durable step can run more than once (a retry after a crash mid-step) and a slow write can land after a
newer one, so every write is an idempotent merge: writing the same thing again changes nothing (not even
`updated_at`), `None` keeps what is stored, the step count only grows, and a finished task stays finished:
once done, failed or cancelled, only a write repeating that status may touch the row. The guards live in the
SQL statements themselves, so concurrent writers cannot race past a check made in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import Field, Session, SQLModel, col, select

from approvals.sqltypes import UTCDateTime, utc_now
from handlers.contracts import TaskPhase, ThreadTask

__all__ = ["TaskNotFoundError", "TaskRecord", "TaskStore", "UTCDateTime", "utc_now"]


class TaskNotFoundError(LookupError):
    """An update named a task that was never recorded: a bug in the caller, not something to retry."""


class TaskRecord(SQLModel, table=True):
    """One `/ops` request: who asked where, how far it got and how it ended; the store stamps `updated_at`."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{status.value}'" for status in TaskPhase) + ")",
            name="ck_tasks_status",
        ),
        sa.Index("ix_tasks_requester_created_at", "requester", "created_at"),
        sa.Index("ix_tasks_channel_thread_ts", "channel", "thread_ts"),  # a mention finds its thread's tasks
        sa.Index("ix_tasks_created_at", "created_at"),  # the digest counts a period's tasks
    )

    id: str = Field(primary_key=True, max_length=64, sa_type=sa.String(64))
    team_id: str = Field(max_length=64, sa_type=sa.String(64))
    requester: str = Field(max_length=64, sa_type=sa.String(64), description="Slack user id.")
    channel: str = Field(max_length=64, sa_type=sa.String(64))
    thread_ts: str | None = Field(default=None, max_length=32, sa_type=sa.String(32))
    text: str = Field(sa_type=sa.Text, description="The request text as the task received it.")
    status: str = Field(default=TaskPhase.QUEUED, max_length=32, sa_type=sa.String(32))
    outcome: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime())
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime())
    steps: int = Field(default=0, sa_type=sa.Integer)


_tasks: sa.Table = SQLModel.metadata.tables["tasks"]
_COLUMNS = tuple(column.name for column in _tasks.columns)


class TaskStore:
    """Reads and writes task records; every method is synchronous because it runs inside a durable step."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise ValueError(f"TaskStore supports PostgreSQL and SQLite, not {engine.dialect.name}")
        self._engine = engine
        self._clock = clock

    @property
    def engine(self) -> Engine:
        return self._engine

    def upsert(self, record: TaskRecord) -> None:
        """Insert the record, or merge it into the stored one under the rules in the module docstring."""
        status = TaskPhase(record.status)
        values = {name: getattr(record, name) for name in _COLUMNS}
        values.update(status=status.value, updated_at=self._clock())
        statement: sa.Executable
        if self._engine.dialect.name == "postgresql":
            on_postgres = postgresql.insert(_tasks).values(values)
            statement = on_postgres.on_conflict_do_update(**_merge_into_stored(on_postgres.excluded))
        else:
            on_sqlite = sqlite.insert(_tasks).values(values)
            statement = on_sqlite.on_conflict_do_update(**_merge_into_stored(on_sqlite.excluded))
        with self._engine.begin() as connection:
            connection.execute(statement)

    def update(
        self,
        task_id: str,
        *,
        status: TaskPhase | None = None,
        outcome: str | None = None,
        thread_ts: str | None = None,
        steps: int | None = None,
    ) -> None:
        """Change the given fields of a recorded task; arguments left as None keep their stored value."""
        merged: dict[str, Any] = {}
        conditions = [_tasks.c.id == task_id]
        if status is not None:
            merged["status"] = sa.literal(TaskPhase(status).value)
            conditions.append(_status_may_become(merged["status"]))
        if outcome is not None:
            merged["outcome"] = sa.literal(outcome)
        if thread_ts is not None:
            merged["thread_ts"] = sa.literal(thread_ts)
        if steps is not None:
            merged["steps"] = _at_least(_tasks.c.steps, sa.literal(steps))
        if not merged:
            return
        statement = sa.update(_tasks).where(*conditions, _changes(merged)).values(**merged, updated_at=self._clock())
        with self._engine.begin() as connection:
            if connection.execute(statement).rowcount == 0:
                exists = connection.execute(sa.select(_tasks.c.id).where(_tasks.c.id == task_id)).first()
                if exists is None:
                    raise TaskNotFoundError(f"no task {task_id!r} to update; record it with upsert first")

    def get(self, task_id: str) -> TaskRecord | None:
        with Session(self._engine) as session:
            return session.get(TaskRecord, task_id)

    def list_for_requester(self, team_id: str, requester: str, limit: int = 20) -> list[TaskRecord]:
        """The most recent tasks of the person (team, user), newest first."""
        query = (
            select(TaskRecord)
            .where(TaskRecord.requester == requester, TaskRecord.team_id == team_id)
            .order_by(col(TaskRecord.created_at).desc(), col(TaskRecord.id).desc())
            .limit(limit)
        )
        with Session(self._engine) as session:
            return list(session.exec(query).all())

    def thread_history(self, channel: str, thread_ts: str, limit: int = 5) -> list[ThreadTask]:
        """The tasks answered in this thread (the first one and its follow-ups), oldest first."""
        query = (
            select(TaskRecord)
            .where(TaskRecord.channel == channel, TaskRecord.thread_ts == thread_ts)
            .order_by(col(TaskRecord.created_at).desc(), col(TaskRecord.id).desc())
            .limit(limit)
        )
        with Session(self._engine) as session:
            records = list(session.exec(query).all())
        return [
            ThreadTask(
                task_id=record.id,
                requester=record.requester,
                team_id=record.team_id,
                text=record.text,
                outcome=record.outcome,
                finished=TaskPhase(record.status).terminal,
            )
            for record in reversed(records)
        ]


def _merge_into_stored(new: ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]) -> dict[str, Any]:
    """ON CONFLICT arguments that merge the proposed row `new` (the `excluded` row) into the stored one."""
    merged: dict[str, Any] = {
        "team_id": new.team_id,
        "requester": new.requester,
        "channel": new.channel,
        "text": new.text,
        "status": new.status,
        "outcome": sa.func.coalesce(new.outcome, _tasks.c.outcome),
        "thread_ts": sa.func.coalesce(new.thread_ts, _tasks.c.thread_ts),
        "steps": _at_least(_tasks.c.steps, new.steps),
    }
    return {
        "index_elements": [_tasks.c.id],
        "set_": {**merged, "updated_at": new.updated_at},
        "where": sa.and_(_status_may_become(new.status), _changes(merged)),
    }


def _status_may_become(new_status: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    # A terminal status is final: only a write that repeats it may touch the row.
    terminal = [phase.value for phase in TaskPhase if phase.terminal]
    return sa.or_(_tasks.c.status.not_in(terminal), _tasks.c.status == new_status)


def _changes(merged: dict[str, Any]) -> sa.ColumnElement[bool]:
    """True when applying `merged` would change the row, so an identical replay leaves `updated_at` alone."""
    return sa.or_(*(_tasks.c[name].is_distinct_from(value) for name, value in merged.items()))


def _at_least(current: sa.ColumnElement[int], new: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    # GREATEST() is PostgreSQL-only (SQLite's max() differs), so spell it out.
    return sa.case((new > current, new), else_=current)
