"""Slack calls as durable steps: a 429 is retried after Slack's Retry-After, a workspace without a token never."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from restate import Context, RunOptions, TerminalError
from restate.exceptions import RetryableError

from handlers.contracts import SlackRetryLater, WorkspaceUnavailable
from handlers.steps import slack_step


class InlineContext:
    """Runs a step's closure at once, as Restate's `ctx.run_typed` does on its first attempt."""

    def __init__(self) -> None:
        self.options: list[RunOptions[Any]] = []

    async def run_typed(self, name: str, fn: Callable[[], Awaitable[Any]], options: RunOptions[Any]) -> Any:
        self.options.append(options)
        return await fn()


async def fail_with(exc: Exception) -> None:
    raise exc


async def test_a_workspace_without_a_token_fails_the_step_for_good() -> None:
    ctx = cast(Context, InlineContext())

    with pytest.raises(TerminalError, match="not installed in workspace T0GONE"):
        await slack_step(ctx, "slack: post", fail_with, WorkspaceUnavailable("not installed in workspace T0GONE"))


async def test_a_rate_limit_is_retried_after_slacks_retry_after() -> None:
    ctx = cast(Context, InlineContext())

    with pytest.raises(RetryableError) as raised:
        await slack_step(ctx, "slack: post", fail_with, SlackRetryLater(2.0))
    assert raised.value.retry_after is not None
    assert 2.0 <= raised.value.retry_after.total_seconds() <= 3.0
