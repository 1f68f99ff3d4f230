"""Budgets and rate limits shared by every replica: the `BudgetLedger` port over the SQL database.

Counts live in fixed windows (`bucket = floor(now / window)`), one row per key and window, changed by a single
atomic `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, so two replicas spending against the same key can
never both pass the limit. Fixed windows are an approximation of sliding ones: right at a window boundary, up to
twice the limit can pass within one window's length; that is the usual trade for one statement per check.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from agents.guardrails.budget import Spend

__all__ = ["BudgetCounter", "SqlBudgetLedger"]


class BudgetCounter(SQLModel, table=True):
    __tablename__ = "budget_counters"
    __table_args__ = (sa.Index("ix_budget_counters_ends_at", "ends_at"),)  # retention finds ended windows

    key: str = Field(primary_key=True, max_length=255)
    bucket: int = Field(primary_key=True, sa_type=sa.BigInteger)
    amount: int = Field(default=0, sa_type=sa.BigInteger)
    ends_at: float | None = Field(
        default=None, sa_type=sa.Float, description="Epoch seconds the window ends (None: a budget with no window)."
    )


def _bucket(window_s: float | None, now: float) -> int:
    return 0 if window_s is None else math.floor(now / window_s)


def _ends_at(window_s: float | None, now: float) -> float | None:
    """When the bucket of `now` stops counting: what retention needs, as bucket numbers of windows differ."""
    return None if window_s is None else (_bucket(window_s, now) + 1) * window_s


class SqlBudgetLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._table = BudgetCounter.__table__  # type: ignore[attr-defined]

    def try_spend(self, key: str, amount: int, *, limit: int, window_s: float | None, now: float) -> Spend:
        if amount > limit:
            return Spend(allowed=False, used=self.used(key, window_s=window_s, now=now), limit=limit)
        table = self._table
        statement = (
            self._insert(table)
            .values(key=key, bucket=_bucket(window_s, now), amount=amount, ends_at=_ends_at(window_s, now))
            .on_conflict_do_update(
                index_elements=["key", "bucket"],
                set_={"amount": table.c.amount + amount},
                where=table.c.amount + amount <= limit,
            )
            .returning(table.c.amount)
        )
        with self._engine.begin() as connection:
            row = connection.execute(statement).first()
        if row is None:
            return Spend(allowed=False, used=self.used(key, window_s=window_s, now=now), limit=limit)
        return Spend(allowed=True, used=int(row[0]), limit=limit)

    def add(self, key: str, amount: int, *, window_s: float | None, now: float) -> int:
        table = self._table
        statement = (
            self._insert(table)
            .values(key=key, bucket=_bucket(window_s, now), amount=amount, ends_at=_ends_at(window_s, now))
            .on_conflict_do_update(index_elements=["key", "bucket"], set_={"amount": table.c.amount + amount})
            .returning(table.c.amount)
        )
        with self._engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def used(self, key: str, *, window_s: float | None, now: float) -> int:
        table = self._table
        query = sa.select(table.c.amount).where(table.c.key == key, table.c.bucket == _bucket(window_s, now))
        with self._engine.connect() as connection:
            value = connection.execute(query).scalar()
        return int(value or 0)
