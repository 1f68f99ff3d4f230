"""risk_for: every rule of the policy, one table per rule."""

from __future__ import annotations

from typing import Any

import pytest

from agents.tools import ToolAnnotations
from approvals.policy import FROZEN_REASON, Handling, Tier
from tests.approvals.policy_cases import (
    ALICE,
    BOB,
    CAROL,
    DESTRUCTIVE,
    DESTRUCTIVE_IDEMPOTENT,
    IDEMPOTENT_WRITE,
    ONCALL,
    OPEN_WRITE,
    PEOPLE,
    READ,
    READ_OPEN,
    WRITE,
    decide,
    policy,
)


@pytest.mark.parametrize(
    ("server", "annotations", "trusted", "tier", "rule"),
    [
        ("builtin", READ, [], Tier.LOW, "annotations: read-only"),
        ("builtin", READ_OPEN, [], Tier.LOW, "annotations: read-only"),
        ("builtin", WRITE, [], Tier.MEDIUM, "annotations: non-destructive write"),
        ("builtin", IDEMPOTENT_WRITE, [], Tier.MEDIUM, "annotations: non-destructive write"),
        ("builtin", DESTRUCTIVE, [], Tier.HIGH, "annotations: destructive"),
        ("builtin", OPEN_WRITE, [], Tier.HIGH, "annotations: open-world write"),
        ("builtin", ToolAnnotations(), [], Tier.HIGH, "annotations: destructive"),
        ("builtin", None, [], Tier.HIGH, "annotations: none"),
        ("github", READ, ["github"], Tier.LOW, "annotations: read-only"),
        ("github", WRITE, ["github"], Tier.MEDIUM, "annotations: non-destructive write"),
        ("github", None, ["github"], Tier.HIGH, "annotations: none"),
        ("github", READ, [], Tier.HIGH, "server: github (untrusted)"),
        ("github", WRITE, ["gitlab"], Tier.HIGH, "server: github (untrusted)"),
        ("github", None, [], Tier.HIGH, "server: github (untrusted)"),
    ],
)
def test_annotations_seed_the_tier_only_for_trusted_servers(
    server: str, annotations: ToolAnnotations | None, trusted: list[str], tier: Tier, rule: str
) -> None:
    decision = decide(annotations=annotations, server=server, the_policy=policy(trusted_servers=trusted))

    assert (decision.tier, decision.rules) == (tier, [rule])
    assert decision.handling is tier.handling
    assert not decision.blocked


def test_untrusted_and_unannotated_tools_say_why_they_need_approval() -> None:
    assert decide(server="github", annotations=READ).reasons == [
        "The tool comes from the MCP server `github`, which the policy does not trust, "
        "so it counts as destructive and open-world."
    ]
    assert decide(annotations=None).reasons == [
        "The tool declares no annotations, so it counts as destructive and open-world."
    ]
    assert decide(annotations=None).handling is Handling.ASYNC_APPROVAL


@pytest.mark.parametrize(
    ("annotations", "server", "rule_tier", "tier"),
    [
        (DESTRUCTIVE, "builtin", "low", Tier.LOW),
        (READ, "builtin", "critical", Tier.CRITICAL),
        (None, "builtin", "medium", Tier.MEDIUM),
        (READ, "github", "low", Tier.LOW),
        (None, "github", "low", Tier.LOW),
        (WRITE, "builtin", None, Tier.MEDIUM),
        (None, "github", None, Tier.HIGH),
    ],
)
def test_a_rule_tier_overrides_annotations_and_a_rule_without_one_keeps_them(
    annotations: ToolAnnotations | None, server: str, rule_tier: str | None, tier: Tier
) -> None:
    rule = {"match": "purge", "tier": rule_tier, "reversible": True}  # an irreversible write is never low
    decision = decide("purge", annotations, server=server, rules=[rule])

    assert decision.tier is tier
    assert decision.rules[-1] == "policy.tools[0] (purge)"


def test_an_overriding_rule_replaces_the_annotation_reason() -> None:
    decision = decide("purge", DESTRUCTIVE, rules=[{"match": "purge", "tier": "low", "reversible": True}])

    assert decision.rules == ["annotations: destructive", "policy.tools[0] (purge)"]
    assert decision.reasons == [
        "The policy rule `purge` sets the risk to low (the tool's annotations alone would give high)."
    ]


RULES: list[dict[str, Any]] = [
    {"match": "deploy_prod", "tier": "critical"},
    {"match": "deploy_*", "tier": "high"},
    {"match": "github:*", "tier": "medium"},
    {"match": "*:get_?", "tier": "low"},
    {"match": "restart_[ab]pi", "tier": "medium"},
]


