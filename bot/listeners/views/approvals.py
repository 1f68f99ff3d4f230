"""Submissions of the reject-reason and critical-confirmation modals."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.actions.approvals import UNAVAILABLE, cast_vote
from bot.modals import CONFIRM_CALLBACK, INPUT_ACTION, INPUT_BLOCK, REJECT_CALLBACK
from handlers.contracts import VoteRequest
from handlers.contracts.envelope import Actor

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def _answer(body: dict[str, Any]) -> tuple[Actor, str, str, str, str] | None:
    """(who, approval id, channel of the card, typed value, nonce), or None for a payload that is not ours."""
    try:
        view = body["view"]
        meta = json.loads(view["private_metadata"])
        value = view["state"]["values"][INPUT_BLOCK][INPUT_ACTION]["value"] or ""
        actor = Actor(team=str(body["team"]["id"]), user=str(body["user"]["id"]))
        nonce = str(body.get("trigger_id") or f"{view['id']}:{view.get('hash', '')}")
        return actor, str(meta["approval_id"]), str(meta["channel"]), str(value), nonce
    except (KeyError, TypeError, ValueError):
        return None


WITHHELD = "(the reason was withheld: it read like instructions to the agent)"


def screened_reason(text: str, deps: BotDeps) -> str:
    """A rejection reason goes back to the agent and into the audit log: it passes the input guardrails like any
    request (secrets and personal data redacted; one that reads like instructions is withheld). The rejection
    itself always stands: refusing to run something is the safe outcome."""
    verdict = deps.guard.check(text[:2000])
    if verdict.blocked or verdict.escalated:
        return WITHHELD
    return verdict.text[:2000]


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def vote(body: dict[str, Any], client: AsyncWebClient, approve: bool) -> None:
        answer = _answer(body)
        if answer is None:
            return
        actor, approval_id, channel, value, nonce = answer
        request = (
            VoteRequest(voter=actor.user, approve=True, confirmation=value[:300])
            if approve
            else VoteRequest(voter=actor.user, approve=False, reason=screened_reason(value, deps))
        )
        result = await cast_vote(deps, approval_id, request, actor=actor, nonce=nonce)
        # A modal has no response_url: answer where the card is, visible only to the voter.
        text = result.message if result else UNAVAILABLE
        await client.chat_postEphemeral(channel=channel, user=actor.user, text=text)

    async def reject(body: dict[str, Any], client: AsyncWebClient) -> None:
        await vote(body, client, approve=False)

    async def confirm(body: dict[str, Any], client: AsyncWebClient) -> None:
        await vote(body, client, approve=True)

    app.view(REJECT_CALLBACK)(ack=ack_now, lazy=[reject])
    app.view(CONFIRM_CALLBACK)(ack=ack_now, lazy=[confirm])
