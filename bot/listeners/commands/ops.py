"""`/ops <request>`: parse, guard, hand to Restate, then ack. Nothing here waits on Slack's Web API."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace
from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp

from agents.slack_text import escape, inline_code
from approvals.audit import AuditEvent
from approvals.people import Person, co_requesters_of
from bot.launcher import Launch
from bot.listeners.commands.subcommands import SUBCOMMAND_HELP, match_subcommand
from handlers.contracts import GuardrailVerdict, TaskRequest, task_id_for
from handlers.contracts.envelope import Actor, SlackId

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["HELP", "SlashCommand", "audit_block", "over_rate", "register", "trace_carrier", "unknown_command"]

log = logging.getLogger(__name__)

HELP = f"""*opsgate* runs your ops requests with an AI agent, asking a person before anything risky.

• `/ops {escape("<request>")}`: ask in plain words, e.g. `/ops what services are running in staging?`
  I answer in a thread under your request and keep its first message up to date.
• `/ops help`: this message.
{SUBCOMMAND_HELP}

I only work in channels I'm a member of: `/invite @opsgate` first."""

NOT_ALLOWED_HELP = (
    "I can answer questions about services and run operations with approval for the people listed in "
    "`commands.allowed_users` of opsgate.yml; ask an opsgate admin to add you."
)
SUBCOMMANDS = {"help", "cancel", "freeze", "policy", "approvals", "status", "digest"}
ACCEPTED = "On it: I'll reply in a thread in this channel. (task `{task_id}`)"
OUT_OF_SCOPE = (
    ":compass: I didn't start anything: {why}. If it is ops work, name the service or environment, "
    "e.g. `/ops restart checkout in staging`; `/ops help` shows what I can do."
)
DUPLICATE = "Already on it (task `{task_id}`): this request was received before, so I did not start it twice."
UNAVAILABLE = (
    ":warning: I could not accept this request right now (the task engine is unreachable). "
    "Nothing was started; it is safe to send it again."
)
UNCERTAIN = (
    ":warning: I could not confirm this request (the task engine did not answer in time). It may still start: "
    "if no thread for it appears in this channel within a minute, send it again."
)


