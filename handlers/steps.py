"""Durable steps with their retry policies: who retries what is decided here, once.

- Model calls: the SDK never retries (`max_retries=0`); `ResilientModel` retries transient errors with full-jitter
  backoff and the provider's retry-after inside the step, behind a circuit breaker, and what it raises is final.
  So the model step gets ONE attempt from Restate (`MODEL_RETRY`); a worker crash mid-step still replays it.
- Tools: one attempt per call inside the step; Restate retries the step for tools whose repetition is safe
  (read-only or idempotent by trusted annotations: `TOOL_RETRY`, after a jittered backoff, `tool_retry_later`) and
  never for the others (`ONE_ATTEMPT`: an effect that may have happened is not repeated blindly).
- Slack calls: Restate retries the step, after Slack's Retry-After on a 429 (`SLACK_RETRY`); a workspace with
  no bot token (OAuth installs) fails the step at once. A step that posts a new message journals a nonce first
  and, when it runs again, adopts the copy it posted before (`handlers.contracts.post_nonce`).
No layer retries what another already retries, so attempts never multiply.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from restate import Context, RunOptions, TerminalError
from restate.exceptions import RetryableError

from handlers.contracts import SlackRetryLater, WorkspaceUnavailable
from handlers.contracts.post_nonce import PostNonce, posting_under, posts_message_of

__all__ = [
    "AUDIT_RETRY",
    "CHECK_RETRY",
    "DB_RETRY",
    "DB_WRITE_RETRY",
    "MODEL_RETRY",
    "ONE_ATTEMPT",
    "PREVIEW_RETRY",
    "SERVER_RETRY",
    "SLACK_RETRY",
    "TOOL_RETRY",
    "StepRetry",
    "slack_step",
    "tool_retry_later",
]

T = TypeVar("T")


@dataclass(frozen=True)
class StepRetry:
    """How Restate retries one kind of step before giving up with a `TerminalError`."""

    max_attempts: int | None
    """None: restate-server's default policy (as `initial` and `longest`)."""
    initial: timedelta | None = None
    """None: restate-server's default (as `longest`)."""
    longest: timedelta | None = timedelta(seconds=10)

    def options(self, type_hint: Any = None) -> RunOptions[Any]:
        return RunOptions(
            type_hint=type_hint,
            max_attempts=self.max_attempts,
            initial_retry_interval=self.initial,
            max_retry_interval=self.longest,
        )


SLACK_RETRY = StepRetry(max_attempts=60, initial=timedelta(milliseconds=200), longest=timedelta(seconds=30))
"""Generous: most failures are 429s, which Slack says when to retry; a burst of tasks in one channel (about one
post per second there) must wait its turn, not fail."""
MODEL_RETRY = StepRetry(max_attempts=1, initial=timedelta(seconds=1))
TOOL_RETRY = StepRetry(max_attempts=3, initial=timedelta(milliseconds=200))
# A tool that does not say (from a trusted server) it is idempotent gets one attempt: an error is not retried
# blindly, and a crash mid-call finds its intent marker on replay ("outcome unknown", `handlers.effects`).
ONE_ATTEMPT = StepRetry(max_attempts=1, initial=timedelta(milliseconds=200))
"""Also every step whose failure is final at once: an envelope's verdict, a span or a count emitted on the way."""
CHECK_RETRY = StepRetry(max_attempts=3, longest=None)
"""Reading a decision's inputs (who administers, who approves, the gate's review): a brief retry, then fail."""
DB_RETRY = StepRetry(max_attempts=5, longest=None)
"""A read or write of opsgate's database inside a step (budgets, digests, trace summaries)."""
DB_WRITE_RETRY = StepRetry(max_attempts=10, initial=timedelta(milliseconds=100), longest=None)
"""What must be recorded before the handler goes on (the task's rows, an audited switch)."""
AUDIT_RETRY = StepRetry(max_attempts=10, longest=None)
"""An audit row a handler writes before it answers (a freeze)."""
PREVIEW_RETRY = StepRetry(max_attempts=2, longest=None)
"""A card's dry run: one more try, then the card goes out without a preview."""
SERVER_RETRY = StepRetry(max_attempts=None, longest=None)
"""restate-server's own policy: what must happen eventually (a forged wake-up's audit row)."""


def tool_retry_later(reason: str, retry_number: int, retry: StepRetry = TOOL_RETRY) -> RetryableError:
    """What a tool step raises for Restate to run it again: exponential backoff with jitter (between half and all
    of `initial · 2^(n-1)`, capped at `longest`). `RunOptions` has no jitter, and calls that failed on one tool
    together would otherwise all come back in the same instant."""
    ceiling = min(retry.longest, retry.initial * 2 ** max(0, retry_number - 1))
    return RetryableError(reason, retry_after=ceiling * (0.5 + random.random() / 2))


async def slack_step(ctx: Context, name: str, fn: Callable[..., Awaitable[T]], *args: Any, type_hint: Any = None) -> T:
    """A Slack call as a durable step; a 429 becomes a retry after Slack's Retry-After. When `fn` posts a new
    message (`posts_message`), it posts under a nonce journaled just before, so running again does not post twice."""
    nonce = await _post_nonce(ctx, name) if posts_message_of(fn) else None
    runs = 0

    async def call() -> T:
        nonlocal runs
        runs += 1
        try:
            if nonce is None:
                return await fn(*args)
            # Run again in this process (a retry within the attempt): the first run may have posted.
            with posting_under(nonce if runs == 1 else nonce.model_copy(update={"look_first": True})):
                return await fn(*args)
        except WorkspaceUnavailable as exc:  # no token for that workspace: every attempt would fail the same way
            raise TerminalError(str(exc)) from exc
        except SlackRetryLater as exc:
            # Up to half again as long, so tasks rate-limited together do not all come back in the same second.
            wait = exc.retry_after * (1 + random.random() / 2)
            raise RetryableError(str(exc), retry_after=timedelta(seconds=wait)) from exc

    result: T = await ctx.run_typed(name, call, SLACK_RETRY.options(type_hint))
    return result


async def _post_nonce(ctx: Context, name: str) -> PostNonce:
    """The nonce of a posting step, journaled before the post. Drawn in this attempt, the post cannot have run
    before (it runs only after the nonce is journaled); replayed from the journal, an earlier attempt may have posted
    and died before its result was journaled, so the step looks for that copy first."""
    drawn = False

    async def draw() -> PostNonce:  # a coroutine: a plain function would be run on a thread pool
        nonlocal drawn
        drawn = True
        return PostNonce(value=uuid.uuid4().hex, since=time.time())

    nonce: PostNonce = await ctx.run_typed(f"{name} (nonce)", draw, RunOptions(type_hint=PostNonce))
    return nonce.model_copy(update={"look_first": not drawn})
