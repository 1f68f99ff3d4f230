"""The policy's building blocks: tiers, durations, Slack ids, argument constraints, rule matching."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from approvals.policy import (
    ApprovalPolicy,
    ArgumentConstraint,
    Handling,
    Tier,
    ToolRule,
    format_duration,
    mention,
    unsatisfiable_reason,
)
from opsgate.teamconfig import DEFAULT_TEAM_FILE, TeamConfigError, parse_team_config
from tests.approvals.policy_cases import ALICE, BOB, DAVE, DESTRUCTIVE, ONCALL, READ, decide, policy


def test_tiers_compare_by_risk_not_alphabetically() -> None:
    assert sorted([Tier.CRITICAL, Tier.LOW, Tier.HIGH, Tier.MEDIUM]) == [
        Tier.LOW,
        Tier.MEDIUM,
        Tier.HIGH,
        Tier.CRITICAL,
    ]
    assert Tier.CRITICAL > Tier.LOW and Tier.MEDIUM <= Tier.MEDIUM and Tier.HIGH >= "medium"
    assert max(Tier.HIGH, Tier.MEDIUM) is Tier.HIGH
    assert [tier.rank for tier in Tier] == [0, 1, 2, 3]
    assert [tier.raised() for tier in Tier] == [Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL, Tier.CRITICAL]
    assert [Handling.for_tier(tier) for tier in Tier] == list(Handling)
    assert [tier.needs_approval for tier in Tier] == [False, False, True, True]
    with pytest.raises(ValueError, match="'urgent' is not a valid Tier"):
        _ = Tier.LOW < "urgent"


@pytest.mark.parametrize(
    ("written", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("30m", 1800), ("24h", 86400), ("1h30m", 5400), ("2d", 172800),
     ("1h 30m", 5400), (timedelta(minutes=2), 120), (60.0, 60)],
)  # fmt: skip
def test_durations_read_the_way_people_write_them(written: Any, seconds: int) -> None:
    rule = ToolRule.model_validate({"match": "x", "expiry": written})

    assert rule.expiry == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("soon", "'soon' is not a duration: write e.g. 90s, 30m, 24h, 1h30m, 2d or a number of seconds"),
        ("30 minutes", "'30 minutes' is not a duration"),
        ("", "'' is not a duration"),
        (True, "True is not a duration"),
        ([1], r"\[1\] is not a duration"),
        (0, "a duration must be a positive whole number of seconds"),
        ("-5", "'-5' is not a duration"),
        (1.5, "a duration must be a positive whole number of seconds"),
    ],
)
def test_bad_durations_say_how_to_write_one(written: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ToolRule.model_validate({"match": "x", "expiry": written})


def test_durations_dump_in_the_short_form() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (90, 1800, 86400, 5400, 0)] == [
        "1m30s", "30m", "24h", "1h30m", "0s"
    ]  # fmt: skip
    assert ApprovalPolicy().model_dump(mode="json")["critical_expiry"] == "30m"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"approvers": ["alice"]}, "'alice' is not a Slack user id \\(U… or W…\\) or user group id \\(S…\\)"),
        ({"admins": ["uALICE"]}, "'uALICE' is not a Slack user id"),
        ({"escalate_to": "#ops"}, "'#ops' is not a Slack user id"),
        ({"approvers_channel": "#approvals"}, "'#approvals' is not a Slack channel id"),
        ({"confidence_threshold": 1.5}, "less than or equal to 1"),
        ({"reminder_before": 1}, "less than 1"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_policy_fields_are_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ApprovalPolicy.model_validate(fields)


def test_mentions_use_slack_syntax() -> None:
    assert (mention(ALICE), mention("WENTERPRISE"), mention(ONCALL)) == (
        "<@UALICE>",
        "<@WENTERPRISE>",
        "<!subteam^SONCALL>",
    )


@pytest.mark.parametrize("match", ["", " deploy", ":deploy", "github:", "a:b:c"])
def test_a_rule_match_must_be_a_tool_pattern(match: str) -> None:
    with pytest.raises(ValidationError, match="is not a tool pattern"):
        ToolRule(match=match)


@pytest.mark.parametrize(
    ("earlier", "later", "covers"),
    [
        ("*", "anything", True),
        ("deploy_*", "deploy_prod", True),
        ("deploy_*", "deploy_*", True),
        ("deploy_*", "builtin:deploy_prod", True),
        ("*:*", "github:x*", True),
        ("builtin:deploy_*", "deploy_prod", False),  # the later rule also matches other servers
        ("deploy_*", "deploy_?", False),  # not provable with globs on both sides: allowed
        ("deploy_prod", "deploy_*", False),
        ("github:*", "gitlab:*", False),
    ],
)
def test_covers_proves_a_later_rule_unreachable(earlier: str, later: str, covers: bool) -> None:
    assert ToolRule(match=earlier).covers(ToolRule(match=later)) is covers


CONSTRAINTS: dict[str, dict[str, Any]] = {
    "environment": {"allow": ["staging", "dev-*"], "deny": ["dev-prod*"]},
    "service": {"deny": ["payments*"]},
    "note": {"max_length": 10},
    "version": {"pattern": r"v\d+\.\d+"},
    "hosts": {"allow": ["web-*"]},
    "replicas": {"allow": ["1", "2", "3"]},
}


ENVIRONMENTS = "is not allowed (allowed: `staging`, `dev-*`)."


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"environment": "staging"}, None),
        ({"environment": "dev-7", "service": "api", "note": "short", "version": "v1.2"}, None),
        ({}, None),  # absent arguments pass; the JSON schema says what is required
        ({"environment": "prod"}, f'Argument `environment` = "prod" {ENVIRONMENTS}'),
        ({"environment": "Staging"}, f'Argument `environment` = "Staging" {ENVIRONMENTS}'),
        (
            {"environment": "dev-production"},
            'Argument `environment` = "dev-production" matches `dev-prod*`, which the policy denies.',
        ),
        (
            {"service": "PAYMENTS-api"},
            'Argument `service` = "PAYMENTS-api" matches `payments*`, which the policy denies.',
        ),
        ({"note": "far too long"}, "Argument `note` is 12 characters long; the policy allows at most 10."),
        ({"version": "v1.2-rc"}, 'Argument `version` = "v1.2-rc" does not match the pattern `v\\d+\\.\\d+`.'),
        ({"hosts": ["web-1", "web-2"]}, None),
        ({"hosts": ["web-1", "db-1"]}, 'Argument `hosts` = "db-1" is not allowed (allowed: `web-*`).'),
        ({"replicas": 2}, None),
        ({"replicas": 20}, "Argument `replicas` = 20 is not allowed (allowed: `1`, `2`, `3`)."),
        ({"service": "x" * 80}, None),
        ({"environment": "x" * 80}, f'Argument `environment` = "{"x" * 58}… {ENVIRONMENTS}'),
    ],
)
def test_constraints_block_with_a_readable_reason(arguments: dict[str, Any], reason: str | None) -> None:
    rules = [{"match": "deploy", "tier": "low", "constraints": CONSTRAINTS}]
    decision = decide("deploy", READ, rules=rules, arguments=arguments)

    assert decision.blocked is (reason is not None)
    assert decision.block_reason == reason
    assert ("constraints" in decision.rules) is (reason is not None)
    if reason is not None:
        assert decision.reasons[-1] == reason


def test_every_violation_is_reported_in_argument_order() -> None:
    rules = [{"match": "deploy", "constraints": CONSTRAINTS}]
    decision = decide("deploy", READ, rules=rules, arguments={"service": "payments", "environment": "prod"})

    assert decision.block_reason == (
        'Argument `environment` = "prod" is not allowed (allowed: `staging`, `dev-*`). '
        'Argument `service` = "payments" matches `payments*`, which the policy denies.'
    )


def test_a_constraint_pattern_must_compile() -> None:
    with pytest.raises(ValidationError, match="not a regular expression RE2 accepts"):
        ArgumentConstraint(pattern="v(")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(?<=v)1", "invalid perl operator: (?<="), (r"(a)\1", "invalid escape sequence: \\1"), ("(?!x)y", "(?!")],
)
def test_a_pattern_only_backtracking_regexes_know_is_refused_when_the_policy_loads(pattern: str, reason: str) -> None:
    """Python's `re` compiles these; RE2 does not, so the team file is refused at load, saying why."""
    team = yaml.safe_load(DEFAULT_TEAM_FILE.read_text())
    team.setdefault("policy", {})["tools"] = [{"match": "deploy", "constraints": {"version": {"pattern": pattern}}}]
    assert parse_team_config(yaml.safe_dump(team).replace(pattern, "v1"), "opsgate.yml")  # the file is fine otherwise
    with pytest.raises(TeamConfigError) as refused:
        parse_team_config(yaml.safe_dump(team), "opsgate.yml")
    message = str(refused.value)
    assert "not a regular expression RE2 accepts" in message
    assert reason in message
    assert "no look-around or backreferences" in message


