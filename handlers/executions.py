"""Intent markers for effects that cannot be made idempotent: the at-most-once half of the execution rule.

A durable step is at-least-once: a crash after the effect but before Restate journals the result runs the step
again. For a tool that honours the idempotency key that is harmless (exactly once). For any other tool, the step
first claims its key here, in the database, before calling the tool; a second attempt finds the claim and,
instead of calling the tool again, reports "outcome unknown" for a person to resolve.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from approvals.sqltypes import UTCDateTime, utc_now

__all__ = ["ExecutionLedger", "ExecutionRecord"]


class ExecutionRecord(SQLModel, table=True):
    __tablename__ = "executions"

    key: str = Field(primary_key=True, max_length=255)
    task_id: str = Field(max_length=64, index=True)
    tool: str = Field(max_length=128)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=32)


class ExecutionLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, key: str, task_id: str, tool: str) -> bool:
        """True for the first attempt at `key`; False when an earlier attempt already started the effect."""
        table = ExecutionRecord.__table__  # type: ignore[attr-defined]
        row = {"key": key, "task_id": task_id, "tool": tool, "started_at": utc_now()}
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        # RETURNING, not rowcount: psycopg 3 under SQLAlchemy reports -1 for any INSERT, which read as "claimed
        # before" and turned every at-most-once call on PostgreSQL into an outcome unknown.
        statement = insert(table).values(row).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
        with self._engine.begin() as connection:
            return connection.execute(statement).first() is not None

    def finish(self, key: str, outcome: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.update(ExecutionRecord)
                .where(col(ExecutionRecord.key) == key)
                .values(finished_at=utc_now(), outcome=outcome)
            )

    def get(self, key: str) -> ExecutionRecord | None:
        with Session(self._engine) as session:
            return session.exec(select(ExecutionRecord).where(col(ExecutionRecord.key) == key)).first()
