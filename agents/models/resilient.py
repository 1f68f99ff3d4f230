"""Any `Model` with retries and a circuit breaker: the one place where a model call is tried again.

The wrapped model makes one attempt per call and sorts its errors (`ModelError.retryable`, `kind`, `retry_after`);
this wrapper retries the retryable ones with `RetryPolicy` backoff, honouring the provider's `retry-after`, and
fails fast while the provider's breaker is open. What it raises is final (`retryable=False`): the durable step
around it must not retry again (see `agents.resilience` for the layering).
"""

from __future__ import annotations

import asyncio
import random
import time

from agents.messages import ModelRequest, ModelResponse
from agents.models.base import Model, ModelError, ModelErrorKind
from agents.resilience import BreakerState, CircuitBreaker, CircuitOpenError, Clock, Random, RetryPolicy, Sleep

__all__ = ["ResilientModel"]

_TROUBLE: dict[ModelErrorKind, str] = {
    "rate_limited": "is rate limited",
    "overloaded": "is overloaded",
    "server": "is failing with server errors",
    "timeout": "is not answering in time",
    "connection": "is unreachable",
}


class ResilientModel(Model):
    """Retries `inner`'s transient errors with backoff inside one call; consults `breaker` before every attempt.

    `label` names the provider in messages people read ("Claude is overloaded: 4 attempts over 31 s; ...").
    """

    def __init__(
        self,
        inner: Model,
        *,
        breaker: CircuitBreaker,
        policy: RetryPolicy | None = None,
        label: str | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        random_draw: Random = random.random,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.breaker = breaker
        self.policy = policy or RetryPolicy()
        self.label = label or inner.name
        self._sleep = sleep
        self._clock = clock
        self._random = random_draw

    async def request(self, request: ModelRequest) -> ModelResponse:
        started = self._clock()
        attempts = 0
        waited = 0.0
        while True:
            try:
                self.breaker.allow()
            except CircuitOpenError as exc:
                raise self._circuit_open(exc, attempts, started) from exc
            attempts += 1
            try:
                response = await self.inner.request(request)
            except ModelError as exc:
                if not exc.retryable:
                    self.breaker.release()
                    raise
                self.breaker.record_failure()
                delay = self.policy.delay(attempts, self._random(), exc.retry_after)
                if attempts >= self.policy.max_attempts or self.breaker.state is BreakerState.OPEN:
                    raise self._exhausted(exc, attempts, started) from exc
                if waited + delay > self.policy.max_total_wait:
                    budget = f"the next wait ({delay:.0f} s) would pass the {self.policy.max_total_wait:.0f} s budget"
                    raise self._exhausted(exc, attempts, started, budget) from exc
                await self._sleep(delay)
                waited += delay
            except BaseException:
                self.breaker.release()
                raise
            else:
                self.breaker.record_success()
                return response

    def _breaker_note(self) -> str:
        snapshot = self.breaker.snapshot()
        if snapshot.state is not BreakerState.OPEN:
            return ""
        return f"; circuit open for {snapshot.retry_in:.0f} s"

    def _exhausted(self, last: ModelError, attempts: int, started: float, reason: str = "") -> ModelError:
        kind = last.kind or "server"
        trouble = _TROUBLE.get(kind, "failed")
        elapsed = self._clock() - started
        plural = "attempt" if attempts == 1 else "attempts"
        summary = f"{self.label} {trouble}: {attempts} {plural} over {elapsed:.0f} s{self._breaker_note()}"
        if reason:
            summary += f"; {reason}"
        return ModelError(f"{summary} (last error: {last})", retryable=False, kind=kind, retry_after=last.retry_after)

    def _circuit_open(self, exc: CircuitOpenError, attempts: int, started: float) -> ModelError:
        snapshot = exc.snapshot
        message = f"{self.label} is unavailable: {exc}"
        if attempts:
            message += f" ({attempts} attempts over {self._clock() - started:.0f} s in this call)"
        return ModelError(message, retryable=False, kind="circuit_open", retry_after=snapshot.retry_in or None)
