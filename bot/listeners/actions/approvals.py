"""Approve / Reject on an approval card.

The ack goes out at once; the vote is cast afterwards (a lazy listener), because it waits on the Approval
object in Restate. Reject, and Approve on a critical action, open a modal first: a reason, or the typed target.
Whatever the outcome, the clicker gets an ephemeral answer; the card itself is edited by the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import APPROVE_ACTION, REJECT_ACTION
from bot.launcher import Unanswered
from bot.modals import confirm_modal, reject_modal
from handlers.contracts import (
    ApprovalCard,
    CardRef,
    VoteRequest,
    VoteResult,
)
from handlers.contracts.envelope import Actor, SlackId

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["cast_vote", "register"]

UNAVAILABLE = ":warning: I could not record your vote right now (the task engine did not answer). Please click again."


class ButtonClick(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    team_id: SlackId
    user_id: SlackId
    approval_id: str
    trigger_id: str
    channel_id: str
    message_ts: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(team=self.team_id, user=self.user_id)

    @property
    def card(self) -> CardRef | None:
        """The card message clicked, when the button sits in a message (not in an ephemeral)."""
        return CardRef(channel=self.channel_id, ts=self.message_ts) if self.message_ts else None


def parse_click(body: dict[str, Any]) -> ButtonClick | None:
    try:
        container = body["container"]
        return ButtonClick(
            team_id=body["team"]["id"],
            user_id=body["user"]["id"],
            approval_id=body["actions"][0]["value"],
            trigger_id=body["trigger_id"],
            channel_id=container["channel_id"],
            message_ts=container.get("message_ts") if container.get("type") == "message" else None,
        )
    except (KeyError, IndexError, TypeError, AttributeError, ValidationError):
        return None


async def cast_vote(
    deps: BotDeps, approval_id: str, vote: VoteRequest, *, actor: Actor, nonce: str
) -> VoteResult | None:
    """The vote, signed as `actor`: the worker counts it for the envelope's actor, whatever `vote.voter` says;
    None when the task engine did not answer."""
    try:
        return await deps.launcher.vote(approval_id, vote, actor=actor, nonce=nonce)
    except Unanswered:
        return None


async def fetch_card(deps: BotDeps, approval_id: str, *, actor: Actor, nonce: str) -> ApprovalCard | None:
    """The card before a vote; None when there is none or the task engine did not answer."""
    try:
        return await deps.launcher.card(approval_id, actor=actor, nonce=nonce)
    except Unanswered:
        return None


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def approve(body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        click = parse_click(body)
        if click is None:
            return
        card = await fetch_card(deps, click.approval_id, actor=click.actor, nonce=click.trigger_id)
        if card is not None and card.confirm and card.status.value == "pending":
            await client.views_open(trigger_id=click.trigger_id, view=confirm_modal(card, click.channel_id))
            return
        vote = VoteRequest(voter=click.user_id, approve=True, card=click.card)
        result = await cast_vote(deps, click.approval_id, vote, actor=click.actor, nonce=click.trigger_id)
        await respond(response_type="ephemeral", replace_original=False, text=result.message if result else UNAVAILABLE)

    async def reject(body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        click = parse_click(body)
        if click is None:
            return
        card = await fetch_card(deps, click.approval_id, actor=click.actor, nonce=click.trigger_id)
        if card is None or card.status.value != "pending":
            vote = VoteRequest(voter=click.user_id, approve=False, card=click.card)
            result = await cast_vote(deps, click.approval_id, vote, actor=click.actor, nonce=click.trigger_id)
            await respond(
                response_type="ephemeral", replace_original=False, text=result.message if result else UNAVAILABLE
            )
            return
        await client.views_open(trigger_id=click.trigger_id, view=reject_modal(card, click.channel_id))

    app.action(APPROVE_ACTION)(ack=ack_now, lazy=[approve])
    app.action(REJECT_ACTION)(ack=ack_now, lazy=[reject])
