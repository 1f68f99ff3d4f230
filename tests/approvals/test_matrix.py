"""The confidence matrix: every combination of tier, reversibility and confidence, and that it only raises."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from agents.tools import ToolAnnotations
from approvals.matrix import CASES, ConfidenceMatrix
from approvals.policy import Tier
from opsgate.teamconfig import TeamConfigError, load_team_config, parse_team_config
from tests.approvals.policy_cases import DESTRUCTIVE, IDEMPOTENT_WRITE, OPEN_WRITE, READ, WRITE, decide, policy

TIERS = list(Tier)
LOW, MEDIUM, HIGH, CRITICAL = Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL
CONFIDENCES: list[float | None] = [None, 0.0, 0.3, 0.69, 0.7, 0.95, 1.0]
# The defaults, written out: (tier, reversible, confident) → tier. A doubtful write reaches a person; an
# irreversible write is never low; nothing else moves.
EXPECTED: dict[tuple[Tier, bool, bool], Tier] = {
    (LOW, True, True): LOW,
    (LOW, False, True): MEDIUM,
    (LOW, True, False): HIGH,
    (LOW, False, False): HIGH,
    (MEDIUM, True, True): MEDIUM,
    (MEDIUM, False, True): MEDIUM,
    (MEDIUM, True, False): HIGH,
    (MEDIUM, False, False): HIGH,
    **{(HIGH, reversible, confident): HIGH for reversible in (True, False) for confident in (True, False)},
    **{(CRITICAL, reversible, confident): CRITICAL for reversible in (True, False) for confident in (True, False)},
}


def write(tier: Tier, reversible: bool, confidence: float | None, annotations: ToolAnnotations | None = WRITE) -> Tier:
    rule = {"match": "act", "tier": tier.value, "reversible": reversible}
    return decide("act", annotations, rules=[rule], confidence=confidence).tier


@pytest.mark.parametrize(
    ("tier", "reversible", "confidence"), list(itertools.product(TIERS, [True, False], CONFIDENCES))
)
def test_every_combination_of_the_default_matrix(tier: Tier, reversible: bool, confidence: float | None) -> None:
    confident = confidence is not None and confidence >= 0.7

    assert write(tier, reversible, confidence) is EXPECTED[tier, reversible, confident]


@pytest.mark.parametrize("annotations", [WRITE, IDEMPOTENT_WRITE, OPEN_WRITE, DESTRUCTIVE, None])
@pytest.mark.parametrize("tier", TIERS)
def test_high_confidence_lowers_nothing(annotations: ToolAnnotations | None, tier: Tier) -> None:
    for reversible in (True, False):
        assert write(tier, reversible, 1.0, annotations) >= tier


def test_low_confidence_raises_a_medium_write_to_high_and_high_confidence_keeps_it_medium() -> None:
    assert decide("scale", IDEMPOTENT_WRITE, confidence=0.3).tier is HIGH
    assert decide("scale", IDEMPOTENT_WRITE, confidence=0.9).tier is MEDIUM
    assert decide("restart", DESTRUCTIVE, confidence=1.0).tier is HIGH  # and high stays high


@pytest.mark.parametrize("tier", TIERS)
def test_no_confidence_counts_as_low(tier: Tier) -> None:
    for reversible in (True, False):
        assert write(tier, reversible, None) is write(tier, reversible, 0.0)
    silent = decide("act", WRITE, rules=[{"match": "act", "tier": tier.value}], confidence=None)
    assert silent.tier >= HIGH
    assert (tier >= HIGH) or "The agent stated no confidence, which counts as low" in silent.reasons[-1]


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_an_irreversible_write_is_never_low(confidence: float | None) -> None:
    for hints in (WRITE, OPEN_WRITE, DESTRUCTIVE, None):
        assert write(LOW, False, confidence, hints) >= MEDIUM


@pytest.mark.parametrize("confidence", [None, 0.0, 0.5, 0.69])
def test_a_low_confidence_write_to_production_reaches_a_person(confidence: float | None) -> None:
    for tier, reversible in itertools.product(TIERS, [True, False]):
        decision = decide(
            "scale_service",
            IDEMPOTENT_WRITE,
            rules=[{"match": "scale_service", "tier": tier.value, "reversible": reversible}],
            arguments={"service": "api", "environment": "production"},
            confidence=confidence,
        )
        assert decision.needs_approval, (tier, reversible)


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_reads_are_not_moved(confidence: float | None) -> None:
    for tier, reversible in itertools.product(TIERS, [True, False]):
        assert write(tier, reversible, confidence, READ) is tier
    assert decide("list", READ, confidence=confidence).raised_from is None


def test_an_untrusted_servers_read_only_hint_states_no_read() -> None:
    silent = decide("list_repos", READ, server="github", rules=[{"match": "github:*", "tier": "low"}], confidence=None)

    assert silent.tier is HIGH  # the hint is not believed: a write, and it stated nothing
    assert decide("list_repos", READ, server="github", rules=[{"match": "github:*", "tier": "low"}]).tier is MEDIUM


def test_the_decision_records_what_the_matrix_raised_it_from() -> None:
    assert decide("scale", IDEMPOTENT_WRITE, confidence=0.2).raised_from is MEDIUM
    assert decide("scale", IDEMPOTENT_WRITE, confidence=0.9).raised_from is None
    assert decide("restart", DESTRUCTIVE, confidence=0.2).raised_from is None  # high already


MATRICES = st.fixed_dictionaries(
    {
        case: st.dictionaries(st.sampled_from(TIERS), st.sampled_from(TIERS)).map(
            lambda raises: {tier: max(tier, raised) for tier, raised in raises.items()}
        )
        for case in CASES
    }
)


@given(
    matrix=MATRICES,
    tier=st.sampled_from(TIERS),
    reversible=st.booleans(),
    confidence=st.one_of(st.none(), st.floats(0, 1)),
    threshold=st.floats(0, 1),
)
def test_any_matrix_that_loads_only_raises(
    matrix: dict[str, Any], tier: Tier, reversible: bool, confidence: float | None, threshold: float
) -> None:
    chosen = policy(
        tools=[{"match": "act", "tier": tier.value, "reversible": reversible}],
        confidence_matrix=matrix,
        confidence_threshold=threshold,
    )
    decision = decide("act", WRITE, the_policy=chosen, confidence=confidence)

    assert decision.tier >= tier
    assert (decision.raised_from is None) is (decision.tier is tier)


def test_a_matrix_entry_that_would_lower_a_tier_is_refused_where_it_is() -> None:
    with pytest.raises(ValidationError) as caught:
        ConfidenceMatrix.model_validate({"doubtful_reversible": {"high": "medium", "low": "low"}})

    [error] = caught.value.errors()
    assert error["loc"] == ("doubtful_reversible", "high")
    assert error["msg"] == (
        "this would lower high to medium: the confidence matrix only raises a write's tier "
        "(name high or a higher tier, or leave high out)"
    )


def test_unknown_cases_and_tiers_are_refused() -> None:
    with pytest.raises(ValidationError, match="unsure_reversible"):
        ConfidenceMatrix.model_validate({"unsure_reversible": {}})
    with pytest.raises(ValidationError, match="low', 'medium', 'high' or 'critical'"):
        ConfidenceMatrix.model_validate({"doubtful_reversible": {"severe": "critical"}})


def test_a_case_left_out_keeps_its_default_and_an_empty_one_raises_nothing() -> None:
    matrix = ConfidenceMatrix.model_validate({"doubtful_reversible": {}})

    assert matrix.doubtful_reversible == {}
    assert matrix.doubtful_irreversible == {LOW: HIGH, MEDIUM: HIGH}
    assert matrix.confident_irreversible == {LOW: MEDIUM}
    assert matrix.confident_reversible == {}


def yml_problems(matrix: str) -> list[str]:
    head = "version: 1\nagents:\n  - {name: ops, purpose: p, prompt: p, tools: []}\npolicy:\n  confidence_matrix:\n"
    with pytest.raises(TeamConfigError) as caught:
        parse_team_config(head + textwrap.indent(textwrap.dedent(matrix), "    "), "opsgate.yml")
    return list(caught.value.problems)


def test_opsgate_yml_errors_in_the_matrix_point_at_their_lines() -> None:
    lowering = """\
        doubtful_reversible: {low: high}
        confident_irreversible:
          low: medium
          high: low
        """
    assert yml_problems(lowering) == [
        "opsgate.yml:9: policy.confidence_matrix.confident_irreversible.high: this would lower high to low: the "
        "confidence matrix only raises a write's tier (name high or a higher tier, or leave high out)",
    ]
    assert yml_problems("unsure: {}\ndoubtful_reversible: {severe: high}\n") == [
        "opsgate.yml:6: policy.confidence_matrix.unsure: Extra inputs are not permitted",
        "opsgate.yml:7: policy.confidence_matrix.doubtful_reversible.severe.[key]: "
        "Input should be 'low', 'medium', 'high' or 'critical'",
    ]


def test_a_matrix_that_raises_to_critical_needs_approvers_who_can_reach_two() -> None:
    with pytest.raises(ValidationError) as caught:
        policy(approvers=["UALICE", "UBOB"], confidence_matrix={"doubtful_irreversible": {"high": "critical"}})

    [error] = caught.value.errors()
    assert error["loc"] == ("confidence_matrix", "doubtful_irreversible", "high")
    assert "2 approvers cannot reach a quorum of 2" in error["msg"]


def test_the_example_opsgate_yml_writes_out_the_defaults() -> None:
    example = load_team_config(Path(__file__).resolve().parents[2] / "opsgate.yml").policy

    assert example.confidence_matrix == ConfidenceMatrix()
    assert example.confidence_threshold == 0.7
