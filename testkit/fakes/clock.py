"""Time as a dependency: a clock that only moves when something sleeps on it or a test advances it."""

from __future__ import annotations

__all__ = ["FakeClock"]


class FakeClock:
    """`now()` for clocks and `sleep()` for sleeps: sleeping returns at once, records the wait and moves time on."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += seconds
