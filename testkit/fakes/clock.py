"""Time as a dependency: clocks that move only when something sleeps on them or a test moves them.

`FakeClock` is the float clock (`time.time`/`time.monotonic` shaped): call it for the time, set or `advance` it,
and pass its `sleep` where code sleeps. `TickingClock` is the datetime clock of rows that must each get a distinct,
predictable time: every reading is one second after the last.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["FakeClock", "TickingClock"]


class FakeClock:
    """`clock()` reads the time; `clock.now` is the time (a test may set it); `sleep()` returns at once, records
    the wait and moves the time on."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class TickingClock:
    """Each reading is one second after the last (thread-safe), starting one second after `start`."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(seconds=1)
            return self.now
