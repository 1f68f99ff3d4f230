"""Backoff with full jitter and circuit breakers, for calls to providers (models, tools) that fail for a while.

Retry layering, so that attempts never multiply:

- the provider SDK does not retry (`anthropic.AsyncAnthropic(max_retries=0)`);
- our wrapper (`agents.models.resilient.ResilientModel`) retries transient errors with `RetryPolicy` backoff, inside
  one durable step, and consults the provider's `CircuitBreaker` before each attempt;
- Restate runs the model step with `max_attempts=1` for errors: an exhausted or refused call becomes a final
  `ModelError`; a crash mid-step still replays the step (that is recovery, not a retry policy).

Time and randomness are injected (`Clock`, `Sleep`, `Random`) so tests never sleep. Pure asyncio: nothing here knows
about Restate, Slack or the bot. The breaker's clock is wall time, so `opened_at` reads as a timestamp in traces
and in `/ops status`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "BreakerRegistry",
    "BreakerSnapshot",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "Clock",
    "Random",
    "RetryPolicy",
    "Sleep",
]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Random = Callable[[], float]
"""A uniform draw from [0, 1)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (AWS's "Exponential Backoff and Jitter"), capped twice.

    The n-th retry waits a uniform draw from [0, min(max_delay, initial · 2^(n-1))), or exactly what the server asked
    (`retry-after`). The call gives up after `max_attempts` attempts, or before a wait that would take the total time
    spent waiting past `max_total_wait`. Each attempt is bounded by the client's own timeout.
    """

    max_attempts: int = 4
    initial: float = 1.0
    max_delay: float = 20.0
    max_total_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.initial < 0 or self.max_delay < 0 or self.max_total_wait < 0:
            raise ValueError("initial, max_delay and max_total_wait must not be negative")

    def delay(self, retry_number: int, draw: float, retry_after: float | None = None) -> float:
        """The wait before retry number `retry_number` (1-based); the server's `retry_after` wins when given."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay, self.initial * 2.0 ** (retry_number - 1))
        return draw * ceiling


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    """What a breaker looks like now, for span attributes and `/ops status`."""

    name: str
    state: BreakerState
    consecutive_failures: int
    opened_at: float | None
    """Wall-clock seconds when the breaker last opened; None while closed."""
    retry_in: float
    """Seconds until an open breaker lets a probe through; 0 when closed or half-open."""

    def as_attributes(self, prefix: str = "opsgate.breaker") -> dict[str, str | int | float]:
        attributes: dict[str, str | int | float] = {
            f"{prefix}.name": self.name,
            f"{prefix}.state": self.state.value,
            f"{prefix}.consecutive_failures": self.consecutive_failures,
        }
        if self.opened_at is not None:
            attributes[f"{prefix}.opened_at"] = self.opened_at
        return attributes


class CircuitOpenError(Exception):
    """The breaker refused the call without trying: the provider failed too often, recently."""

    def __init__(self, snapshot: BreakerSnapshot) -> None:
        if snapshot.state is BreakerState.HALF_OPEN:
            detail = "a probe call is already testing whether it recovered"
        else:
            detail = f"open for another {snapshot.retry_in:.0f} s"
        super().__init__(
            f"circuit {snapshot.name} is {detail} after {snapshot.consecutive_failures} consecutive failures"
        )
        self.snapshot = snapshot


class CircuitBreaker:
    """Closed → open after `failure_threshold` consecutive failures → half-open after `cooldown` s, letting one
    probe through → closed when the probe succeeds, open again (for another cool-down) when it fails.

    Callers ask `allow()` before each attempt and report the attempt with `record_success()`, `record_failure()`,
    or `release()` when the attempt says nothing about the provider's health (a rejected request, a cancellation).
    """

    def __init__(
        self, name: str, *, failure_threshold: int = 5, cooldown: float = 30.0, clock: Clock = time.time
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold}")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._retry_in() <= 0:
            return BreakerState.HALF_OPEN
        return self._state

    def _retry_in(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown - self._clock())

    def snapshot(self) -> BreakerSnapshot:
        state = self.state
        retry_in = self._retry_in() if state is BreakerState.OPEN else 0.0
        return BreakerSnapshot(self.name, state, self._failures, self._opened_at, retry_in)

    def allow(self) -> None:
        """Let one attempt through, or raise `CircuitOpenError`. A half-open breaker lets a single probe through."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probe_in_flight:
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = True
            return
        raise CircuitOpenError(self.snapshot())

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        probe_failed = self._probe_in_flight or self._state is BreakerState.HALF_OPEN
        self._probe_in_flight = False
        if probe_failed or self._failures >= self.failure_threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()

    def release(self) -> None:
        """End an attempt that proved nothing either way; a half-open breaker lets the next probe through."""
        self._probe_in_flight = False


class BreakerRegistry:
    """The process's breakers by name (`model:anthropic`, `tool:list_services`), created on first use."""

    def __init__(self, *, failure_threshold: int = 5, cooldown: float = 30.0, clock: Clock = time.time) -> None:
        self._defaults = (failure_threshold, cooldown)
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str, *, failure_threshold: int | None = None, cooldown: float | None = None) -> CircuitBreaker:
        """The breaker called `name`; the thresholds apply only when it is created."""
        breaker = self._breakers.get(name)
        if breaker is None:
            breaker = CircuitBreaker(
                name,
                failure_threshold=failure_threshold or self._defaults[0],
                cooldown=self._defaults[1] if cooldown is None else cooldown,
                clock=self._clock,
            )
            self._breakers[name] = breaker
        return breaker

    def snapshots(self) -> list[BreakerSnapshot]:
        return [self._breakers[name].snapshot() for name in sorted(self._breakers)]
