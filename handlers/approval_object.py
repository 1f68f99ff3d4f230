"""The Approval virtual object: the one state machine of one approval, keyed by approval id.

Restate runs the exclusive handlers of one key one at a time, so concurrent clicks serialize here and the first
decisive vote wins. The object owns its timers (reminder, expiry) as delayed calls to itself; each timer checks
the state and does nothing once the approval is decided, which makes them idempotent. It resolves the waiting
task's awakeable exactly once, with approved, rejected, expired or cancelled.

An outcome question (kind `outcome`: did an action whose outcome is unknown happen?) is the same machine: the
first eligible answer (`answer`, `approvals.outcomes.may_answer`) ends it with happened, not_happened or rerun,
audited as `resolved`; it expires, is reminded and cancelled like an approval.

The rules live in `approvals.approval_machine`, pure; this object loads the state, hands each click or timer to
the machine and journals the effects it returns, in order: state, audit, Slack posts, timers, the wake-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import restate
from pydantic import BaseModel, ConfigDict, Field
from restate import ObjectContext, ObjectSharedContext

from approvals import CachedUserGroups, approval_state
from approvals import approval_machine as machine
from approvals.approval_state import (
    Answer,
    Approval,
    Audit,
    Ballot,
    Card,
    CastVote,
    CheckAnswerer,
    CheckApprovers,
    CheckVoter,
    PostCards,
    PostInThread,
    RefreshCards,
    Reply,
    Save,
    Schedule,
    Settle,
    Status,
    Transition,
    WakeUp,
)
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
from handlers.deps import AuditWriter
from handlers.steps import SLACK_RETRY, slack_step
from handlers.verified import Verifier, verified_actor

__all__ = ["ApprovalDeps", "ApprovalNotifier", "ApprovalState", "build_approval_object"]

STATE = "approval"
_TIMERS = {"remind": APPROVAL_REMIND, "expire": APPROVAL_EXPIRE}
_POSTS = {"reminder": "slack: reminder", "escalation": "slack: escalate"}


class ApprovalNotifier(Protocol):
    async def post_card(self, channel: str, thread_ts: str | None, card: ApprovalCard) -> CardRef: ...

    async def update_card(self, ref: CardRef, card: ApprovalCard) -> None: ...

    async def post_in_thread(self, channel: str, thread_ts: str, text: str) -> None: ...


@dataclass(frozen=True)
class ApprovalDeps:
    notifier: ApprovalNotifier
    directory: CachedUserGroups
    audit: AuditWriter
    verifier: Verifier
    """Verifies the bot's envelope on votes and card reads: the voter is the envelope's actor."""
    approvers_channel: str | None = None
    home_team: str | None = None
    """The workspace whose people the policy's bare ids name (`approvals.people`), and that of an approval stored
    before approvals recorded theirs (`team_id` None), so only its people may decide it after the upgrade. None
    (one workspace: the settings refuse several without a home team) means the approval's own workspace."""


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
        return self.approval().what()

    def approval(self, home_team: str | None = None) -> Approval:
        """This state as the machine sees it; one stored without a team belongs to `home_team`, which is also the
        workspace of the bare ids the policy names (`approvals.people`)."""
        request = self.request
        return Approval(
            approval_id=request.approval_id,
            requester=request.requester,
            channel=request.channel,
            thread_ts=request.thread_ts,
            action=request.action,
            action_hash=request.action_hash,
            decision=request.decision,
            co_requesters=tuple(request.co_requesters),
            team_id=request.team_id or home_team,
            home_team=home_team,
            ping_groups=request.ping_groups,
            kind=request.kind,
            rerun=request.rerun,
            status=Status(self.status.value),
            votes=tuple(approval_state.Vote(v.voter, v.approve, v.reason, v.at) for v in self.votes),
            decided_by=tuple(self.decided_by),
            decided_at=self.decided_at,
            reason=self.reason,
            cards=tuple(Card(ref.channel, ref.ts) for ref in self.cards),
        )

    @classmethod
    def of(cls, request: ApprovalRequest, approval: Approval) -> ApprovalState:
        """The stored state of what the machine returned (`request` holds what the machine does not see)."""
        return cls(
            request=request,
            status=ApprovalStatus(approval.status.value),
            votes=[Vote(voter=v.voter, approve=v.approve, reason=v.reason, at=v.at) for v in approval.votes],
            decided_by=list(approval.decided_by),
            decided_at=approval.decided_at,
            reason=approval.reason,
            cards=[CardRef(channel=card.channel, ts=card.ts) for card in approval.cards],
        )


