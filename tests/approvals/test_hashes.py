"""action_hash binds an approval to exactly what runs; rule_hash to the rule and settings that decided it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from agents.tools import ToolAnnotations
from approvals.policy import ApprovalPolicy, PolicyContext, ProposedAction, action_hash, risk_for
from tests.approvals.policy_cases import ALICE, BOB, CAROL, DAVE, DESTRUCTIVE, ONCALL, READ, policy


def action(**fields: Any) -> ProposedAction:
    return ProposedAction.model_validate({"tool": "deploy", "arguments": {"service": "api"}, **fields})


def test_action_hash_is_sha256_of_canonical_json() -> None:
    canonical = '{"arguments":{"note":"café","service":"api"},"target":"api@staging","tool":"deploy"}'
    subject = action(arguments={"service": "api", "note": "café"}, target="api@staging")

    assert action_hash(subject) == hashlib.sha256(canonical.encode()).hexdigest()


def test_action_hash_ignores_key_order_at_every_depth() -> None:
    one = action(arguments={"a": 1, "b": {"x": [1, 2], "y": None}})
    two = action(arguments={"b": {"y": None, "x": [1, 2]}, "a": 1})

    assert action_hash(one) == action_hash(two)


@pytest.mark.parametrize(
    "changed",
    [
        {"tool": "deploy2"},
        {"arguments": {"service": "web"}},
        {"arguments": {"service": "api", "force": True}},
        {"arguments": {"service": ["api"]}},
        {"arguments": {"service": "api "}},
        {"target": "api@prod"},
    ],
)
def test_action_hash_changes_with_anything_that_would_run(changed: dict[str, Any]) -> None:
    assert action_hash(action(**changed)) != action_hash(action())


def test_action_hash_ignores_what_the_agent_says_about_the_action() -> None:
    said = action(confidence=0.2, rationale="because", server="other", annotations=READ)

    assert action_hash(said) == action_hash(action())


def rule_hash(the_policy: ApprovalPolicy, subject: ProposedAction | None = None) -> str:
    subject = subject or action(annotations=DESTRUCTIVE)
    return risk_for(subject, the_policy, PolicyContext(requester=DAVE)).rule_hash


DEPLOY = {"match": "deploy", "tier": "high", "approvers": [ALICE, BOB]}
OTHER = {"match": "restart_*", "tier": "medium"}


@pytest.mark.parametrize(
    "changed",
    [
        {**DEPLOY, "tier": "critical", "approvers": [ALICE, BOB, CAROL]},
        {**DEPLOY, "approvers": [ALICE, CAROL]},
        {**DEPLOY, "quorum": 1},  # the same effective quorum, but the rule as written changed
        {**DEPLOY, "expiry": "1h"},
        {**DEPLOY, "constraints": {"service": {"deny": ["prod*"]}}},
        {**DEPLOY, "match": "deploy*"},
    ],
)
def test_rule_hash_changes_when_the_matched_rule_changes(changed: dict[str, Any]) -> None:
    assert rule_hash(policy(tools=[changed, OTHER])) != rule_hash(policy(tools=[DEPLOY, OTHER]))


@pytest.mark.parametrize(
    "tools",
    [
        [DEPLOY, {**OTHER, "tier": "critical"}],
        [DEPLOY],
        [OTHER, DEPLOY],
        [{"match": "restart_api"}, DEPLOY, OTHER],
    ],
)
def test_rule_hash_ignores_unrelated_rules(tools: list[dict[str, Any]]) -> None:
    assert rule_hash(policy(tools=tools)) == rule_hash(policy(tools=[DEPLOY, OTHER]))


def test_rule_hash_changes_when_an_earlier_rule_starts_to_match() -> None:
    assert rule_hash(policy(tools=[{"match": "builtin:dep*", "tier": "high"}, DEPLOY])) != rule_hash(
        policy(tools=[DEPLOY])
    )


def test_rule_hash_reads_the_same_rule_written_differently_as_equal() -> None:
    seconds = {**DEPLOY, "expiry": 1800, "reminder": "300"}
    words = {**DEPLOY, "expiry": "30m", "reminder": "5m"}

    assert rule_hash(policy(tools=[seconds])) == rule_hash(policy(tools=[words]))


def test_rule_hash_covers_the_policy_defaults_the_decision_fell_back_on() -> None:
    bare = {"match": "deploy", "tier": "high"}
    base = policy(tools=[bare])

    assert rule_hash(policy(tools=[bare], approvers=[ALICE, CAROL])) != rule_hash(base)
    assert rule_hash(policy(tools=[bare], high_expiry="1h")) != rule_hash(base)
    assert rule_hash(policy(tools=[bare], reminder_before=0.5)) != rule_hash(base)
    assert rule_hash(policy(tools=[bare], escalate_to=ONCALL)) != rule_hash(base)
    # Defaults the decision did not use leave it alone.
    assert rule_hash(policy(tools=[bare], critical_expiry="5m")) == rule_hash(base)
    assert rule_hash(policy(tools=[bare], admins=[ALICE])) == rule_hash(base)
    assert rule_hash(policy(tools=[bare], trusted_servers=["github"])) == rule_hash(base)
    read = action(annotations=READ)  # a read: no confidence is asked for, so neither setting is used
    assert rule_hash(policy(tools=[bare], confidence_threshold=0.5), read) == rule_hash(base, read)
    assert rule_hash(policy(tools=[bare], confidence_matrix={"confident_reversible": {}}), read) == rule_hash(
        base, read
    )


def test_rule_hash_covers_the_defaults_the_rule_does_not_override() -> None:
    own = policy(tools=[DEPLOY])

    assert rule_hash(policy(tools=[DEPLOY], approvers=[ALICE, CAROL])) == rule_hash(own)


def test_rule_hash_of_a_write_covers_the_threshold_and_its_case_of_the_confidence_matrix() -> None:
    confident, silent = action(annotations=DESTRUCTIVE, confidence=0.9), action(annotations=DESTRUCTIVE)
    own_case = {"confident_irreversible": {"low": "high"}}
    other_case = {"doubtful_reversible": {"low": "critical"}}

    assert rule_hash(policy(confidence_threshold=0.5), confident) != rule_hash(policy(), confident)
    assert rule_hash(policy(confidence_threshold=0.5), silent) != rule_hash(policy(), silent)
    assert rule_hash(policy(confidence_matrix=own_case), confident) != rule_hash(policy(), confident)
    assert rule_hash(policy(confidence_matrix=other_case), confident) == rule_hash(policy(), confident)
    assert rule_hash(policy(), confident) != rule_hash(policy(), silent), "the case it fell in"


def test_rule_hash_covers_whether_the_server_is_trusted() -> None:
    remote = action(server="github", annotations=ToolAnnotations())

    assert rule_hash(policy(trusted_servers=["github"]), remote) != rule_hash(policy(), remote)
    assert rule_hash(policy(trusted_servers=["github", "gitlab"]), remote) == rule_hash(
        policy(trusted_servers=["github"]), remote
    )


def test_rule_hash_is_stable_and_hex() -> None:
    first, second = rule_hash(policy(tools=[DEPLOY])), rule_hash(policy(tools=[DEPLOY]))

    assert first == second
    assert len(first) == 64
    assert int(first, 16) >= 0
