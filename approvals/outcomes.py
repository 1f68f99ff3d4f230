"""Who says whether an action happened when its outcome is unknown, and who may say what.

An effect that may not be repeated (not idempotent) and was interrupted, timed out after sending, or whose tool
says it cannot tell, may or may not have happened. A person who may decide that very action settles it: the
approvers of its approval (the requester for an action that ran without one, medium or low), one answer each
way, under the requester rules of approvals. The answers that let an agent act again ("it did not happen", "run
it again") are like approving it: never the requester's own for a high or critical action. "It happened" lets
nothing run, so a requester may give it, as they may withdraw a request.

Pure: the Approval object journals, the executor asks (`handlers.effects`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from approvals.authz import Refusal, UserGroupDirectory, may_vote
from approvals.fields import mentions
from approvals.people import Person
from approvals.risk import Decision
from approvals.rules import ApprovalPolicy
from approvals.tiers import Handling, Tier

__all__ = ["OutcomeAnswer", "may_answer", "outcome_question"]

OutcomeAnswer = Literal["happened", "not_happened", "rerun"]


def outcome_question(decision: Decision | None, *, requester: str, policy: ApprovalPolicy) -> Decision:
    """The decision an outcome question is opened with: the action's tier, its approvers and timers when it needed
    approval, else the requester and the policy's timers for high; one answer settles it; no typed confirmation."""
    settled = {"quorum": 1, "confirm": False, "blocked": False, "block_reason": None}
    if decision is not None and decision.tier.needs_approval:
        return decision.model_copy(update=settled)
    expiry = int(policy.expiry_for(Tier.HIGH).total_seconds())
    before = math.ceil(round(expiry * policy.reminder_before, 6))
    timers = {
        "approvers": [requester],
        "expiry_seconds": expiry,
        "reminder_seconds": before if 0 < before < expiry else None,
        "escalate_to": policy.escalate_to,
    }
    if decision is None:  # a call the gate never cleared (it cannot run): asked as a medium action would be
        decision = Decision(
            tier=Tier.MEDIUM,
            handling=Handling.RUN_AND_LOG,
            rules=[],
            reasons=[],
            reversible=False,
            approvers=[],
            quorum=0,
            expiry_seconds=0,
            reminder_seconds=None,
            escalate_to=None,
            confirm=False,
            blocked=False,
            block_reason=None,
            rule_hash="",
        )
    return decision.model_copy(update={**settled, **timers})


def may_answer(
    voter: Person,
    answer: OutcomeAnswer,
    *,
    requester: Person,
    tier: Tier,
    approvers: Sequence[str],
    directory: UserGroupDirectory,
    home: str,
    co_requesters: Sequence[Person] = (),
) -> Refusal | None:
    """None when `voter` may give `answer` to the outcome question of an action of `tier` (see the docstring)."""
    lets_it_act = answer != "happened"
    requesters = {requester, *co_requesters}
    if tier.needs_approval:
        refusal = may_vote(
            voter,
            requester=requester,
            tier=tier,
            approvers=approvers,
            directory=directory,
            home=home,
            rejecting=not lets_it_act,
            co_requesters=co_requesters,
        )
        if refusal is not None and voter in requesters:
            return Refusal(reason="you requested this action, so someone else must say it did not happen")
        return refusal
    if voter in requesters:
        return None
    return Refusal(reason=f"this question is for whoever asked for the action ({mentions([requester.user])})")
