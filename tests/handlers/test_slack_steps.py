"""Slack calls as durable steps: a 429 is retried after Slack's Retry-After, a workspace without a token never."""

from __future__ import annotations

import pytest
from restate import TerminalError

from handlers.contracts import SlackRetryLater, WorkspaceUnavailable
from handlers.steps import SLACK_RETRY, slack_step
from testkit.fakes.restate_context import FakeContext


async def fail_with(exc: Exception) -> None:
    raise exc


async def test_a_workspace_without_a_token_fails_the_step_for_good() -> None:
    ctx = FakeContext()

    with pytest.raises(TerminalError, match="not installed in workspace T0GONE"):
        await slack_step(
            ctx.context, "slack: post", fail_with, WorkspaceUnavailable("not installed in workspace T0GONE")
        )
    assert ctx.attempts["slack: post"] == 1  # never retried


async def test_a_rate_limit_is_retried_after_slacks_retry_after() -> None:
    ctx = FakeContext()

    with pytest.raises(TerminalError):  # Restate gives up after the step's attempts
        await slack_step(ctx.context, "slack: post", fail_with, SlackRetryLater(2.0))
    assert ctx.attempts["slack: post"] == SLACK_RETRY.max_attempts
    assert ctx.attempts["slack: post"] == len(ctx.delays) + 1
    assert all(delay is not None and 2.0 <= delay.total_seconds() <= 3.0 for delay in ctx.delays)
