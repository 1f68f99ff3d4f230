"""Submissions of the reject-reason and critical-confirmation modals."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.actions.approvals import UNAVAILABLE, cast_vote
from bot.modals import CONFIRM_CALLBACK, INPUT_ACTION, INPUT_BLOCK, REJECT_CALLBACK
from handlers.approval_contracts import VoteRequest

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def _answer(body: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(user, approval id, channel of the card, typed value), or None for a payload that is not ours."""
    try:
        view = body["view"]
        meta = json.loads(view["private_metadata"])
        value = view["state"]["values"][INPUT_BLOCK][INPUT_ACTION]["value"] or ""
        return body["user"]["id"], str(meta["approval_id"]), str(meta["channel"]), str(value)
    except (KeyError, TypeError, ValueError):
        return None


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def vote(body: dict[str, Any], client: AsyncWebClient, approve: bool) -> None:
        answer = _answer(body)
        if answer is None:
            return
        user, approval_id, channel, value = answer
        request = (
            VoteRequest(voter=user, approve=True, confirmation=value[:300])
            if approve
            else VoteRequest(voter=user, approve=False, reason=value[:2000])
        )
        result = await cast_vote(deps, approval_id, request)
        # A modal has no response_url: answer where the card is, visible only to the voter.
        await client.chat_postEphemeral(channel=channel, user=user, text=result.message if result else UNAVAILABLE)

    async def reject(body: dict[str, Any], client: AsyncWebClient) -> None:
        await vote(body, client, approve=False)

    async def confirm(body: dict[str, Any], client: AsyncWebClient) -> None:
        await vote(body, client, approve=True)

    app.view(REJECT_CALLBACK)(ack=ack_now, lazy=[reject])
    app.view(CONFIRM_CALLBACK)(ack=ack_now, lazy=[confirm])
