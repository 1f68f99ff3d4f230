"""Who is asked whether an action with an unknown outcome happened, and who may say what (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import ApprovalPolicy, Decision, Handling, Tier
from approvals.authz import Refusal
from approvals.outcomes import OutcomeAnswer, may_answer, outcome_question
from approvals.people import Person
from testkit.fakes import StaticDirectory

ONCALL_GROUP = StaticDirectory({"S0ONCALL": ["U0ERIN"]})

POLICY = ApprovalPolicy(
    approvers=["U0BOB", "U0CAROL"], high_expiry=timedelta(hours=24), reminder_before=0.25, escalate_to="U0DAVE"
)


def decision(tier: Tier, approvers: list[str] | None = None) -> Decision:
    asks = tier.needs_approval
    return Decision(
        tier=tier,
        handling=Handling.for_tier(tier),
        rules=["annotations: open-world write"],
        reasons=["The tool changes things in systems outside opsgate (open-world)."],
        reversible=False,
        approvers=(approvers or ["U0BOB", "S0ONCALL"]) if asks else [],
        quorum=2 if tier is Tier.CRITICAL else int(asks),
        expiry_seconds=1800 if asks else 0,
        reminder_seconds=300 if asks else None,
        escalate_to="S0ONCALL" if asks else None,
        confirm=tier is Tier.CRITICAL,
        blocked=False,
        block_reason=None,
        rule_hash="r" * 64,
    )


@pytest.mark.parametrize("tier", [Tier.HIGH, Tier.CRITICAL])
def test_an_approved_actions_question_goes_to_its_approvers_one_answer_settles_it(tier: Tier) -> None:
    asked = outcome_question(decision(tier), requester="U0ALICE", policy=POLICY)

    assert (asked.tier, asked.approvers) == (tier, ["U0BOB", "S0ONCALL"])
    assert (asked.quorum, asked.confirm) == (1, False)
    assert (asked.expiry_seconds, asked.reminder_seconds, asked.escalate_to) == (1800, 300, "S0ONCALL")


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.MEDIUM])
def test_an_action_without_approval_asks_its_requester_with_the_policys_timers_for_high(tier: Tier) -> None:
    asked = outcome_question(decision(tier), requester="U0ALICE", policy=POLICY)

    assert (asked.tier, asked.approvers, asked.quorum) == (tier, ["U0ALICE"], 1)
    assert (asked.expiry_seconds, asked.reminder_seconds, asked.escalate_to) == (24 * 3600, 6 * 3600, "U0DAVE")


def test_a_call_the_gate_never_cleared_is_asked_as_a_medium_action() -> None:
    asked = outcome_question(None, requester="U0ALICE", policy=POLICY)

    assert (asked.tier, asked.approvers, asked.quorum, asked.blocked) == (Tier.MEDIUM, ["U0ALICE"], 1, False)


TEAM = "T0OPS"


@pytest.mark.parametrize(
    ("voter", "answer", "allowed"),
    [
        ("U0BOB", "not_happened", True),
        ("U0ERIN", "happened", True),  # a member of an approving group
        ("U0ALICE", "happened", True),  # the requester may say it happened: that lets nothing run
        ("U0ALICE", "not_happened", False),  # but not that it did not: that lets the agent act again
        ("U0ALICE", "rerun", False),
        ("U0MALLORY", "happened", False),
    ],
)
def test_for_a_high_action_the_requester_rules_of_approvals_apply(
    voter: str, answer: OutcomeAnswer, allowed: bool
) -> None:
    refusal = may_answer(
        Person(TEAM, voter),
        answer,
        requester=Person(TEAM, "U0ALICE"),
        tier=Tier.HIGH,
        approvers=["U0BOB", "S0ONCALL"],
        directory=ONCALL_GROUP,
        home=TEAM,
    )

    assert (refusal is None) is allowed
    if voter == "U0ALICE" and not allowed:
        assert refusal is not None and refusal.reason == (
            "you requested this action, so someone else must say it did not happen"
        )


def test_a_co_requester_of_a_retried_action_is_a_requester_too() -> None:
    def answer(co_requester: Person) -> Refusal | None:
        return may_answer(
            Person(TEAM, "U0BOB"),
            "not_happened",
            requester=Person(TEAM, "U0ALICE"),
            tier=Tier.HIGH,
            approvers=["U0BOB", "U0CAROL"],
            directory=ONCALL_GROUP,
            home=TEAM,
            co_requesters=[co_requester],
        )

    refusal = answer(Person(TEAM, "U0BOB"))
    assert refusal is not None and "someone else" in refusal.reason
    assert answer(Person("T0ELSEWHERE", "U0BOB")) is None  # the same id in another workspace: another person


@pytest.mark.parametrize(("voter", "allowed"), [("U0ALICE", True), ("U0BOB", False)])
def test_for_a_medium_action_the_requester_answers(voter: str, allowed: bool) -> None:
    for answer in ("happened", "not_happened"):
        refusal = may_answer(
            Person(TEAM, voter),
            answer,
            requester=Person(TEAM, "U0ALICE"),
            tier=Tier.MEDIUM,
            approvers=["U0ALICE"],
            directory=ONCALL_GROUP,
            home=TEAM,
        )
        assert (refusal is None) is allowed
        if not allowed:
            assert refusal is not None and "<@U0ALICE>" in refusal.reason
