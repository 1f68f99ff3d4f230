"""The Approval virtual object: the one state machine of one approval, keyed by approval id.

Restate runs the exclusive handlers of one key one at a time, so concurrent clicks serialize here and the first
decisive vote wins. The object owns its timers (reminder, expiry) as delayed calls to itself; each timer checks
the state and does nothing once the approval is decided, which makes them idempotent. It resolves the waiting
task's awakeable exactly once, with approved, rejected, expired or cancelled.

An outcome question (kind `outcome`: did an action whose outcome is unknown happen?) is the same machine: the
first eligible answer (`answer`, `approvals.outcomes.may_answer`) ends it with happened, not_happened or rerun,
audited as `resolved`; it expires, is reminded and cancelled like an approval.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import restate
from pydantic import BaseModel, ConfigDict, Field
from restate import ObjectContext, ObjectSharedContext

from agents.slack_text import approver_mention, inline_code
from approvals import CachedUserGroups, eligible_approvers, may_vote, unsatisfiable_reason
from approvals.outcomes import may_answer
from handlers.contracts import (
    APPROVAL_ANSWER,
    APPROVAL_CANCEL,
    APPROVAL_EXPIRE,
    APPROVAL_GET,
    APPROVAL_OBJECT,
    APPROVAL_OPEN,
    APPROVAL_OUTCOME,
    APPROVAL_REMIND,
    APPROVAL_REWAIT,
    APPROVAL_VOID,
    APPROVAL_VOTE,
    AnswerRequest,
    ApprovalCard,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    CardRef,
    Vote,
    VoteRequest,
    VoteResult,
    in_workspace,
)
from handlers.contracts.envelope import Keyring
from handlers.deps import AuditWriter
from handlers.steps import SLACK_RETRY, slack_step
from handlers.verified import verified_actor

__all__ = ["ApprovalDeps", "ApprovalNotifier", "ApprovalState", "build_approval_object"]

STATE = "approval"
ANSWERS = frozenset({ApprovalStatus.HAPPENED, ApprovalStatus.NOT_HAPPENED, ApprovalStatus.RERUN})
_ANSWERED = {
    ApprovalStatus.HAPPENED: "Recorded: it happened. The agent will be told it ran.",
    ApprovalStatus.NOT_HAPPENED: "Recorded: it did not happen. The agent will be told, and may try once more.",
    ApprovalStatus.RERUN: "Recorded: run it again. The agent will be told.",
}


class ApprovalNotifier(Protocol):
    async def post_card(self, channel: str, thread_ts: str | None, card: ApprovalCard) -> CardRef: ...

    async def update_card(self, ref: CardRef, card: ApprovalCard) -> None: ...

    async def post_in_thread(self, channel: str, thread_ts: str, text: str) -> None: ...


@dataclass(frozen=True)
class ApprovalDeps:
    notifier: ApprovalNotifier
    directory: CachedUserGroups
    audit: AuditWriter
    keyring: Keyring
    """Verifies the bot's envelope on votes and card reads: the voter is the envelope's actor."""
    approvers_channel: str | None = None


class ApprovalState(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: ApprovalRequest
    status: ApprovalStatus = ApprovalStatus.PENDING
    votes: list[Vote] = Field(default_factory=list)
    decided_by: list[str] = Field(default_factory=list)
    decided_at: float | None = None
    reason: str = ""
    cards: list[CardRef] = Field(default_factory=list)

    def outcome(self) -> ApprovalOutcome:
        return ApprovalOutcome(
            status=self.status, decided_by=self.decided_by, reason=self.reason, action_hash=self.request.action_hash
        )

    def wake_up(self) -> dict[str, object]:
        """What resolves the waiting task's awakeable. The gate reads the decision from `outcome`, never from this;
        it keeps the shape tasks of earlier versions (pinned to their deployment, still waiting across an
        upgrade) parse as their decision, without the newer fields they would refuse."""
        return self.outcome().model_dump(mode="json", exclude={"action_hash"})

    def card(self) -> ApprovalCard:
        request, decision = self.request, self.request.decision
        return ApprovalCard(
            approval_id=request.approval_id,
            task_id=request.task_id,
            tier=decision.tier,
            tool=request.action.tool,
            arguments=request.action.arguments,
            target=request.action.target,
            rationale=request.action.rationale,
            confidence=request.action.confidence,
            reversible=decision.reversible,
            reasons=list(decision.reasons),
            preview=request.preview,
            requester=request.requester,
            approvers=list(decision.approvers),
            quorum=decision.quorum,
            confirm=decision.confirm,
            expires_at=request.opened_at + decision.expiry_seconds,
            votes=list(self.votes),
            status=self.status,
            decided_by=list(self.decided_by),
            decided_at=self.decided_at,
            reason=self.reason,
            masked=dict(request.masked),
            ping_groups=request.ping_groups,
            kind=request.kind,
            rerun=request.rerun,
            uncertainty=request.uncertainty,
        )

    def what(self) -> str:
        """The approval, named in a reminder or an escalation."""
        tool = inline_code(self.request.action.tool, 80)
        return f"the question whether {tool} happened" if self.request.kind == "outcome" else f"the approval for {tool}"


def build_approval_object(deps: ApprovalDeps) -> restate.VirtualObject:
    approval = restate.VirtualObject(APPROVAL_OBJECT)

    def notifier(state: ApprovalState) -> ApprovalNotifier:
        """The bot of the task's workspace posts every card and reminder (the approvers' channel included)."""
        return in_workspace(deps.notifier, state.request.team_id)

    async def load(ctx: ObjectContext | ObjectSharedContext) -> ApprovalState | None:
        return await ctx.get(STATE, type_hint=ApprovalState)

    async def audit(
        ctx: ObjectContext, state: ApprovalState, event: str, key: str, actor: str | None, **detail: Any
    ) -> None:
        async def write() -> None:
            await asyncio.to_thread(
                deps.audit,
                state.request.task_id,
                event,
                key,
                actor,
                {"approval_id": state.request.approval_id, **detail},
            )

        await ctx.run_typed(f"audit: {event}", write, SLACK_RETRY.options())

    async def refresh_groups(approvers: list[str]) -> None:
        for group in approvers:
            if group.startswith("S") and deps.directory.members(group) is None:
                await deps.directory.refresh(group)

    async def refresh_cards(ctx: ObjectContext, state: ApprovalState) -> None:
        for n, ref in enumerate(state.cards):
            await slack_step(ctx, f"slack: update card {n}", notifier(state).update_card, ref, state.card())

    async def finish(
        ctx: ObjectContext, state: ApprovalState, status: ApprovalStatus, by: list[str], reason: str
    ) -> ApprovalState:
        now = await ctx.time()
        state = state.model_copy(update={"status": status, "decided_by": by, "decided_at": now, "reason": reason})
        ctx.set(STATE, state)
        ctx.resolve_awakeable(state.request.awakeable_id, state.wake_up())
        event = "resolved" if status in ANSWERS else status.value  # the audit's word for a settled outcome
        extra = {"answer": status.value} if status in ANSWERS else {}
        await audit(
            ctx,
            state,
            event,
            f"{state.request.approval_id}:{event}",
            by[0] if by else "opsgate",
            reason=reason,
            **extra,
        )
        await refresh_cards(ctx, state)
        return state

    @approval.handler(name=APPROVAL_OPEN, ingress_private=True)
    async def open_(ctx: ObjectContext, request: ApprovalRequest) -> None:
        if await load(ctx) is not None:
            return  # a replayed or duplicate open: the first one stands
        state = ApprovalState(request=request)
        ctx.set(STATE, state)
        await audit(
            ctx,
            state,
            "requested",
            f"{request.approval_id}:requested",
            request.requester,
            tool=request.action.tool,
            target=request.action.target,
            tier=request.decision.tier.value,
            action_hash=request.action_hash,
            rule_hash=request.decision.rule_hash,
            approvers=list(request.decision.approvers),
            requester=request.requester,
            channel=request.channel,
            thread_ts=request.thread_ts,
            **({"kind": "outcome"} if request.kind == "outcome" else {}),
        )
        cards = [
            await slack_step(
                ctx,
                "slack: post card",
                notifier(state).post_card,
                request.channel,
                request.thread_ts,
                state.card(),
                type_hint=CardRef,
            )
        ]
        if deps.approvers_channel and deps.approvers_channel != request.channel:
            cards.append(
                await slack_step(
                    ctx,
                    "slack: post card to approvers",
                    notifier(state).post_card,
                    deps.approvers_channel,
                    None,
                    state.card(),
                    type_hint=CardRef,
                )
            )
        state = state.model_copy(update={"cards": cards})
        ctx.set(STATE, state)
        decision = request.decision

        async def check_satisfiable() -> str:
            await refresh_groups(decision.approvers)
            eligible = eligible_approvers(list(decision.approvers), deps.directory)
            return unsatisfiable_reason(decision, request.requester, eligible, request.co_requesters) or ""

        # An outcome question can always be answered "it happened" (by the requester too): it waits for its expiry.
        impossible = (
            ""
            if request.kind == "outcome"
            else await ctx.run_typed("authz: satisfiable", check_satisfiable, SLACK_RETRY.options(str))
        )
        if impossible:
            await finish(ctx, state, ApprovalStatus.REJECTED, [], f"This approval cannot be given: {impossible}")
            return
        if decision.reminder_seconds and decision.reminder_seconds < decision.expiry_seconds:
            ctx.generic_send(
                APPROVAL_OBJECT,
                APPROVAL_REMIND,
                b"null",
                key=request.approval_id,
                send_delay=timedelta(seconds=decision.expiry_seconds - decision.reminder_seconds),
            )
        ctx.generic_send(
            APPROVAL_OBJECT,
            APPROVAL_EXPIRE,
            b"null",
            key=request.approval_id,
            send_delay=timedelta(seconds=decision.expiry_seconds),
        )

    async def adopt(ctx: ObjectContext, state: ApprovalState, card: CardRef | None) -> ApprovalState:
        """A clicked card the state does not list is a second copy: a worker killed while Slack was posting the
        card, after Slack had posted it, posts it again on replay (chat.postMessage takes no idempotency key).
        From the first click on it, that copy is edited with the others, so none stays pending for ever."""
        known_channels = {ref.channel for ref in state.cards}
        if card is None or card in state.cards or card.channel not in known_channels:
            return state
        state = state.model_copy(update={"cards": [*state.cards, card]})
        ctx.set(STATE, state)
        if state.status.final:
            await refresh_cards(ctx, state)
        return state

    @approval.handler(name=APPROVAL_VOTE)
    async def vote(ctx: ObjectContext, request: VoteRequest) -> VoteResult:
        verdict = await verified_actor(ctx, deps.keyring, APPROVAL_OBJECT, APPROVAL_VOTE, ctx.key())
        assert verdict.actor is not None
        request = request.model_copy(update={"voter": verdict.actor.user})  # the envelope's, never the body's
        state = await load(ctx)
        if state is None:
            return VoteResult(
                accepted=False, message="This approval does not exist (any more).", status=ApprovalStatus.CANCELLED
            )
        state = await adopt(ctx, state, request.card)
        if state.status.final:
            who = ", ".join(f"<@{u}>" for u in state.decided_by) or "opsgate"
            return VoteResult(accepted=False, message=f"Already {state.status.value} by {who}.", status=state.status)
        if state.request.kind == "outcome":
            message = "This card asks whether an action happened: answer with its buttons."
            return VoteResult(accepted=False, message=message, status=state.status)
        decision = state.request.decision
        requester, co_requesters = state.request.requester, state.request.co_requesters

        async def check() -> str:
            await refresh_groups(decision.approvers)
            refusal = may_vote(
                request.voter,
                requester=requester,
                tier=decision.tier,
                approvers=list(decision.approvers),
                directory=deps.directory,
                rejecting=not request.approve,
                co_requesters=co_requesters,
            )
            return refusal.reason if refusal is not None else ""

        refusal = await ctx.run_typed(f"authz: {request.voter}", check, SLACK_RETRY.options(str))
        team = state.request.team_id
        if team and verdict.actor.team != team:
            refusal = "You are not in the workspace this approval belongs to."
        if not refusal and any(v.voter == request.voter for v in state.votes):
            refusal = "You already voted on this approval."
        if not refusal and request.approve and decision.confirm and not _confirmed(request, state):
            target = state.request.action.target or state.request.action.tool
            refusal = f"To approve, type the exact target name {inline_code(target, 200)} in the confirmation."
        if refusal:
            await audit(
                ctx,
                state,
                "refused",
                f"{state.request.approval_id}:refused:{ctx.request().id}",
                request.voter,
                reason=refusal,
            )
            return VoteResult(accepted=False, message=refusal, status=state.status)
        now = await ctx.time()
        state = state.model_copy(
            update={
                "votes": [
                    *state.votes,
                    Vote(voter=request.voter, approve=request.approve, reason=request.reason, at=now),
                ]
            }
        )
        ctx.set(STATE, state)
        await audit(
            ctx,
            state,
            "vote",
            f"{state.request.approval_id}:vote:{request.voter}",
            request.voter,
            approve=request.approve,
            reason=request.reason,
        )
        if not request.approve:
            state = await finish(ctx, state, ApprovalStatus.REJECTED, [request.voter], request.reason)
            return VoteResult(accepted=True, message="Rejected. The agent will be told why.", status=state.status)
        approvers = [v.voter for v in state.votes if v.approve]
        if len(approvers) >= decision.quorum:
            state = await finish(ctx, state, ApprovalStatus.APPROVED, approvers, "")
            return VoteResult(accepted=True, message="Approved. The action will run now.", status=state.status)
        await refresh_cards(ctx, state)
        missing = decision.quorum - len(approvers)
        return VoteResult(
            accepted=True, message=f"Vote recorded; {missing} more approval(s) needed.", status=state.status
        )

    @approval.handler(name=APPROVAL_ANSWER)
    async def answer(ctx: ObjectContext, request: AnswerRequest) -> VoteResult:
        verdict = await verified_actor(ctx, deps.keyring, APPROVAL_OBJECT, APPROVAL_ANSWER, ctx.key())
        assert verdict.actor is not None
        voter = verdict.actor.user  # the envelope's, never the body's
        state = await load(ctx)
        if state is None:
            return VoteResult(
                accepted=False, message="This question does not exist (any more).", status=ApprovalStatus.CANCELLED
            )
        state = await adopt(ctx, state, request.card)
        if state.request.kind != "outcome":
            message = "This card asks for an approval: answer with Approve or Reject."
            return VoteResult(accepted=False, message=message, status=state.status)
        if state.status.final:
            who = ", ".join(f"<@{u}>" for u in state.decided_by) or "opsgate"
            said = state.status.value.replace("_", " ")
            return VoteResult(accepted=False, message=f"Already answered ({said}) by {who}.", status=state.status)
        decision, asked = state.request.decision, state.request

        async def check() -> str:
            await refresh_groups(decision.approvers)
            refusal = may_answer(
                voter,
                request.answer,
                requester=asked.requester,
                tier=decision.tier,
                approvers=list(decision.approvers),
                directory=deps.directory,
                co_requesters=asked.co_requesters,
            )
            return refusal.reason if refusal is not None else ""

        refusal = await ctx.run_typed(f"authz: {voter}", check, SLACK_RETRY.options(str))
        if asked.team_id and verdict.actor.team != asked.team_id:
            refusal = "You are not in the workspace this question belongs to."
        if not refusal and request.answer == "rerun" and not asked.rerun:
            refusal = "Running it again is not offered for this action: it may not be safe to repeat."
        if refusal:
            key = f"{asked.approval_id}:refused:{ctx.request().id}"
            await audit(ctx, state, "refused", key, voter, reason=refusal, answer=request.answer)
            return VoteResult(accepted=False, message=refusal, status=state.status)
        status = ApprovalStatus(request.answer)
        state = await finish(ctx, state, status, [voter], "")
        return VoteResult(accepted=True, message=_ANSWERED[status], status=state.status)

    @approval.handler(name=APPROVAL_REMIND, ingress_private=True)
    async def remind(ctx: ObjectContext) -> None:
        state = await load(ctx)
        if state is None or state.status.final:
            return
        ping = state.request.ping_groups
        names = " ".join(approver_mention(a, ping_groups=ping) for a in state.request.decision.approvers) or "approvers"
        text = f":alarm_clock: {names}: {state.what()} expires soon."
        await slack_step(
            ctx, "slack: reminder", notifier(state).post_in_thread, state.request.channel, state.request.thread_ts, text
        )
        await audit(ctx, state, "reminded", f"{state.request.approval_id}:reminded", "opsgate")

    @approval.handler(name=APPROVAL_EXPIRE, ingress_private=True)
    async def expire(ctx: ObjectContext) -> None:
        state = await load(ctx)
        if state is None or state.status.final:
            return
        state = await finish(ctx, state, ApprovalStatus.EXPIRED, [], "nobody decided in time")
        target = state.request.decision.escalate_to
        if target:
            who = approver_mention(target, ping_groups=state.request.ping_groups)
            text = f":rotating_light: {who}: {state.what()} expired undecided."
            await slack_step(
                ctx,
                "slack: escalate",
                notifier(state).post_in_thread,
                state.request.channel,
                state.request.thread_ts,
                text,
            )
            await audit(ctx, state, "escalated", f"{state.request.approval_id}:escalated", "opsgate", to=target)

    @approval.handler(name=APPROVAL_CANCEL, ingress_private=True)
    async def cancel(ctx: ObjectContext, by: str) -> bool:
        state = await load(ctx)
        if state is None or state.status.final:
            return False
        await finish(ctx, state, ApprovalStatus.CANCELLED, [by], "cancelled")
        return True

    @approval.handler(name=APPROVAL_VOID, ingress_private=True)
    async def void(ctx: ObjectContext, reason: str) -> None:
        """The gate found the action or its rule changed after approval: record it, and say so on the card."""
        state = await load(ctx)
        if state is None or state.status is not ApprovalStatus.APPROVED:
            return
        state = state.model_copy(update={"status": ApprovalStatus.VOIDED, "reason": reason})
        ctx.set(STATE, state)
        await audit(ctx, state, "voided", f"{state.request.approval_id}:voided", "opsgate", reason=reason)
        await refresh_cards(ctx, state)

    @approval.handler(name=APPROVAL_GET, kind="shared")
    async def get(ctx: ObjectSharedContext) -> ApprovalCard | None:
        verdict = await verified_actor(ctx, deps.keyring, APPROVAL_OBJECT, APPROVAL_GET, ctx.key())
        state = await load(ctx)
        if state is None or (state.request.team_id and verdict.actor and verdict.actor.team != state.request.team_id):
            return None
        return state.card()

    @approval.handler(name=APPROVAL_OUTCOME, kind="shared", ingress_private=True)
    async def outcome(ctx: ObjectSharedContext) -> ApprovalOutcome | None:
        state = await load(ctx)
        return state.outcome() if state else None

    @approval.handler(name=APPROVAL_REWAIT, ingress_private=True)
    async def rewait(ctx: ObjectContext, awakeable_id: str) -> None:
        """The gate was woken by someone else than this object and waits again on a new awakeable: resolve that
        one when the decision comes (at once if it came already)."""
        state = await load(ctx)
        if state is None:
            return
        state = state.model_copy(update={"request": state.request.model_copy(update={"awakeable_id": awakeable_id})})
        ctx.set(STATE, state)
        if state.status.final:
            ctx.resolve_awakeable(awakeable_id, state.wake_up())

    return approval


def _confirmed(request: VoteRequest, state: ApprovalState) -> bool:
    expected = state.request.action.target or state.request.action.tool
    return (request.confirmation or "").strip() == expected