def test_a_catastrophic_backtracking_pattern_runs_in_linear_time() -> None:
    """`(a+)+$` against 40 a's and a b: about 2**40 steps for Python's `re`, one pass for RE2."""
    rules = [{"match": "deploy", "constraints": {"version": {"pattern": "(a+)+$"}}}]
    refused = decide("deploy", READ, rules=rules, arguments={"version": "a" * 40 + "b"})
    passed = decide("deploy", READ, rules=rules, arguments={"version": "a" * 40})

    assert refused.block_reason == f'Argument `version` = "{"a" * 40}b" does not match the pattern `(a+)+$`.'
    assert not passed.blocked


def test_unsatisfiable_reason_checks_the_resolved_approvers() -> None:
    high = decide(annotations=DESTRUCTIVE, the_policy=policy(approvers=[ONCALL]))
    critical_rule = [{"match": "tool", "tier": "critical"}]
    critical = decide(annotations=DESTRUCTIVE, the_policy=policy(approvers=[ONCALL], tools=critical_rule))

    assert unsatisfiable_reason(high, DAVE, frozenset({ALICE})) is None
    assert unsatisfiable_reason(high, ALICE, frozenset({ALICE})) == (
        "it needs 1 approver besides the requester, but only 0 eligible people are left (approvers: <!subteam^SONCALL>)"
    )
    assert unsatisfiable_reason(critical, ALICE, frozenset({ALICE, BOB, DAVE})) is None
    assert unsatisfiable_reason(critical, ALICE, frozenset({ALICE, BOB})) == (
        "it needs 2 approvers besides the requester, but only 1 eligible person is left (approvers: <!subteam^SONCALL>)"
    )


def test_unsatisfiable_reason_names_a_policy_without_approvers_and_skips_what_runs_at_once() -> None:
    nobody = decide(annotations=DESTRUCTIVE, the_policy=ApprovalPolicy())

    assert unsatisfiable_reason(nobody, DAVE, frozenset()) == (
        "nobody may approve it: an admin must name approvers in the `policy` section of opsgate.yml"
    )
    assert unsatisfiable_reason(decide(annotations=READ), DAVE, frozenset()) is None
    assert unsatisfiable_reason(decide(annotations=DESTRUCTIVE, frozen=True), DAVE, frozenset()) is None
