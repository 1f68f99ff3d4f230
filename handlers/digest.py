"""Digest: one virtual object per channel and period, so however many bot replicas fire a schedule, the channel
gets one digest for that period.

Each firing calls `Digest/{channel}:{period end}/post`. Calls on one key take turns; the first computes the
report (a durable step: a replay posts the same numbers), posts it, uploads its chart in the digest's thread,
and remembers the message; every later call for that key answers with the same message and posts nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import restate
from pydantic import BaseModel, ConfigDict
from restate import ObjectContext, RunOptions, TerminalError
from sqlalchemy.engine import Engine

from handlers.digest_report import build_digest
from handlers.envelope import Keyring
from handlers.report_contracts import DigestPoster, DigestReport
from handlers.steps import slack_step
from handlers.verified import verified_actor

__all__ = [
    "DIGEST_OBJECT",
    "DIGEST_POST",
    "DigestDeps",
    "DigestPosted",
    "DigestRequest",
    "build_digest_object",
    "digest_key",
]

DIGEST_OBJECT = "Digest"
DIGEST_POST = "post"
log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]


class DigestRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    period_start: datetime
    period_end: datetime
    label: str


class DigestPosted(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: str
    ts: str
    first: bool
    """False when this period's digest had already been posted (another replica's firing, or a retry)."""


def digest_key(channel: str, period_end: datetime) -> str:
    return f"{channel}:{period_end.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


@dataclass(frozen=True)
class DigestDeps:
    engine: Engine
    poster: DigestPoster
    keyring: Keyring
    """Verifies the bot's envelope: a digest is asked for by a person (`/ops digest now`) or by opsgate's schedule."""
    build: Callable[..., DigestReport] = build_digest


def build_digest_object(deps: DigestDeps) -> restate.VirtualObject:
    digest = restate.VirtualObject(DIGEST_OBJECT)

    @digest.handler(name=DIGEST_POST)
    async def post(ctx: ObjectContext, request: DigestRequest) -> DigestPosted:
        await verified_actor(ctx, deps.keyring, DIGEST_OBJECT, DIGEST_POST, ctx.key())
        posted = await ctx.get("ts", type_hint=str)
        if posted is not None:
            return DigestPosted(channel=request.channel, ts=posted, first=False)
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

        report = await ctx.run_typed("db: digest", compute, RunOptions(max_attempts=5, type_hint=DigestReport))
        ts = await slack_step(ctx, "slack: post digest", deps.poster.post_digest, request.channel, report)
        ctx.set("ts", ts)  # from here on, this period is posted
        try:
            await slack_step(ctx, "slack: digest chart", deps.poster.post_digest_chart, request.channel, ts, report)
        except TerminalError as exc:  # the digest itself is up; the chart is a nicety, never a second digest
            log.error("digest %s: the chart could not be uploaded: %s", ctx.key(), exc.message)
        return DigestPosted(channel=request.channel, ts=ts, first=True)

    return digest
