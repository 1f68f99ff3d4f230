"""`@opsgate …` in a task's thread: a new turn of that task, answered in the same thread.

A digest of the thread's earlier turns travels with the follow-up (the agent sees it as context): the first
request and the latest turn in full or by their key lines, one line for each turn between, within
`HISTORY_CHARS`. The follow-up starts once the thread's previous task has ended, so turns never overlap. The same
checks as `/ops` apply (who, where, how often, input guardrails). The task id derives from Slack's event id, so a
redelivered event starts nothing twice. Plain channel messages (subscribed for thread context) are accepted and
ignored.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agents.context.thread import DIGEST_CHARS, ThreadTurn, thread_digest
from agents.slack_text import escape
from approvals.people import Person, co_requesters_of, stored_in
from bot.launcher import Launch
from bot.listeners.commands.ops import UNAVAILABLE, UNCERTAIN, audit_block, over_rate, trace_carrier
from handlers.contracts import FollowUp, GuardrailVerdict, TaskRequest, ThreadTask, task_id_for

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["follow_up_request", "register"]

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
HISTORY_CHARS = DIGEST_CHARS  # the digest of earlier turns the follow-up's prompt starts with
THREAD_TURNS = 200  # the turns the digest covers; their requesters are requesters of the follow-up's actions
REQUEST = escape("<request>")
"""The placeholder of `/ops <request>` as Slack must receive it: a raw `<…>` is a control sequence there."""
NOT_A_TASK = (
    f"This thread is not one of my tasks. Start one with `/ops {REQUEST}`; to follow up, mention me in the "
    "task's thread."
)
TOP_LEVEL = f"To ask me something, use `/ops {REQUEST}`. To follow up on a task, mention me in its thread."
ACCEPTED = "On it: following up in this thread (task `{task_id}`)."


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()  # Slack gets its 2xx at once: nothing on the ack path waits on the Web API

    async def on_mention(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        reply = await answer_mention(body, event, deps)
        if reply is None:
            return
        channel, thread_ts = str(event.get("channel")), str(event.get("thread_ts") or event.get("ts"))
        try:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=reply)
        except SlackApiError as exc:  # e.g. the channel is gone; the follow-up itself was already handled
            log.warning("could not answer a mention in %s: %s", channel, exc.response.get("error"))

    async def ignore(body: dict[str, Any]) -> None:
        """Messages in channels arrive because the app subscribes to them; nothing to do (and never a 404)."""

    app.event("app_mention")(ack=ack_now, lazy=[on_mention])
    app.event("message")(ignore)


async def answer_mention(body: dict[str, Any], event: dict[str, Any], deps: BotDeps) -> str | None:
    """What to say in the thread (None: nothing), after starting the follow-up when it passes every check."""
    user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
    team = str(body.get("team_id") or deps.identity.team_id)
    if not user or event.get("bot_id") or user == deps.identity.bot_user_id:
        return None
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return TOP_LEVEL
    if deps.tasks is None:
        return NOT_A_TASK
    # Every earlier turn's requester is a requester of what this one leads to (separation of duties follows the
    # action); the prompt shows a digest of them all.
    turns = await asyncio.to_thread(deps.tasks.thread_history, channel, str(thread_ts), THREAD_TURNS)
    if not turns:
        return NOT_A_TASK
    if deps.allowed_users and not deps.is_one_of(Person(team, user), deps.allowed_users):
        return "You are not on the list of people who may use opsgate here."
    if deps.allowed_channels and channel not in deps.allowed_channels:
        return "opsgate is not enabled in this channel."
    if refusal := await over_rate(Person(team, user), channel, deps):
        return refusal
    text = " ".join(MENTION.sub(" ", str(event.get("text") or "")).split())
    if not text:
        return "What should I do next? Mention me with the follow-up, e.g. `@opsgate now restart it`."
    task_id = task_id_for(team, str(body.get("event_id") or event["ts"]))
    verdict = deps.guard.check(text)
    judged = GuardrailVerdict(stage="input", action=verdict.action, rules=list(verdict.rules))
    if verdict.blocked:
        await audit_block(deps, task_id, user, judged)
        return ":no_entry: I can't take this follow-up: " + escape("; ".join(verdict.reasons), 2000) + "."
    request = follow_up_request(
        task_id,
        body,
        event,
        text=verdict.text,
        history=turns,
        flags=verdict.reasons if verdict.escalated else (),
    )
    sealed = deps.sealer.seal(verdict.pseudonyms) if deps.sealer else None
    request = request.model_copy(update={"input_verdict": judged, "sealed_pii": sealed})
    launch = await deps.launcher.launch(request)
    if launch is Launch.UNAVAILABLE:
        return UNAVAILABLE.replace("this request", "this follow-up")
    if launch is Launch.UNCERTAIN:
        return UNCERTAIN
    return None if launch is Launch.DUPLICATE else ACCEPTED.format(task_id=task_id)


def follow_up_request(
    task_id: str,
    body: dict[str, Any],
    event: dict[str, Any],
    *,
    text: str,
    history: list[ThreadTask],
    flags: tuple[str, ...] = (),
) -> TaskRequest:
    """The follow-up as a task: a digest of the thread's turns so far (`history`, oldest first) and the new text,
    which alone passed the input guardrails just now (the earlier requests passed them in their turn)."""
    turns = [ThreadTurn(requester=task.requester, request=task.text, answer=task.outcome) for task in history]
    latest = history[-1]
    user, team = str(event["user"]), str(body.get("team_id") or "")
    earlier = [stored_in(team, Person(task.team_id or team, task.requester)) for task in history]
    return TaskRequest(
        co_requesters=co_requesters_of(earlier, team, Person(team, user)),
        task_id=task_id,
        team_id=str(body.get("team_id") or ""),
        channel_id=str(event["channel"]),
        user_id=str(event["user"]),
        text=text,
        trace_context=trace_carrier(),
        input_flags=list(flags),
        follow_up=FollowUp(
            parent_task_id=latest.task_id,
            wait_for_parent=not latest.finished,
            thread_ts=str(event["thread_ts"]),
            request=history[0].text,
            history=thread_digest(turns, HISTORY_CHARS),
        ),
    )
