"""Cancel and Retry on a task's thread root (slash commands do not work inside threads, buttons do).

Both go through the same checks as their commands: Cancel is `/ops cancel` (the requester or an approver);
Retry sends the task's request again as a new task from the person who clicked, through every input check of
`/ops` (guardrails, scope, rate limits), and answers with what `/ops` would have said; the task's requesters
stay requesters of the retry (separation of duties follows the action).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from agents.slack_text import inline_code
from approvals.people import Person, person_of, stored_in
from bot.blocks import CANCEL_ACTION, RETRY_ACTION
from bot.launcher import Unanswered
from bot.listeners.commands.ops import SlashCommand, answer_ops, scope_refusal
from bot.listeners.commands.subcommands import UNAVAILABLE as ENGINE_UNAVAILABLE
from bot.listeners.commands.subcommands import cancel

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def _click(body: dict[str, Any]) -> tuple[SlashCommand, str] | None:
    """The click as the slash command it stands for, and the task id on the button."""
    try:
        task_id = str(body["actions"][0]["value"])
        command = SlashCommand(
            command="/ops",
            team_id=str(body["team"]["id"]),
            channel_id=str(body["container"]["channel_id"]),
            user_id=str(body["user"]["id"]),
            trigger_id=str(body["trigger_id"]),
            response_url=body.get("response_url"),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return command, task_id


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def on_cancel(body: dict[str, Any], respond: AsyncRespond) -> None:
        click = _click(body)
        if click is None:
            return
        command, task_id = click
        refusal = await scope_refusal(command, deps, counted=False)
        answer = {"text": refusal} if refusal else await cancel(command, task_id, deps)
        await respond(response_type="ephemeral", replace_original=False, text=answer["text"])

    async def on_retry(body: dict[str, Any], respond: AsyncRespond) -> None:
        click = _click(body)
        if click is None:
            return
        command, task_id = click
        reports = deps.reports
        text = await asyncio.to_thread(reports.request_text, task_id) if reports is not None else None
        if text is None:
            missing = f"I can't find the request of {inline_code(task_id, 82)}."
            await respond(response_type="ephemeral", replace_original=False, text=missing)
            return
        # Whoever asked for the task (and for the tasks it repeated) stays a requester of what the retry leads
        # to: the clicker is added, not swapped in, so nobody approves their own action through a Retry.
        try:
            info = await deps.launcher.task_info(task_id, actor=command.actor, nonce=command.trigger_id)
        except Unanswered:
            await respond(response_type="ephemeral", replace_original=False, text=ENGINE_UNAVAILABLE)
            return
        # The task names its people as its workspace's record; the retry is the clicker's workspace's.
        people: list[Person] = []
        if info is not None:
            people = [person_of(name, info.team_id or command.team_id) for name in info.requesters or [info.requester]]
        elif reports is not None and (line := await asyncio.to_thread(reports.status, task_id)) is not None:
            people = [Person(line.team_id or command.team_id, line.requester)]
        requesters = tuple(stored_in(command.team_id, person) for person in people)
        retried = command.model_copy(update={"text": text, "co_requesters": requesters})
        answer = await answer_ops(retried.model_dump(), deps)
        await respond(response_type="ephemeral", replace_original=False, text=answer["text"])

    app.action(CANCEL_ACTION)(ack=ack_now, lazy=[on_cancel])
    app.action(RETRY_ACTION)(ack=ack_now, lazy=[on_retry])
