"""Rate and token budgets behind a small ledger port, so one process or many replicas can share the counts.

A key names what is counted (`calls:user:T1:U123`, `tokens:task:t-1`); a window of `None` counts for the lifetime
of the key (a task). Each key is meant to be used with one window. `try_spend` is the atomic check-and-add the
gate needs; `add_once` records spending that already happened (a model call's tokens and cost). Both take a
charge id naming the step that spends (task, agent, turn, call): a step that runs again charges nothing again.
Time is passed in, so a test moves it by hand.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = ["BudgetLedger", "Charge", "InMemoryBudgetLedger", "Limited", "Spend"]


class Charge(NamedTuple):
    key: str
    amount: int
    window_s: float | None


class Limited(NamedTuple):
    key: str
    amount: int
    limit: int
    window_s: float | None


@dataclass(frozen=True)
class Spend:
    allowed: bool
    used: int  # counted in the window after this spend (or before it, when refused)
    limit: int


class BudgetLedger(Protocol):
    def try_spend(self, key: str, amount: int, *, limit: int, window_s: float | None, now: float) -> Spend: ...

    def try_spend_all(self, charge_id: str, spends: list[Limited], *, now: float) -> int | None:
        """Add every amount, all or none: the index of the first spend that would pass its limit (then nothing is
        added), or None. A `charge_id` charged before adds nothing again and returns None (it passed then)."""
        ...

    def add(self, key: str, amount: int, *, window_s: float | None, now: float) -> int: ...

    def add_once(self, charge_id: str, charges: list[Charge], *, now: float) -> bool:
        """Add every charge, all or none, unless `charge_id` was charged before (then False, nothing added)."""
        ...

    def used(self, key: str, *, window_s: float | None, now: float) -> int: ...


class InMemoryBudgetLedger:
    """A process-local ledger: sliding windows kept as (time, amount) events, pruned as time moves on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, deque[tuple[float, int]]] = {}
        self._totals: dict[str, int] = {}
        self._charged: set[str] = set()

    def try_spend(self, key: str, amount: int, *, limit: int, window_s: float | None, now: float) -> Spend:
        with self._lock:
            used = self._prune(key, window_s, now)
            if used + amount > limit:
                return Spend(allowed=False, used=used, limit=limit)
            return Spend(allowed=True, used=self._add(key, amount, window_s, now), limit=limit)

    def try_spend_all(self, charge_id: str, spends: list[Limited], *, now: float) -> int | None:
        with self._lock:
            if charge_id in self._charged:
                return None
            for index, spend in enumerate(spends):
                if self._prune(spend.key, spend.window_s, now) + spend.amount > spend.limit:
                    return index
            self._charged.add(charge_id)
            for spend in spends:
                self._add(spend.key, spend.amount, spend.window_s, now)
            return None

    def add_once(self, charge_id: str, charges: list[Charge], *, now: float) -> bool:
        with self._lock:
            if charge_id in self._charged:
                return False
            self._charged.add(charge_id)
            for charge in charges:
                self._prune(charge.key, charge.window_s, now)
                self._add(charge.key, charge.amount, charge.window_s, now)
            return True

    def add(self, key: str, amount: int, *, window_s: float | None, now: float) -> int:
        with self._lock:
            self._prune(key, window_s, now)
            return self._add(key, amount, window_s, now)

    def used(self, key: str, *, window_s: float | None, now: float) -> int:
        with self._lock:
            return self._prune(key, window_s, now)

    def _add(self, key: str, amount: int, window_s: float | None, now: float) -> int:
        if window_s is not None:
            self._events.setdefault(key, deque()).append((now, amount))
        self._totals[key] = self._totals.get(key, 0) + amount
        return self._totals[key]

    def _prune(self, key: str, window_s: float | None, now: float) -> int:
        events = self._events.get(key)
        if window_s is not None and events:
            horizon = now - window_s
            while events and events[0][0] <= horizon:
                _, amount = events.popleft()
                self._totals[key] -= amount
        return self._totals.get(key, 0)
