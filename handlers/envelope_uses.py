"""Envelopes already acted on: a captured envelope cannot be sent again while it is valid.

The bot seals every call anew (its issue time is part of what is signed), so two calls never share an envelope;
a second invocation presenting one already used is a replay, by someone who captured the request (a proxy's log,
a misrouted copy) or by a double delivery, and is refused. The claim records the invocation that first used the
envelope: the same invocation checking again (its verification step ran, the worker crashed before Restate
journaled the verdict, and the step runs once more) is accepted. Rows are kept until the envelope could no longer
be accepted anyway (its expiry plus the allowed skew), then purged; replicas share them through the database.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

__all__ = ["EnvelopeLedger", "EnvelopeUse"]

PURGE_EVERY = 256
"""Claims between two purges of expired rows (a purge is one indexed DELETE)."""


class EnvelopeUse(SQLModel, table=True):
    __tablename__ = "envelope_uses"
    __table_args__ = (sa.Index("ix_envelope_uses_expires_at", "expires_at"),)  # the purge finds expired rows

    mac: str = Field(primary_key=True, max_length=64)
    invocation: str = Field(max_length=128)
    expires_at: float


class EnvelopeLedger:
    def __init__(self, engine: Engine, *, purge_every: int = PURGE_EVERY) -> None:
        self._engine = engine
        self._purge_every = purge_every
        self._claims = 0
        self._lock = threading.Lock()

    def claim(self, mac: str, invocation: str, *, expires_at: float, now: float) -> bool:
        """True when `invocation` is the first (or the same) to use the envelope signed `mac`; False for a replay."""
        table = EnvelopeUse.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(mac=mac, invocation=invocation, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["mac"])
            .returning(table.c.mac)
        )
        with self._engine.begin() as connection:
            if self._purge_due():
                connection.execute(sa.delete(table).where(table.c.expires_at < now))
            if connection.execute(statement).first() is not None:
                return True
            first = connection.execute(sa.select(table.c.invocation).where(table.c.mac == mac)).scalar()
        return first == invocation

    def _purge_due(self) -> bool:
        with self._lock:
            self._claims += 1
            return self._claims % self._purge_every == 1  # the first claim of a process purges too

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(EnvelopeUse)).scalar() or 0)
