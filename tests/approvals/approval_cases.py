"""Approvals and clicks for the state machine's tests, and `follow`: the shell's chain of continuations, pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from approvals import Decision, Handling, ProposedAction, Tier
from approvals import approval_machine as machine
from approvals.approval_state import (
    Approval,
    Audit,
    Card,
    CastVote,
    CheckAnswerer,
    CheckApprovers,
    CheckVoter,
    Effect,
    PostCards,
    Reply,
    Settle,
    Then,
    Transition,
)
from testkit.fakes import StaticDirectory

REQUESTER, BOB, CAROL, DAVE, MALLORY = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0MALLORY"
ONCALL = "S0ONCALL"
TEAM = "T0OPS"
THREAD = Card("C0OPS", "1.0")
NOW = 1_767_225_700.0


def groups(known: dict[str, frozenset[str]] | None = None) -> StaticDirectory:
    """User groups known from the start (on-call: Carol and Dave); a group not listed is still being looked up."""
    return StaticDirectory({ONCALL: {CAROL, DAVE}} if known is None else known)


def decision(tier: Tier = Tier.HIGH, **changes: object) -> Decision:
    base = Decision(
        tier=tier,
        handling=Handling.for_tier(tier),
        rules=["restart"],
        reasons=["Matches rule `restart`."],
        reversible=False,
        approvers=[BOB, ONCALL],
        quorum=2 if tier is Tier.CRITICAL else 1,
        expiry_seconds=3600,
        reminder_seconds=600,
        escalate_to=None,
        confirm=tier is Tier.CRITICAL,
        blocked=False,
        block_reason=None,
        rule_hash="r" * 64,
    )
    return base.model_copy(update=changes)


def approval(tier: Tier = Tier.HIGH, *, cards: Sequence[Card] = (THREAD,), **changes: object) -> Approval:
    """An approval whose card is up (`cards`), pending, in workspace `TEAM`."""
    opened = Approval(
        approval_id="a-1",
        requester=REQUESTER,
        channel="C0OPS",
        thread_ts="1.0",
        action=ProposedAction(tool="restart", arguments={"service": "api"}, target="api@prod"),
        action_hash="h" * 64,
        decision=decision(tier),
        team_id=TEAM,
        cards=tuple(cards),
    )
    return replace(opened, **changes)


def question(tier: Tier = Tier.HIGH, **changes: object) -> Approval:
    """An outcome question about an action of `tier` (asked of its approvers, or of the requester below high)."""
    asked = decision(tier).model_copy(update={"quorum": 1, "confirm": False})
    if not tier.needs_approval:
        asked = asked.model_copy(update={"approvers": [REQUESTER]})
    return replace(approval(tier, kind="outcome", decision=asked), **changes)


@dataclass
class Followed:
    """What a chain of transitions did: every effect and continuation in journal order, the end state, the reply."""

    steps: list[Effect | Then] = field(default_factory=list)
    approval: Approval | None = None
    reply: Reply | None = None

    def audits(self) -> list[Audit]:
        return [step for step in self.steps if isinstance(step, Audit)]


def follow(
    transition: Transition,
    *,
    now: float = NOW,
    directory: StaticDirectory | None = None,
    posted: Sequence[Card] = (THREAD,),
    invocation: str = "inv-1",
) -> Followed:
    """Follow the continuations as the shell does, with `now` for the time and `directory` for who is who."""
    directory = directory or groups()
    followed = Followed()
    while True:
        followed.steps += transition.effects
        followed.approval, followed.reply = transition.approval, transition.reply
        then, current = transition.then, transition.approval
        if then is None:
            return followed
        assert current is not None
        followed.steps.append(then)
        match then:
            case PostCards():
                transition = machine.posted(current, posted)
            case CheckApprovers():
                transition = machine.checked(current, machine.unsatisfiable(current, directory))
            case CheckVoter(ballot=ballot):
                refusal = machine.voter_refusal(current, ballot, directory)
                transition = machine.judge_vote(current, ballot, refusal, invocation)
            case CheckAnswerer(answer=given):
                refusal = machine.answerer_refusal(current, given, directory)
                transition = machine.judge_answer(current, given, refusal, invocation)
            case CastVote(ballot=ballot):
                transition = machine.cast_vote(current, ballot, now)
            case Settle():
                transition = machine.settle(current, then, now)