def build_approval_object(deps: ApprovalDeps) -> restate.VirtualObject:
    approval = restate.VirtualObject(APPROVAL_OBJECT)

    def notifier(request: ApprovalRequest) -> ApprovalNotifier:
        """The bot of the task's workspace posts every card and reminder (the approvers' channel included)."""
        return in_workspace(deps.notifier, request.team_id)

    async def load(ctx: ObjectContext | ObjectSharedContext) -> ApprovalState | None:
        return await ctx.get(STATE, type_hint=ApprovalState)

    async def audit(ctx: ObjectContext, request: ApprovalRequest, entry: Audit) -> None:
        async def write() -> None:
            detail = {"approval_id": request.approval_id, **entry.detail}
            await asyncio.to_thread(deps.audit, request.task_id, entry.event, entry.key, entry.actor, detail)

        await ctx.run_typed(f"audit: {entry.event}", write, SLACK_RETRY.options())

    async def authorized(ctx: ObjectContext, name: str, approval: Approval, rule: Callable[[], str]) -> str:
        """A rule that reads the user-group directory, run in a journaled step with the groups refreshed."""

        async def check() -> str:
            for group in approval.decision.approvers:
                if group.startswith("S") and deps.directory.members(group) is None:
                    await deps.directory.refresh(group)
            return rule()

        return await ctx.run_typed(name, check, SLACK_RETRY.options(str))

    async def post_cards(ctx: ObjectContext, state: ApprovalState, also_to: str | None) -> list[Card]:
        request = state.request
        post = notifier(request).post_card
        refs = [
            await slack_step(
                ctx, "slack: post card", post, request.channel, request.thread_ts, state.card(), type_hint=CardRef
            )
        ]
        if also_to:
            refs.append(
                await slack_step(
                    ctx, "slack: post card to approvers", post, also_to, None, state.card(), type_hint=CardRef
                )
            )
        return [Card(ref.channel, ref.ts) for ref in refs]

    async def perform(ctx: ObjectContext, state: ApprovalState, step: Transition) -> Reply | None:
        """Journal the transition's effects in order, then follow its continuation; the last one answers.
        `state` is the state saved last: cards, wake-ups and posts show it."""
        request = state.request
        for effect in step.effects:
            match effect:
                case Save(approval=saved):
                    state = ApprovalState.of(request, saved)
                    ctx.set(STATE, state)
                case WakeUp():
                    ctx.resolve_awakeable(request.awakeable_id, state.wake_up())
                case Audit():
                    await audit(ctx, request, effect)
                case RefreshCards():
                    for n, ref in enumerate(state.cards):
                        await slack_step(
                            ctx, f"slack: update card {n}", notifier(request).update_card, ref, state.card()
                        )
                case PostInThread(purpose=purpose, text=text):
                    post = notifier(request).post_in_thread
                    await slack_step(ctx, _POSTS[purpose], post, request.channel, request.thread_ts, text)
                case Schedule(timer=timer, delay_seconds=delay):
                    ctx.generic_send(
                        APPROVAL_OBJECT,
                        _TIMERS[timer],
                        b"null",
                        key=request.approval_id,
                        send_delay=timedelta(seconds=delay),
                    )
        if step.then is None:
            return step.reply
        current = step.approval
        if current is None:
            raise ValueError("a continuation needs an approval")
        match step.then:
            case PostCards(also_to=also_to):
                following = machine.posted(current, await post_cards(ctx, state, also_to))
            case CheckApprovers():
                impossible = await authorized(
                    ctx, "authz: satisfiable", current, lambda: machine.unsatisfiable(current, deps.directory)
                )
                following = machine.checked(current, impossible)
            case CheckVoter(ballot=ballot):
                refusal = await authorized(
                    ctx,
                    f"authz: {ballot.voter}",
                    current,
                    lambda: machine.voter_refusal(current, ballot, deps.directory),
                )
                following = machine.judge_vote(current, ballot, refusal, ctx.request().id)
            case CheckAnswerer(answer=given):
                refusal = await authorized(
                    ctx,
                    f"authz: {given.voter}",
                    current,
                    lambda: machine.answerer_refusal(current, given, deps.directory),
                )
                following = machine.judge_answer(current, given, refusal, ctx.request().id)
            case CastVote(ballot=ballot):
                following = machine.cast_vote(current, ballot, await ctx.time())
            case Settle():
                following = machine.settle(current, step.then, await ctx.time())
        return await perform(ctx, state, following)

    def result(reply: Reply | None) -> VoteResult:
        if reply is None:
            raise ValueError("a click was not answered")
        return VoteResult(accepted=reply.accepted, message=reply.message, status=ApprovalStatus(reply.status.value))

    @approval.handler(name=APPROVAL_OPEN, ingress_private=True)
    async def open_(ctx: ObjectContext, request: ApprovalRequest) -> None:
        existing = await load(ctx)
        fresh = ApprovalState(request=request)
        step = machine.open_approval(
            existing.approval() if existing else None, fresh.approval(), approvers_channel=deps.approvers_channel
        )
        await perform(ctx, existing or fresh, step)

    @approval.handler(name=APPROVAL_VOTE)
    async def vote(ctx: ObjectContext, request: VoteRequest) -> VoteResult:
        verdict = await verified_actor(ctx, deps.verifier, APPROVAL_OBJECT, APPROVAL_VOTE, ctx.key())
        assert verdict.actor is not None
        ballot = Ballot(  # the envelope's voter, never the body's
            voter=verdict.actor.user,
            team=verdict.actor.team,
            approve=request.approve,
            reason=request.reason,
            confirmation=request.confirmation,
            card=_card(request.card),
        )
        state = await load(ctx)
        step = machine.vote(state.approval(deps.home_team) if state else None, ballot)
        return result(await perform(ctx, state, step) if state else step.reply)

    @approval.handler(name=APPROVAL_ANSWER)
    async def answer(ctx: ObjectContext, request: AnswerRequest) -> VoteResult:
        verdict = await verified_actor(ctx, deps.verifier, APPROVAL_OBJECT, APPROVAL_ANSWER, ctx.key())
        assert verdict.actor is not None
        given = Answer(  # the envelope's voter, never the body's
            voter=verdict.actor.user, team=verdict.actor.team, answer=request.answer, card=_card(request.card)
        )
        state = await load(ctx)
        step = machine.answer(state.approval(deps.home_team) if state else None, given)
        return result(await perform(ctx, state, step) if state else step.reply)

    @approval.handler(name=APPROVAL_REMIND, ingress_private=True)
    async def remind(ctx: ObjectContext) -> None:
        state = await load(ctx)
        if state is not None:
            await perform(ctx, state, machine.remind(state.approval(deps.home_team)))

    @approval.handler(name=APPROVAL_EXPIRE, ingress_private=True)
    async def expire(ctx: ObjectContext) -> None:
        state = await load(ctx)
        if state is not None:
            await perform(ctx, state, machine.expire(state.approval(deps.home_team)))

    @approval.handler(name=APPROVAL_CANCEL, ingress_private=True)
    async def cancel(ctx: ObjectContext, by: str) -> bool:
        state = await load(ctx)
        step = machine.cancel(state.approval(deps.home_team) if state else None, by)
        reply = await perform(ctx, state, step) if state else step.reply
        return reply is not None and reply.accepted

    @approval.handler(name=APPROVAL_VOID, ingress_private=True)
    async def void(ctx: ObjectContext, reason: str) -> None:
        """The gate found the action or its rule changed after approval: record it, and say so on the card."""
        state = await load(ctx)
        if state is not None:
            await perform(ctx, state, machine.void(state.approval(deps.home_team), reason))

    @approval.handler(name=APPROVAL_GET, kind="shared")
    async def get(ctx: ObjectSharedContext) -> ApprovalCard | None:
        verdict = await verified_actor(ctx, deps.verifier, APPROVAL_OBJECT, APPROVAL_GET, ctx.key())
        state = await load(ctx)
        viewer = verdict.actor.team if verdict.actor else None
        return state.card() if state and machine.visible_to(state.approval(deps.home_team), viewer) else None

    @approval.handler(name=APPROVAL_OUTCOME, kind="shared", ingress_private=True)
    async def outcome(ctx: ObjectSharedContext) -> ApprovalOutcome | None:
        state = await load(ctx)
        return state.outcome() if state else None

    @approval.handler(name=APPROVAL_REWAIT, ingress_private=True)
    async def rewait(ctx: ObjectContext, awakeable_id: str) -> None:
        """The gate was woken by someone else than this object and waits again on a new awakeable: resolve that
        one when the decision comes (at once if it came already)."""
        state = await load(ctx)
        if state is not None:
            state = state.model_copy(
                update={"request": state.request.model_copy(update={"awakeable_id": awakeable_id})}
            )
            await perform(ctx, state, machine.rewait(state.approval(deps.home_team)))

    return approval


def _card(ref: CardRef | None) -> Card | None:
    return Card(ref.channel, ref.ts) if ref else None