@pytest.mark.parametrize(
    ("tool", "server", "index"),
    [
        ("deploy_prod", "builtin", 0),
        ("deploy_staging", "builtin", 1),
        ("deploy_prod", "github", 0),  # a rule without a server part applies to every server
        ("create_issue", "github", 2),
        ("get_x", "github", 2),  # first match wins, even over a narrower later rule
        ("get_x", "builtin", 3),
        ("get_xy", "builtin", None),
        ("restart_api", "builtin", 4),
        ("Deploy_prod", "builtin", None),  # tool names match case-sensitively
        ("create_issue", "githubx", None),
    ],
)
def test_the_first_matching_rule_wins(tool: str, server: str, index: int | None) -> None:
    decision = decide(tool, READ, server=server, rules=RULES)

    matched = [rule for rule in decision.rules if rule.startswith("policy.tools")]
    assert matched == ([] if index is None else [f"policy.tools[{index}] ({RULES[index]['match']})"])


def test_a_low_confidence_write_always_escalates() -> None:
    writes = [WRITE, IDEMPOTENT_WRITE, OPEN_WRITE, DESTRUCTIVE, DESTRUCTIVE_IDEMPOTENT, None]
    rules: list[dict[str, Any]] = [{}, {"tier": "low"}, {"tier": "medium"}, {"reversible": True}]
    for hints in writes:
        for rule in rules:
            for server in ("builtin", "github"):
                decision = decide("w", hints, rules=[{"match": "w", **rule}], server=server, confidence=0.3)
                assert decision.handling.needs_approval, (hints, rule, server)


def test_the_confidence_reason_says_why() -> None:
    doubtful = decide("act", IDEMPOTENT_WRITE, confidence=0.42)
    silent = decide("act", WRITE, confidence=None)
    irreversible = decide("act", WRITE, rules=[{"match": "act", "tier": "low"}])

    assert doubtful.rules[-1] == "confidence_matrix.doubtful_reversible"
    assert doubtful.reasons[-1] == (
        "The agent's confidence (42%) is below the policy's threshold (70%); for a write that can be undone, "
        "the policy's confidence matrix raises the risk from medium to high."
    )
    assert silent.rules[-1] == "confidence_matrix.doubtful_irreversible"
    assert silent.reasons[-1] == (
        "The agent stated no confidence, which counts as low; for a write that cannot be undone, "
        "the policy's confidence matrix raises the risk from medium to high."
    )
    assert irreversible.rules[-1] == "confidence_matrix.confident_irreversible"
    assert irreversible.reasons[-1] == (
        "Even with the agent confident, for a write that cannot be undone the policy's confidence matrix raises "
        "the risk from low to medium."
    )


def test_the_threshold_comes_from_the_policy() -> None:
    strict = policy(confidence_threshold=0.9)

    assert decide(annotations=WRITE, confidence=0.8, the_policy=strict).tier is Tier.HIGH
    assert decide(annotations=WRITE, confidence=0.8).tier is Tier.MEDIUM


@pytest.mark.parametrize(
    ("annotations", "server", "rule", "reversible"),
    [
        (READ, "builtin", {}, True),
        (IDEMPOTENT_WRITE, "builtin", {}, True),
        (WRITE, "builtin", {}, False),
        (DESTRUCTIVE_IDEMPOTENT, "builtin", {}, False),
        (None, "builtin", {}, False),
        (READ, "github", {}, False),  # untrusted annotations say nothing
        (DESTRUCTIVE, "builtin", {"reversible": True}, True),
        (READ, "builtin", {"reversible": False}, False),  # local policy beats the hint
    ],
)
def test_reversibility(
    annotations: ToolAnnotations | None, server: str, rule: dict[str, Any], reversible: bool
) -> None:
    decision = decide("act", annotations, server=server, rules=[{"match": "act", **rule}])

    assert decision.reversible is reversible


@pytest.mark.parametrize(
    ("annotations", "confidence", "blocked"),
    [(READ, None, False), (WRITE, None, True), (DESTRUCTIVE, None, True), (None, None, True), (READ, 0.1, False)],
)
def test_a_freeze_blocks_everything_above_low(
    annotations: ToolAnnotations | None, confidence: float | None, blocked: bool
) -> None:
    decision = decide(annotations=annotations, confidence=confidence, frozen=True)

    assert decision.blocked is blocked
    assert decision.block_reason == (FROZEN_REASON if blocked else None)
    assert ("freeze" in decision.rules) is blocked
    assert not decide(annotations=annotations, confidence=confidence).blocked


def test_a_freeze_also_blocks_a_low_write_raised_by_low_confidence() -> None:
    rules = [{"match": "tool", "tier": "low", "reversible": True}]

    assert not decide(annotations=WRITE, rules=rules, frozen=True).blocked
    assert decide(annotations=WRITE, rules=rules, confidence=0.1, frozen=True).block_reason == FROZEN_REASON


