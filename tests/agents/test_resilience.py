"""Backoff, circuit breakers and the resilient model wrapper, on a fake clock: no test sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from agents.messages import Message, ModelRequest, ModelResponse
from agents.models.base import Model, ModelError
from agents.models.resilient import ResilientModel
from agents.models.scripted import text_turn
from agents.resilience import (
    BreakerRegistry,
    BreakerSnapshot,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    RetryPolicy,
)
from testkit.fakes import FakeClock

REQUEST = ModelRequest(system="s", messages=[Message.user_text("hi")])


class FlakyModel(Model):
    """Raises the scripted exceptions in order, then answers."""

    def __init__(self, failures: Sequence[BaseException]) -> None:
        self.name = "flaky"
        self._failures = list(failures)
        self.calls = 0

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        if self._failures:
            raise self._failures.pop(0)
        return text_turn("ok")


def overloaded(retry_after: float | None = None) -> ModelError:
    return ModelError("529 overloaded_error: Overloaded", retryable=True, kind="overloaded", retry_after=retry_after)


def wrap(inner: Model, clock: FakeClock, breaker: CircuitBreaker | None = None, **policy: float) -> ResilientModel:
    return ResilientModel(
        inner,
        breaker=breaker or CircuitBreaker("model:test", failure_threshold=10, clock=clock),
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        label="Claude",
        sleep=clock.sleep,
        clock=clock,
        random_draw=lambda: 0.999,
    )


# -- backoff ---------------------------------------------------------------------------------------------------


def test_full_jitter_draws_below_an_exponential_ceiling_capped_at_max_delay() -> None:
    policy = RetryPolicy(initial=1.0, max_delay=5.0)
    assert [policy.delay(n, 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(3, 0.25) == 1.0
    assert policy.delay(9, 0.3, retry_after=12.5) == 12.5, "the server's retry-after wins over the draw and the cap"


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"initial": -1.0}, {"max_total_wait": -5.0}])
def test_a_nonsensical_policy_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# -- circuit breaker -------------------------------------------------------------------------------------------


def test_the_breaker_opens_after_consecutive_failures_and_a_success_resets_the_count() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("model:anthropic", failure_threshold=3, cooldown=30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.allow()
    breaker.record_failure()

    assert breaker.snapshot() == BreakerSnapshot("model:anthropic", BreakerState.OPEN, 3, clock(), 30.0)
    with pytest.raises(CircuitOpenError, match="circuit model:anthropic is open for another 30 s after 3"):
        breaker.allow()


def test_half_open_lets_exactly_one_probe_through_and_its_outcome_decides() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("tool:deploy", failure_threshold=1, cooldown=10, clock=clock)
    breaker.record_failure()
    first_opened = clock()
    clock.advance(10)
    assert breaker.state is BreakerState.HALF_OPEN

    breaker.allow()
    with pytest.raises(CircuitOpenError, match="a probe call is already testing"):
        breaker.allow()
    breaker.record_failure()
    snapshot = breaker.snapshot()
    assert snapshot.state is BreakerState.OPEN
    assert snapshot.opened_at == first_opened + 10, "a failed probe opens the breaker for another cool-down"

    clock.advance(10)
    breaker.allow()
    breaker.release()  # the probe proved nothing (say, a 400): the next caller probes
    breaker.allow()
    breaker.record_success()
    assert breaker.snapshot() == BreakerSnapshot("tool:deploy", BreakerState.CLOSED, 0, None, 0.0)


def test_the_registry_hands_out_one_breaker_per_name_with_readable_snapshots() -> None:
    clock = FakeClock()
    registry = BreakerRegistry(failure_threshold=2, cooldown=15, clock=clock)
    model = registry.get("model:anthropic")
    assert registry.get("model:anthropic") is model
    tool = registry.get("tool:restart_service", failure_threshold=1)
    tool.record_failure()

    snapshots = registry.snapshots()
    assert [(s.name, s.state, s.consecutive_failures) for s in snapshots] == [
        ("model:anthropic", BreakerState.CLOSED, 0),
        ("tool:restart_service", BreakerState.OPEN, 1),
    ]
    assert snapshots[1].as_attributes() == {
        "opsgate.breaker.name": "tool:restart_service",
        "opsgate.breaker.state": "open",
        "opsgate.breaker.consecutive_failures": 1,
        "opsgate.breaker.opened_at": clock(),
    }
    assert model.failure_threshold == 2
    assert tool.cooldown == 15


# -- the resilient model ---------------------------------------------------------------------------------------


async def test_retries_stop_at_max_attempts_with_a_message_saying_what_happened() -> None:
    clock = FakeClock()
    inner = FlakyModel([overloaded()] * 5)
    with pytest.raises(ModelError) as caught:
        await wrap(inner, clock, max_attempts=3, initial=2.0).request(REQUEST)
    assert inner.calls == 3
    assert clock.sleeps == pytest.approx([1.998, 3.996])
    assert str(caught.value).startswith("Claude is overloaded: 3 attempts over 6 s (last error: 529")
    assert (caught.value.retryable, caught.value.kind) == (False, "overloaded")


async def test_a_retry_after_beyond_the_wait_budget_gives_up_at_once() -> None:
    clock = FakeClock()
    inner = FlakyModel([overloaded(retry_after=40), overloaded(retry_after=40)])
    with pytest.raises(ModelError, match=r"the next wait \(40 s\) would pass the 60 s budget"):
        await wrap(inner, clock, max_total_wait=60).request(REQUEST)
    assert clock.sleeps == [40]
    assert inner.calls == 2


async def test_non_retryable_errors_pass_through_unchanged_and_leave_the_breaker_alone() -> None:
    clock = FakeClock()
    final = ModelError("400 invalid_request_error: bad", retryable=False, kind="bad_request")
    breaker = CircuitBreaker("model:test", failure_threshold=1, clock=clock)
    with pytest.raises(ModelError) as caught:
        await wrap(FlakyModel([final]), clock, breaker).request(REQUEST)
    assert caught.value is final
    assert breaker.snapshot().consecutive_failures == 0


async def test_a_cancelled_probe_frees_the_half_open_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("model:test", failure_threshold=1, cooldown=5, clock=clock)
    breaker.record_failure()
    clock.advance(5)
    with pytest.raises(asyncio.CancelledError):
        await wrap(FlakyModel([asyncio.CancelledError()]), clock, breaker).request(REQUEST)
    assert (await wrap(FlakyModel([]), clock, breaker).request(REQUEST)).text == "ok"
    assert breaker.state is BreakerState.CLOSED


async def test_an_open_breaker_refuses_without_calling_the_model() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("model:anthropic", failure_threshold=1, cooldown=30, clock=clock)
    breaker.record_failure()
    clock.advance(12)
    inner = FlakyModel([])
    with pytest.raises(ModelError) as caught:
        await wrap(inner, clock, breaker).request(REQUEST)
    assert inner.calls == 0
    assert (caught.value.kind, caught.value.retryable, caught.value.retry_after) == ("circuit_open", False, 18.0)
    assert str(caught.value).startswith("Claude is unavailable: circuit model:anthropic is open for another 18 s")
