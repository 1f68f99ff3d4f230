"""`/ops status [task]` and `/ops digest [now]`: what my tasks are doing, and the channel's digest."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agents.slack_text import escape, inline_code, mention, quote
from approvals.people import Person
from bot.launcher import Unanswered
from bot.reports import human_duration
from handlers.contracts import DigestRequest, TaskStatusLine

if TYPE_CHECKING:
    from bot.app import BotDeps
    from bot.listeners.commands.ops import SlashCommand

__all__ = ["STATUS_HELP", "digest", "status"]

Answer = dict[str, Any]
TASK_ID = re.compile(r"^t-[0-9a-f]{20}$")
STATUS_HELP = (
    f"• `/ops status`: your recent tasks; `/ops status {escape('<task id>')}`: its live state and the circuit "
    "breakers.\n"
    "• `/ops digest`: this channel's digest schedule; `/ops digest now`: post a digest of the last 24 hours here."
)
"""Help lines, their placeholders escaped (`&lt;task id&gt;`): Slack reads a raw `<…>` as a control sequence."""
_EMOJI = {
    "queued": ":hourglass_flowing_sand:",
    "planning": ":thinking_face:",
    "running": ":gear:",
    "waiting_approval": ":raised_hand:",
    "done": ":white_check_mark:",
    "failed": ":x:",
    "cancelled": ":no_entry_sign:",
}


def _age(line: TaskStatusLine) -> str:
    return human_duration(max(0.0, time.time() - line.created_at.timestamp())) + " ago"


def _line(line: TaskStatusLine) -> str:
    emoji = _EMOJI.get(line.status, ":grey_question:")
    status = line.status.replace("_", " ")
    return f"{emoji} {inline_code(line.task_id)} *{escape(status)}* · {_age(line)} · {escape(line.excerpt, 200)}"


async def status(command: SlashCommand, argument: str, deps: BotDeps) -> Answer:
    reports = deps.reports
    if reports is None:
        return {"text": "Task status is not available in this deployment (no database configured)."}
    argument = argument.strip()
    if not argument:
        mine = await asyncio.to_thread(reports.recent, command.team_id, command.user_id, 10)
        if not mine:
            return {"text": "You have no tasks yet. Ask me something: `/ops what services are running in staging?`"}
        return {"text": "*Your recent tasks*, newest first:\n" + "\n".join(_line(line) for line in mine)}
    if not TASK_ID.match(argument):
        return {
            "text": f"{inline_code(argument, 42)} is not a task id: they look like `t-` and 20 hex digits "
            '(the "On it" answer and the thread show it). `/ops status` lists yours; to ask about a service, '
            "write a sentence."
        }
    line = await asyncio.to_thread(reports.status, argument)
    if line is None:
        return {"text": f"I don't know a task `{argument}`. `/ops status` lists yours."}
    policy = deps.policy()
    owner_asks = command.person == Person(line.team_id or command.team_id, line.requester)
    if not owner_asks and not deps.is_one_of(command.person, [*policy.approvers, *policy.admins]):
        owner = mention(line.requester)
        return {"text": f"Task `{argument}` belongs to {owner}: only they, approvers and admins see it."}
    lines = [
        _line(line),
        f"Step {line.steps} · {line.model_calls} model calls · {line.tool_calls} tool calls"
        f" ({line.tool_errors} failed) · {line.input_tokens:,} tokens in, {line.output_tokens:,} out · "
        f"${line.cost_usd:.4f}",
        f"Last change {human_duration(max(0.0, time.time() - line.updated_at.timestamp()))} ago in <#{line.channel}>.",
    ]
    if line.outcome and line.status in ("done", "failed", "cancelled"):
        lines.append(quote(line.outcome.replace("\n", " "), 282))
    lines.append(await _breakers(command, deps))
    return {"text": "\n".join(lines)}


async def _breakers(command: SlashCommand, deps: BotDeps) -> str:
    try:
        breakers = await deps.launcher.breakers(actor=command.actor, nonce=command.trigger_id, deadline=1.0)
    except Unanswered:
        return "Circuit breakers: the worker did not answer in time."
    if not breakers:
        return "Circuit breakers: none has been used yet on the worker that answered."
    shown = []
    for breaker in breakers:
        text = f"`{breaker.name}` {breaker.state}"
        if breaker.state != "closed":
            text += f" ({breaker.consecutive_failures} failures, retry in {breaker.retry_in_s:.0f} s)"
        shown.append(text)
    return "Circuit breakers: " + ", ".join(shown)


async def digest(command: SlashCommand, argument: str, deps: BotDeps) -> Answer:
    scheduler = deps.digests
    if argument.strip().lower() == "now":
        if scheduler is None:
            return {"text": "Digests are not available in this deployment."}
        end = datetime.now(UTC)  # up to this moment; requests within one minute share one digest (its key)
        request = DigestRequest(
            channel=command.channel_id,
            period_start=end - timedelta(hours=24),
            period_end=end,
            label=f"Digest on request · last 24 hours to {end:%Y-%m-%d %H:%M} UTC",
        )
        if not await scheduler.post(request, actor=command.actor, nonce=command.trigger_id):
            return {"text": ":warning: The task engine did not accept the digest; nothing was posted. Try again."}
        return {"text": "Posting a digest of the last 24 hours in this channel (one per minute at most)."}
    if argument.strip():
        return {"text": f"`/ops digest` takes `now` or nothing, not {inline_code(argument, 42)}."}
    runs = scheduler.next_runs(command.channel_id) if scheduler is not None else []
    if not runs:
        return {
            "text": "No digest is scheduled for this channel. Add one under `digests:` in opsgate.yml "
            "(channel, cron, timezone), or try `/ops digest now`."
        }
    lines = ["*Digests for this channel:*"]
    for schedule, next_run in runs:
        when = f"{next_run:%Y-%m-%d %H:%M %Z}" if next_run else "never again"
        lines.append(f"• `{schedule.cron}` ({schedule.timezone}), covering {schedule.covers_hours:g} h; next: {when}")
    return {"text": "\n".join(lines)}
