"""Alerts in the admin channel (`alerts.channel` of `opsgate.yml`), each posted once however many replicas see it.

PausedAlert: one alert per invocation that Restate paused after its retries ran out. Every worker replica's watch
finds paused invocations through Restate's admin SQL and calls `PausedAlert/{invocation id}/notify`; calls on one
key take turns and only the first posts, so the admin channel hears about each paused invocation once. Each alert
is also logged (error) and counted (`opsgate.invocations.paused`).

OpsAlert: one alert per key for what the worker's alert watch finds (`opsgate.alert_watch`): an invalid
`opsgate.yml` (keyed by the file's content, so once per bad version), span summaries that could not be stored.
Logged (error) and counted (`opsgate.alerts`, by kind) like the paused alert.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import restate
from opentelemetry import metrics
from restate import ObjectContext, TerminalError

from agents.slack_text import entities, inline_code
from handlers.contracts import OPS_ALERT, OPS_ALERT_NOTIFY, PAUSED_ALERT, PAUSED_NOTIFY, OpsNotice, PausedNotice
from handlers.steps import ONE_ATTEMPT, slack_step
from handlers.verified import Verifier, verified_actor

__all__ = [
    "AlertDeps",
    "build_ops_alert",
    "build_paused_alert",
    "paused_text",
]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]
_INVOCATION_ID = re.compile(r"inv_[0-9A-Za-z]{8,80}")


@dataclass(frozen=True)
class AlertDeps:
    post: Callable[[str, str], Awaitable[str]]
    """(channel, text) -> ts: the notifier's post of opsgate's own text (`post_notice`): the alerts escape what
    they put in, so a command in them stays copyable."""
    verifier: Verifier
    """The worker's watch signs its notices as opsgate; an ingress caller without the key cannot make it post."""


async def _notify_once(
    ctx: ObjectContext,
    deps: AlertDeps,
    names: tuple[str, str],
    record: Callable[[], None],
    post: tuple[str, str, str] | None,
) -> bool:
    """The shape every alert object shares: only opsgate's own watch may raise it (its signed envelope), the first
    notice of a key is logged and counted (`record`) and posted (`post`: step name, channel, text), later ones only
    answer False. Each alert's key is one thing to announce, so every replica may ask and one post results."""
    service, handler = names
    verdict = await verified_actor(ctx, deps.verifier, service, handler, ctx.key())
    if verdict.actor is None or not verdict.actor.system:
        what = "paused alerts" if service == PAUSED_ALERT else "alerts"
        raise TerminalError(f"refused: only opsgate's own watch raises {what}", status_code=403)
    if await ctx.get("alerted", type_hint=bool):
        return False

    async def logged() -> None:
        record()

    await ctx.run_typed("alert: log and count", logged, ONE_ATTEMPT.options())
    if post is not None:
        step, channel, text = post
        await slack_step(ctx, step, deps.post, channel, text)
    ctx.set("alerted", True)
    return True


def build_paused_alert(deps: AlertDeps) -> restate.VirtualObject:
    alert = restate.VirtualObject(PAUSED_ALERT)
    paused = metrics.get_meter("opsgate.handlers").create_counter(
        "opsgate.invocations.paused", unit="{invocation}", description="Invocations Restate paused after retrying"
    )

    @alert.handler(name=PAUSED_NOTIFY)
    async def notify(ctx: ObjectContext, notice: PausedNotice) -> bool:
        def record() -> None:
            log.error("restate paused %s (%s) after its retries ran out", notice.invocation_id, notice.target)
            paused.add(1, {"opsgate.target": notice.target.split("/", 1)[0]})

        post = None
        if notice.channel:
            post = ("slack: paused alert", notice.channel, paused_text(notice))
        return await _notify_once(ctx, deps, (PAUSED_ALERT, PAUSED_NOTIFY), record, post)

    return alert


def paused_text(notice: PausedNotice) -> str:
    """The paused-invocation alert: the target and id as code; the commands to copy keep a usable URL (the admin URL
    is the worker's own setting, and the id joins it only when it looks like one)."""
    invocation = notice.invocation_id if _INVOCATION_ID.fullmatch(notice.invocation_id) else "<id>"
    base = entities(f"{notice.admin_url}/invocations/{invocation}") if notice.admin_url else "the admin API"
    return (
        f":rotating_light: Restate paused {inline_code(notice.target, 200)} ({inline_code(notice.invocation_id, 80)}) "
        f"after its retries ran out. Fix the cause (see the worker's log), then resume it: `curl -X PATCH "
        f"{base}/resume`; to give up: `curl -X PATCH {base}/kill`. `opsgate doctor` lists every paused invocation."
    )


def build_ops_alert(deps: AlertDeps) -> restate.VirtualObject:
    alert = restate.VirtualObject(OPS_ALERT)
    raised = metrics.get_meter("opsgate.handlers").create_counter(
        "opsgate.alerts", unit="{alert}", description="Alerts the worker's watch raised, by kind"
    )

    @alert.handler(name=OPS_ALERT_NOTIFY)
    async def notify(ctx: ObjectContext, notice: OpsNotice) -> bool:
        def record() -> None:
            log.error("alert %s: %s", ctx.key(), notice.text)
            raised.add(1, {"opsgate.alert.kind": notice.kind})

        post = (f"slack: {notice.kind} alert", notice.channel, notice.text) if notice.channel else None
        return await _notify_once(ctx, deps, (OPS_ALERT, OPS_ALERT_NOTIFY), record, post)

    return alert
