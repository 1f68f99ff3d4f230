"""The shared fake of Restate's context behaves as the engine does where handler code can tell: replays, the
serde round trip, retries and giving up, state, time, awakeables and calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel
from restate import RunOptions, TerminalError
from restate.exceptions import RetryableError

from handlers.contracts import APPROVAL_OBJECT, APPROVAL_OUTCOME, APPROVAL_VOID
from testkit.fakes.restate_context import Call, FakeContext


class Point(BaseModel):
    x: int


async def test_a_step_result_comes_back_through_its_serde_and_a_journaled_step_is_replayed() -> None:
    ctx = FakeContext(journal={"earlier": Point(x=1)})

    async def point() -> Point:
        return Point(x=2)

    async def pair() -> tuple[int, int]:
        return (1, 2)

    assert await ctx.run_typed("earlier", point) == Point(x=1)
    assert await ctx.run_typed("now", point) == Point(x=2)
    assert await ctx.run_typed("pair", pair) == [1, 2]  # JSON has no tuples: a replay reads a list
    assert ctx.ran == ["now", "pair"]


async def test_a_failing_step_is_retried_up_to_its_attempts_then_fails_for_good() -> None:
    ctx = FakeContext()
    tries = []

    async def flaky() -> None:
        tries.append(1)
        raise RetryableError("later", retry_after=timedelta(seconds=2))

    with pytest.raises(TerminalError, match="later"):
        await ctx.run_typed("flaky", flaky, RunOptions(max_attempts=3))
    assert len(tries) == 3 and ctx.delays == [timedelta(seconds=2)] * 2


async def test_a_terminal_error_is_not_retried_and_an_unbounded_step_raises_its_own_error() -> None:
    ctx = FakeContext()

    async def final() -> None:
        raise TerminalError("no")

    async def broken() -> None:
        raise ConnectionError("down")

    with pytest.raises(TerminalError, match="no"):
        await ctx.run_typed("final", final, RunOptions(max_attempts=5))
    with pytest.raises(ConnectionError):
        await ctx.run_typed("broken", broken)
    assert ctx.attempts == {"final": 1, "broken": 1}


async def test_state_time_awakeables_and_calls() -> None:
    ctx = FakeContext(tick=10.0, wake=None)
    ctx.set("point", Point(x=3))
    ctx.on_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, lambda call: (call.key or "").encode())

    assert await ctx.get("point", type_hint=Point) == Point(x=3)
    assert await ctx.get("missing") is None
    assert (await ctx.time(), await ctx.time()) == (1_767_225_600.0, 1_767_225_610.0)
    awakeable_id, woken = ctx.awakeable()
    ctx.resolve_awakeable(awakeable_id, "done")
    assert await woken == "done"
    assert await ctx.generic_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, b"null", key="a-1") == b"a-1"
    assert ctx.calls == [Call(APPROVAL_OBJECT, APPROVAL_OUTCOME, b"null", "a-1")]
    ctx.generic_send(APPROVAL_OBJECT, APPROVAL_VOID, b'"why"', key="a-1")
    assert [(sent.handler, sent.key) for sent in ctx.sent_to(APPROVAL_VOID)] == [(APPROVAL_VOID, "a-1")]
    with pytest.raises(AssertionError, match="nobody answers"):
        await ctx.generic_call(APPROVAL_OBJECT, APPROVAL_VOID, b"null")
