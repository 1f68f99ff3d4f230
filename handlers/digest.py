"""Digest: one virtual object per channel and period, so however many bot replicas fire a schedule, the channel
gets one digest for that period.

Each firing calls `Digest/{channel}:{period end}/post`. Calls on one key take turns; the first computes the
report (a durable step: a replay posts the same numbers), posts it, uploads its chart in the digest's thread,
and remembers the message; every later call for that key answers with the same message and posts nothing.

A digest is not lost quietly. The post step retries what Slack may soon accept (`SLACK_RETRY`); when it gives up,
or cannot post at all (the bot is not in the channel, no token for the workspace), the object sleeps durably and
tries again (`retry_after`: minutes, then hours: time to invite the bot). When every round failed, it says so in
the alerts channel (`alerts.channel` of `opsgate.yml`), logs and counts it (`opsgate.digests.failed`), and later
calls for that period answer with the failure instead of trying again.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import restate
from opentelemetry import metrics
from pydantic import BaseModel, ConfigDict
from restate import ObjectContext, TerminalError
from sqlalchemy.engine import Engine

from agents.slack_text import escape, inline_code
from handlers.contracts import DIGEST_OBJECT, DIGEST_POST, ChannelUnavailable, DigestPoster, DigestReport, DigestRequest
from handlers.digest_report import build_digest
from handlers.steps import DB_RETRY, ONE_ATTEMPT, slack_step
from handlers.verified import Verifier, verified_actor

__all__ = ["DigestDeps", "DigestPosted", "build_digest_object", "failed_digest_text"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]


class DigestPosted(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: str
    ts: str
    first: bool
    """False when this period's digest had already been posted (another replica's firing, or a retry)."""


RETRY_AFTER = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
"""Between rounds of posting a digest: time for Slack to recover, or for someone to invite the bot."""


@dataclass(frozen=True)
class DigestDeps:
    engine: Engine
    poster: DigestPoster
    verifier: Verifier
    """Verifies the bot's envelope: a digest is asked for by a person (`/ops digest now`) or by opsgate's schedule."""
    build: Callable[..., DigestReport] = build_digest
    alerts_channel: str | None = None
    """Where a digest that could not be posted is announced (`alerts.channel`); None: logged and counted only."""
    retry_after: tuple[timedelta, ...] = RETRY_AFTER
    """The durable waits between rounds of posting; one round more than waits."""


def failed_digest_text(request: DigestRequest, tried: str, reason: str) -> str:
    """The alert for a digest that could not be posted: its label, channel and the error shown as text."""
    return (
        f":rotating_light: The digest {inline_code(request.label, 80)} for channel {inline_code(request.channel, 40)} "
        f"could not be posted ({tried}): {escape(reason, 500)}. Invite the bot to the channel or fix the cause in the "
        "worker's log, then post one with `/ops digest now` in that channel."
    )


def build_digest_object(deps: DigestDeps) -> restate.VirtualObject:
    digest = restate.VirtualObject(DIGEST_OBJECT)
    failed = metrics.get_meter("opsgate.handlers").create_counter(
        "opsgate.digests.failed", unit="{digest}", description="Digests not posted after every round of retries"
    )

    @functools.wraps(deps.poster.post_digest)  # keeps what the port's method is marked with (it posts a message)
    async def post_digest(channel: str, report: DigestReport) -> str:
        try:
            return await deps.poster.post_digest(channel, report)
        except ChannelUnavailable as exc:  # retried in a later round, not within the step: someone must act first
            raise TerminalError(str(exc)) from exc

    async def give_up(ctx: ObjectContext, request: DigestRequest, tried: str, reason: str) -> None:
        """Log, count and announce a digest that will not be posted; `tried`: what was tried, for people."""

        async def record() -> None:
            log.error("digest %s was not posted (%s): %s", ctx.key(), tried, reason)
            failed.add(1)

        await ctx.run_typed("alert: log and count", record, ONE_ATTEMPT.options())
        if deps.alerts_channel is None:
            return
        text = failed_digest_text(request, tried, reason)
        try:
            await slack_step(ctx, "slack: digest failed alert", deps.poster.post_notice, deps.alerts_channel, text)
        except TerminalError as exc:
            log.error("digest %s: the alert could not be posted either: %s", ctx.key(), exc.message)

    @digest.handler(name=DIGEST_POST)
    async def post(ctx: ObjectContext, request: DigestRequest) -> DigestPosted:
        await verified_actor(ctx, deps.verifier, DIGEST_OBJECT, DIGEST_POST, ctx.key())
        posted = await ctx.get("ts", type_hint=str)
        if posted is not None:
            return DigestPosted(channel=request.channel, ts=posted, first=False)
        gave_up = await ctx.get("failed", type_hint=str)
        if gave_up is not None:
            raise TerminalError(f"the digest for {ctx.key()} could not be posted: {gave_up}")
        now = datetime.fromtimestamp(await ctx.time(), UTC)

        async def compute() -> DigestReport:
            return await asyncio.to_thread(
                deps.build,
                deps.engine,
                request.channel,
                request.period_start,
                request.period_end,
                label=request.label,
                now=min(now, request.period_end),  # pending ages as of the period's end
            )

        try:
            report = await ctx.run_typed("db: digest", compute, DB_RETRY.options(DigestReport))
        except TerminalError as exc:
            ctx.set("failed", f"its numbers could not be read: {exc.message}")
            await give_up(ctx, request, "its numbers could not be read from the database", exc.message)
            raise
        rounds = len(deps.retry_after) + 1
        for round_ in range(1, rounds + 1):
            name = "slack: post digest" if round_ == 1 else f"slack: post digest #{round_}"
            try:
                ts = await slack_step(ctx, name, post_digest, request.channel, report)
                break
            except TerminalError as exc:
                log.warning("digest %s: round %d of %d failed: %s", ctx.key(), round_, rounds, exc.message)
                if round_ == rounds:
                    ctx.set("failed", exc.message)
                    await give_up(ctx, request, f"{rounds} tries over {_spent(deps.retry_after)}", exc.message)
                    raise
                await ctx.sleep(deps.retry_after[round_ - 1])
        ctx.set("ts", ts)  # from here on, this period is posted
        try:
            await slack_step(ctx, "slack: digest chart", deps.poster.post_digest_chart, request.channel, ts, report)
        except TerminalError as exc:  # the digest itself is up; the chart is a nicety, never a second digest
            log.error("digest %s: the chart could not be uploaded: %s", ctx.key(), exc.message)
        return DigestPosted(channel=request.channel, ts=ts, first=True)

    return digest


def _spent(waits: tuple[timedelta, ...]) -> str:
    total = sum(waits, timedelta()).total_seconds()
    if total >= 3600:
        return f"{total / 3600:.1f} h"
    return f"{total / 60:.0f} min" if total >= 60 else f"{total:.0f} s"
