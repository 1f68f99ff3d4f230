"""*It happened* / *It did not happen* / *Run it again* on an outcome question's card.

Like a vote: the ack goes out at once, and the answer is sent afterwards (a lazy listener), signed as the person
who clicked (the worker reads who answered from the bot's envelope, never from the body). Whether they may
answer is the Approval object's decision (`approvals.outcomes.may_answer`); the clicker gets an ephemeral reply,
and the worker edits the card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from approvals.outcomes import OutcomeAnswer
from bot.cards import OUTCOME_HAPPENED_ACTION, OUTCOME_NOT_HAPPENED_ACTION, OUTCOME_RERUN_ACTION
from bot.launcher import Unanswered
from bot.listeners.actions.approvals import parse_click
from handlers.contracts import AnswerRequest, VoteResult
from handlers.contracts.envelope import Actor

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register", "send_answer"]

UNAVAILABLE = ":warning: I could not record your answer right now (the task engine did not answer). Please click again."


async def send_answer(
    deps: BotDeps, question_id: str, answer: AnswerRequest, *, actor: Actor, nonce: str
) -> VoteResult | None:
    """The answer, signed as `actor`: the worker counts it for the envelope's actor; None when the task engine
    did not answer."""
    try:
        return await deps.launcher.answer(question_id, answer, actor=actor, nonce=nonce)
    except Unanswered:
        return None


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def answered(body: dict[str, Any], respond: AsyncRespond, answer: OutcomeAnswer) -> None:
        click = parse_click(body)
        if click is None:
            return
        request = AnswerRequest(answer=answer, card=click.card)
        result = await send_answer(deps, click.approval_id, request, actor=click.actor, nonce=click.trigger_id)
        await respond(response_type="ephemeral", replace_original=False, text=result.message if result else UNAVAILABLE)

    async def happened(body: dict[str, Any], respond: AsyncRespond) -> None:
        await answered(body, respond, "happened")

    async def not_happened(body: dict[str, Any], respond: AsyncRespond) -> None:
        await answered(body, respond, "not_happened")

    async def rerun(body: dict[str, Any], respond: AsyncRespond) -> None:
        await answered(body, respond, "rerun")

    app.action(OUTCOME_HAPPENED_ACTION)(ack=ack_now, lazy=[happened])
    app.action(OUTCOME_NOT_HAPPENED_ACTION)(ack=ack_now, lazy=[not_happened])
    app.action(OUTCOME_RERUN_ACTION)(ack=ack_now, lazy=[rerun])