class SlashCommand(BaseModel):
    """The fields of Slack's slash-command payload that we use."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    command: str
    team_id: SlackId
    channel_id: str
    user_id: SlackId
    trigger_id: str
    text: str = ""
    response_url: str | None = None
    co_requesters: tuple[str, ...] = ()
    """Set by a Retry (never by Slack): the requesters of the task it repeats."""

    @property
    def person(self) -> Person:
        return Person(self.team_id, self.user_id)

    @property
    def actor(self) -> Actor:
        """Who the bot acts for when it hands this command to the worker (see handlers.contracts.envelope)."""
        return Actor(team=self.team_id, user=self.user_id)


def register(app: AsyncApp, deps: BotDeps) -> None:
    tracer = trace.get_tracer("opsgate.bot")

    async def ops_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        with tracer.start_as_current_span("slack command /ops", kind=trace.SpanKind.SERVER):
            await ack(response_type="ephemeral", **await answer_ops(body, deps))

    app.command("/ops")(ops_command)


async def answer_ops(body: dict[str, Any], deps: BotDeps) -> dict[str, Any]:
    try:
        command = SlashCommand.model_validate(body)
    except ValidationError:
        return {"text": "This request was incomplete, so I ignored it."}
    text = command.text.strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    if not text:
        return {
            "text": "What should I do? Tell me after the command, e.g. `/ops what's running in staging?`\n\n" + HELP
        }
    if first in ("help", "?", "-h", "--help"):
        return {"text": HELP}
    if refusal := await scope_refusal(command, deps):  # subcommands too: only help is for everyone
        return {"text": refusal}
    if subcommand := match_subcommand(text):
        handler, argument = subcommand
        return await handler(command, argument, deps)
    if " " not in text and first not in SUBCOMMANDS:
        return {
            "text": f"I don't know the command {inline_code(text, 42)}. To ask me something, write a sentence."
            f"\n\n{HELP}"
        }
    verdict = deps.guard.check(text, scope=True)
    trace.get_current_span().set_attributes(
        {"opsgate.guardrail.action": verdict.action, "opsgate.guardrail.rules": list(verdict.rules)}
    )
    task_id = task_id_for(command.team_id, command.trigger_id)
    judged = GuardrailVerdict(stage="input", action=verdict.action, rules=list(verdict.rules))
    if verdict.blocked:
        await audit_block(deps, task_id, command.user_id, judged)
        return {"text": ":no_entry: I can't take this request: " + escape("; ".join(verdict.reasons), 2000) + "."}
    if verdict.out_of_scope:  # no task, no model call: a polite no, and a way to say it again if it is ops work
        await audit_block(deps, task_id, command.user_id, judged)
        return {"text": OUT_OF_SCOPE.format(why=escape("; ".join(verdict.reasons), 500))}
    request = TaskRequest(
        task_id=task_id,
        team_id=command.team_id,
        channel_id=command.channel_id,
        user_id=command.user_id,
        text=verdict.text,
        response_url=command.response_url,
        trace_context=trace_carrier(),
        input_flags=list(verdict.reasons) if verdict.action == "escalate" else [],
        input_verdict=judged,
        sealed_pii=deps.sealer.seal(verdict.pseudonyms) if deps.sealer else None,
        co_requesters=co_requesters_of(command.co_requesters, command.team_id, command.person),
    )
    launch = await deps.launcher.launch(request)
    if launch is Launch.UNAVAILABLE:
        return {"text": UNAVAILABLE}
    if launch is Launch.UNCERTAIN:
        return {"text": UNCERTAIN}
    template = DUPLICATE if launch is Launch.DUPLICATE else ACCEPTED
    return {"text": template.format(task_id=request.task_id)}


async def unknown_command(ack: AsyncAck, body: dict[str, Any]) -> None:
    name = str(body.get("command", "this command"))
    await ack(response_type="ephemeral", text=f"I don't handle {inline_code(name, 42)}. Try `/ops help`.")


async def audit_block(deps: BotDeps, task_id: str, user_id: str, verdict: GuardrailVerdict) -> None:
    """A blocked request starts no task, so the bot writes its verdict to the audit log itself (never the text)."""
    audit = deps.audit
    if audit is None:
        return

    def write() -> None:
        audit.append(
            task_id,
            AuditEvent.GUARDRAIL,
            dedupe_key=f"{task_id}:guardrail:input",
            actor=user_id,
            detail=verdict.detail(),
        )

    try:
        await asyncio.to_thread(write)
    except Exception:  # the person still gets their answer; the failure is logged with the task id
        log.exception("could not write the guardrail verdict of %s to the audit log", task_id)


def trace_carrier() -> dict[str, str]:
    """The current trace context, carried in the request body: Restate forwards headers only when traced."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


async def scope_refusal(command: SlashCommand, deps: BotDeps, *, counted: bool = True) -> str | None:
    """Why this person may not use `/ops` here (allowed users and channels, the rates), or None. Every command
    and button passes it, subcommands included (`/ops policy` names the approvers; `/ops status` reads tasks).
    `counted=False`: a click that starts nothing (Cancel) is not counted against the request rates."""
    if deps.allowed_users and not deps.is_one_of(command.person, deps.allowed_users):
        return f"You are not on the list of people who may use `/ops` here. {NOT_ALLOWED_HELP}"
    if deps.allowed_channels and command.channel_id not in deps.allowed_channels:
        allowed = ", ".join(f"<#{c}>" for c in sorted(deps.allowed_channels))
        return f"`/ops` is not enabled in this channel. Use it in {allowed}."
    return await over_rate(command.person, command.channel_id, deps) if counted else None


async def over_rate(person: Person, channel_id: str, deps: BotDeps) -> str | None:
    """Per-person and per-channel request rates, counted in the shared database so every replica sees them."""
    ledger = deps.ledger
    if ledger is None:
        return None
    limits = [
        (scope, key, rate)
        for scope, key, rate in (
            ("you", f"requests:user:{person}", deps.requests_per_user),
            ("this channel", f"requests:channel:{channel_id}", deps.requests_per_channel),
        )
        if rate is not None
    ]

    def check(now: float) -> str | None:  # one thread hop for both counters
        for scope, key, rate in limits:
            if not ledger.try_spend(key, 1, limit=rate.limit, window_s=rate.window_s, now=now).allowed:
                window = f"{rate.window_s:.0f} s" if rate.window_s else "this period"
                return f":snail: Too many requests from {scope} ({rate.limit} per {window}). Please wait a moment."
        return None

    return await asyncio.to_thread(check, time.time()) if limits else None
