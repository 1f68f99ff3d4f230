"""Budgets and rate limits shared by every replica: the `BudgetLedger` port over the SQL database.

Counts live in fixed windows (`bucket = floor(now / window)`), one row per key and window, changed by a single
atomic `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, so two replicas spending against the same key can
never both pass the limit. Fixed windows are an approximation of sliding ones: right at a window boundary, up to
twice the limit can pass within one window's length; that is the usual trade for one statement per check.

A charge id (the step that spends: task, agent, turn, call) is remembered as a marker row (`charge:<id>`) in the
same table, inserted in the same transaction as the amounts it adds, so a step that runs again on any replica
finds it and charges nothing twice. Markers end after `CHARGE_MEMORY_S`, when retention removes them.
"""

from __future__ import annotations

import hashlib
import math

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from agents.guardrails.budget import Charge, Limited, Spend

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


CHARGE_MEMORY_S = 30 * 86_400.0
"""How long a charge id is remembered: longer than any task lives (approvals expire within days)."""


def _marker(charge_id: str) -> str:
    key = f"charge:{charge_id}"
    return key if len(key) <= 200 else "charge:" + hashlib.sha256(charge_id.encode()).hexdigest()


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

    def try_spend_all(self, charge_id: str, spends: list[Limited], *, now: float) -> int | None:
        table = self._table
        with self._engine.connect() as connection, connection.begin() as transaction:
            if not self._mark(connection, charge_id, now):
                return None
            for index, spend in enumerate(spends):
                statement = (
                    self._insert(table)
                    .values(
                        key=spend.key,
                        bucket=_bucket(spend.window_s, now),
                        amount=spend.amount,
                        ends_at=_ends_at(spend.window_s, now),
                    )
                    .on_conflict_do_update(
                        index_elements=["key", "bucket"],
                        set_={"amount": table.c.amount + spend.amount},
                        where=table.c.amount + spend.amount <= spend.limit,
                    )
                    .returning(table.c.amount)
                )
                if spend.amount > spend.limit or connection.execute(statement).first() is None:
                    transaction.rollback()  # nothing of this charge stays, its marker neither
                    return index
        return None

    def add_once(self, charge_id: str, charges: list[Charge], *, now: float) -> bool:
        with self._engine.begin() as connection:
            if not self._mark(connection, charge_id, now):
                return False
            for charge in charges:
                connection.execute(self._adding(charge.key, charge.amount, charge.window_s, now))
        return True

    def _mark(self, connection: Connection, charge_id: str, now: float) -> bool:
        """Insert the charge's marker; False when it was there already (charged before)."""
        table = self._table
        statement = (
            self._insert(table)
            .values(key=_marker(charge_id), bucket=0, amount=1, ends_at=now + CHARGE_MEMORY_S)
            .on_conflict_do_nothing(index_elements=["key", "bucket"])
            .returning(table.c.amount)
        )
        return connection.execute(statement).first() is not None

    def _adding(self, key: str, amount: int, window_s: float | None, now: float) -> sa.Executable:
        table = self._table
        return (
            self._insert(table)
            .values(key=key, bucket=_bucket(window_s, now), amount=amount, ends_at=_ends_at(window_s, now))
            .on_conflict_do_update(index_elements=["key", "bucket"], set_={"amount": table.c.amount + amount})
            .returning(table.c.amount)
        )

    def add(self, key: str, amount: int, *, window_s: float | None, now: float) -> int:
        with self._engine.begin() as connection:
            return int(connection.execute(self._adding(key, amount, window_s, now)).scalar_one())

    def used(self, key: str, *, window_s: float | None, now: float) -> int:
        table = self._table
        query = sa.select(table.c.amount).where(table.c.key == key, table.c.bucket == _bucket(window_s, now))
        with self._engine.connect() as connection:
            value = connection.execute(query).scalar()
        return int(value or 0)
