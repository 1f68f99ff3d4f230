"""`/ops` subcommands: cancel, freeze, policy, approvals. Each answers within the ack, or says why it could not.

A subcommand is recognized only when its argument has the subcommand's shape (`cancel t-…`, `freeze on`), so
a plain request that happens to start with one of these words still goes to the agent. The word alone, or with
one word that is not its argument (`cancel t-123`, `freeze maybe`), is answered with how to write it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from agents.slack_text import escape, inline_code
from approvals import explain, may_administer
from approvals.people import Person, home_team
from bot.launcher import Unanswered
from bot.listeners.commands.status import STATUS_HELP, digest, status
from handlers.contracts import FreezeChange

if TYPE_CHECKING:
    from bot.app import BotDeps
    from bot.listeners.commands.ops import SlashCommand

__all__ = ["SUBCOMMAND_HELP", "cancel", "match_subcommand"]

log = logging.getLogger(__name__)

Answer = dict[str, Any]
Handler = Callable[["SlashCommand", str, "BotDeps"], Awaitable[Answer]]
UNAVAILABLE = ":warning: The task engine did not answer in time; nothing changed. Please try again."

_CANCEL_HELP = (
    f"`/ops cancel {escape('<task id>')}`: stop a task and its pending approvals (the requester or an approver)."
)
_FREEZE_HELP = "`/ops freeze on|off|status`: policy admins only; while frozen, every action above low risk is refused."
_POLICY_HELP = f"`/ops policy {escape('<tool>')}`: what approval a tool needs, and why."
SUBCOMMAND_HELP = f"""• {_CANCEL_HELP}
• {_FREEZE_HELP}
• {_POLICY_HELP}
• `/ops approvals`: the approvals waiting on you, oldest first.
{STATUS_HELP}"""


async def cancel(command: SlashCommand, task_id: str, deps: BotDeps) -> Answer:
    actor, nonce = command.actor, command.trigger_id
    try:
        info = await deps.launcher.task_info(task_id, actor=actor, nonce=nonce)
    except Unanswered:
        return {"text": UNAVAILABLE}
    if info is None:
        return {"text": f"There is no task with the id `{task_id}`. `/ops status` lists yours, with their ids."}
    if command.person != Person(info.team_id or command.team_id, info.requester) and not deps.is_one_of(
        command.person, deps.policy().approvers
    ):
        return {"text": f"Only <@{info.requester}> (who asked) or an approver can cancel `{task_id}`."}
    try:
        cancelled = await deps.launcher.cancel_task(task_id, actor=actor, nonce=nonce)
    except Unanswered:
        return {"text": UNAVAILABLE}
    if not cancelled:
        return {"text": f"Task `{task_id}` is not running any more."}
    return {"text": f"Cancelling `{task_id}`: pending approvals are withdrawn and its thread will say so."}


async def not_a_task_id(command: SlashCommand, argument: str, deps: BotDeps) -> Answer:
    return {
        "text": f"{inline_code(argument, 42)} is not a task id: they look like `t-` and 20 hex digits "
        '(the "On it" answer and the thread show it). `/ops status` lists yours.'
    }


def _usage(line: str) -> Handler:
    """A subcommand written without its argument, or with one it never takes: its line of the help."""

    async def explain(command: SlashCommand, argument: str, deps: BotDeps) -> Answer:
        return {"text": f"Usage: {line}"}

    return explain


async def freeze(command: SlashCommand, switch: str, deps: BotDeps) -> Answer:
    actor, nonce = command.actor, command.trigger_id
    if switch == "status":
        try:
            frozen = await deps.launcher.frozen(actor=actor, nonce=nonce)
        except Unanswered:
            return {"text": UNAVAILABLE}
        return {"text": "opsgate is *frozen*." if frozen else "opsgate is not frozen."}
    refusal = may_administer(command.person, deps.policy().admins, deps.directory, deps.home_team)
    if refusal is not None:
        return {"text": f"Only policy admins can freeze or unfreeze opsgate: {refusal.reason}."}
    change = FreezeChange(frozen=switch == "on", by=command.user_id)
    try:
        await deps.launcher.set_frozen(change, actor=actor, nonce=nonce)
    except Unanswered:
        return {"text": UNAVAILABLE}
    if change.frozen:
        return {"text": ":ice_cube: Frozen: every action above low risk is refused until `/ops freeze off`."}
    return {"text": "Unfrozen: actions are decided by the policy again."}


async def policy(command: SlashCommand, tool: str, deps: BotDeps) -> Answer:
    spec = deps.tools.get(tool)
    annotations = spec.annotations if spec is not None else None
    server = spec.server if spec is not None else "builtin"
    text = explain(tool, deps.policy(), server=server, annotations=annotations)
    if spec is None:
        text = f"(`{tool}` is not one of my built-in tools; this is what the policy would say.)\n" + text
    return {"text": text}


async def waiting_on_me(command: SlashCommand, _: str, deps: BotDeps) -> Answer:
    if deps.audit is None:
        return {"text": "The approvals list is not available in this deployment (no database configured)."}
    rows = await asyncio.to_thread(deps.audit.pending)
    mine = []
    row_team = home_team(deps.home_team, command.team_id)  # of rows from before teams were recorded
    for row in rows:
        detail = json.loads(row.detail)
        if Person(str(detail.get("team") or row_team), str(detail.get("requester"))) == command.person:
            continue
        if deps.is_one_of(command.person, list(detail.get("approvers", []))):
            mine.append((row, detail))
    if not mine:
        return {"text": "Nothing waits on you. :tada:"}
    lines = [f"*{len(mine)} approval(s) wait on you*, oldest first:"]
    for row, detail in mine[:20]:
        tool, target = str(detail.get("tool")), detail.get("target")  # the model's words: shown, never live
        what = inline_code(tool, 80) + (f" on {inline_code(str(target), 200)}" if target else "")
        asked = f"<!date^{int(row.at.timestamp())}^{{date_short_pretty}} {{time}}|{row.at:%Y-%m-%d %H:%M} UTC>"
        lines.append(
            f"• {what} ({detail.get('tier')}) for <@{detail.get('requester')}> in <#{detail.get('channel')}>, "
            f"task `{row.task_id}`, asked {asked}"
        )
    if len(mine) > 20:
        lines.append(f"…and {len(mine) - 20} more.")
    return {"text": "\n".join(lines)}


_SHAPES: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"^(approvals)$", re.IGNORECASE), waiting_on_me),
    (re.compile(r"^status()$", re.IGNORECASE), status),
    (re.compile(r"^status\s+(t-\S*|\S{1,80})$", re.IGNORECASE), status),
    (re.compile(r"^digest()$", re.IGNORECASE), digest),
    (re.compile(r"^digest\s+(\S{1,40})$", re.IGNORECASE), digest),
    (re.compile(r"^cancel\s+(t-[0-9a-f]{20})$", re.IGNORECASE), cancel),
    (re.compile(r"^cancel\s+(t-\S*)$", re.IGNORECASE), not_a_task_id),
    (re.compile(r"^cancel()$", re.IGNORECASE), _usage(_CANCEL_HELP)),
    (re.compile(r"^freeze\s+(on|off|status)$", re.IGNORECASE), freeze),
    (re.compile(r"^freeze(\s+\S+|)$", re.IGNORECASE), _usage(_FREEZE_HELP)),
    (re.compile(r"^policy\s+([A-Za-z0-9_:*.-]{1,80})$", re.IGNORECASE), policy),
    (re.compile(r"^policy(\s+\S+|)$", re.IGNORECASE), _usage(_POLICY_HELP)),
]


def match_subcommand(text: str) -> tuple[Handler, str] | None:
    for shape, handler in _SHAPES:
        found = shape.match(text.strip())
        if found:
            argument = found.group(1)
            return handler, argument.lower() if handler is freeze else argument
    return None