def test_approval_settings_for_high_and_critical_come_from_the_policy_defaults() -> None:
    chosen = policy(escalate_to=ONCALL, tools=[{"match": "act", "tier": "critical"}])
    high = decide(annotations=DESTRUCTIVE, the_policy=chosen)
    critical = decide("act", DESTRUCTIVE, the_policy=chosen)

    assert (high.approvers, high.quorum, high.confirm, high.escalate_to) == (PEOPLE, 1, False, ONCALL)
    assert (high.expiry_seconds, high.reminder_seconds) == (24 * 3600, 24 * 3600 // 5)
    assert (critical.quorum, critical.confirm, critical.handling) == (2, True, Handling.SYNC_APPROVAL)
    assert (critical.expiry_seconds, critical.reminder_seconds) == (1800, 360)


def test_a_rule_overrides_each_approval_setting() -> None:
    rule = {
        "match": "drop_*",
        "tier": "critical",
        "approvers": [ALICE, BOB, CAROL, ONCALL],
        "quorum": 3,
        "expiry": "2h",
        "reminder": "15m",
        "escalate_to": BOB,
        "confirm": False,
    }
    decision = decide("drop_table", READ, rules=[rule])

    assert decision.approvers == [ALICE, BOB, CAROL, ONCALL]
    assert (decision.quorum, decision.expiry_seconds, decision.reminder_seconds) == (3, 7200, 900)
    assert (decision.escalate_to, decision.confirm) == (BOB, False)


def test_a_rule_quorum_of_one_becomes_two_when_low_confidence_makes_it_critical() -> None:
    matrix = {"doubtful_irreversible": {"high": "critical"}}  # not a default: a deployment may choose it
    chosen = policy(tools=[{"match": "act", "quorum": 1}], confidence_matrix=matrix)
    decision = decide("act", DESTRUCTIVE, the_policy=chosen, confidence=0.1)

    assert (decision.tier, decision.quorum, decision.raised_from) == (Tier.CRITICAL, 2, Tier.HIGH)


@pytest.mark.parametrize("annotations", [READ, WRITE])
def test_actions_that_run_at_once_carry_no_approval_settings(annotations: ToolAnnotations) -> None:
    decision = decide(annotations=annotations, rules=[{"match": "*", "approvers": [ALICE, BOB], "confirm": True}])

    assert decision.approvers == []
    assert (decision.quorum, decision.expiry_seconds, decision.reminder_seconds) == (0, 0, None)
    assert (decision.escalate_to, decision.confirm, decision.needs_approval) == (None, False, False)


@pytest.mark.parametrize(
    ("expiry", "reminder_before", "reminder_seconds"),
    [("2s", 0.2, 1), ("1s", 0.2, None), ("10s", 0, None), ("100s", 0.07, 7), ("1h", 0.5, 1800)],
)
def test_the_reminder_comes_a_share_of_the_expiry_before_it(
    expiry: str, reminder_before: float, reminder_seconds: int | None
) -> None:
    chosen = policy(high_expiry=expiry, reminder_before=reminder_before)

    assert decide(annotations=DESTRUCTIVE, the_policy=chosen).reminder_seconds == reminder_seconds


def test_a_rule_reminder_no_earlier_than_the_expiry_gives_none() -> None:
    # The tier is unknown at load time (it comes from annotations), so this can only be caught here.
    decision = decide("act", DESTRUCTIVE, rules=[{"match": "act", "reminder": "25h"}])

    assert decision.reminder_seconds is None


def test_a_decision_survives_the_journal_unchanged() -> None:
    decision = decide("drop", DESTRUCTIVE, rules=[{"match": "drop", "escalate_to": ONCALL}], confidence=0.2)

    assert type(decision).model_validate_json(decision.model_dump_json()) == decision
    assert decide("drop", DESTRUCTIVE, rules=[{"match": "drop", "escalate_to": ONCALL}], confidence=0.2) == decision


def test_guardrail_escalation_raises_even_a_read_only_action_to_high() -> None:
    from agents.tools import ToolAnnotations
    from approvals import ApprovalPolicy, PolicyContext, ProposedAction, Tier, risk_for

    action = ProposedAction(
        tool="list_services", arguments={}, annotations=ToolAnnotations(read_only=True, destructive=False)
    )
    policy = ApprovalPolicy(approvers=["U0BOB", "U0CAROL"])
    plain = risk_for(action, policy, PolicyContext(requester="U0ALICE"))
    flagged = risk_for(
        action, policy, PolicyContext(requester="U0ALICE", escalations=("secret sent to an outside address (O9)",))
    )
    assert plain.tier is Tier.LOW
    assert flagged.tier is Tier.HIGH
    assert flagged.needs_approval
    assert "guardrails" in flagged.rules
    assert any("outside address" in reason for reason in flagged.reasons)
    assert flagged.approvers == ["U0BOB", "U0CAROL"]
