"""Every verdict of the tool gate, in milliseconds: `handlers.gate_decision` is pure, so each case is plain data in
and a review out (the durable shell around it is `test_tool_gate_steps.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents.confidence import Stated
from agents.guardrails.output import OutputGuard
from agents.guardrails.output_policy import BudgetRules, OutputPolicy, Rate
from agents.guardrails.output_verdict import ToolCallVerdict
from agents.loop import ToolVerdict
from agents.messages import ToolUseBlock
from agents.spec import AgentSpec
from agents.tools import ToolAnnotations, ToolSpec
from approvals import ApprovalPolicy, ArgumentConstraint, Handling, Tier, ToolRule
from approvals.caps import MAX_PENDING_APPROVALS
from approvals.policy import FROZEN_REASON
from handlers.gate_decision import (
    GateReview,
    Route,
    awaiting,
    believed_tool,
    capped,
    decide_call,
    logged_line,
    recheck_change,
    route_for,
)

ROOT = Path(__file__).resolve().parents[2]
APPROVERS = ["U0BOB", "U0CAROL", "U0DAVE"]
POLICY = ApprovalPolicy(approvers=APPROVERS)
READ = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)
WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False)  # undoable
ONE_WAY = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=False)  # not undoable
DESTRUCTIVE = ToolAnnotations(read_only=False, destructive=True, idempotent=False, open_world=False)
OPEN_WORLD = ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=True)
CONFIDENT = Stated(confidence=0.9, rationale="The request says so.")
DOUBTFUL = Stated(confidence=0.3, rationale="A guess.")
IN_SCOPE = ToolVerdict(allowed=True)
ALLOW = ToolCallVerdict(action="allow")


def tool(annotations: ToolAnnotations = READ, *, name: str = "act", server: str = "builtin") -> ToolSpec:
    schema = {"type": "object", "properties": {"service": {"type": "string"}, "url": {"type": "string"}}}
    return ToolSpec(
        name=name,
        description="Acts.",
        input_schema=schema,
        annotations=annotations,
        server=server,
        target_keys=("service",),
    )


def call(name: str = "act", **arguments: Any) -> ToolUseBlock:
    return ToolUseBlock(id="toolu_1", name=name, input=arguments or {"service": "api"})


def decide(
    spec: ToolSpec | None,
    *,
    proposed: ToolUseBlock | None = None,
    scope: ToolVerdict = IN_SCOPE,
    guard: ToolCallVerdict | None = ALLOW,
    egress: str | None = None,
    policy: ApprovalPolicy = POLICY,
    frozen: bool = False,
    stated: Stated = CONFIDENT,
    flags: tuple[str, ...] = (),
) -> GateReview:
    proposed = proposed or call(spec.name if spec is not None else "act")
    return decide_call(
        proposed,
        scope=scope,
        spec=spec,
        guard=guard,
        egress=egress,
        policy=policy,
        requester="U0ALICE",
        frozen=frozen,
        stated=stated,
        rationale=stated.rationale or "the model's words",
        input_flags=flags,
    )


def tier_of(review: GateReview) -> Tier:
    assert review.decision is not None
    return review.decision.tier


# -- the tiers and what the gate does with each


@pytest.mark.parametrize(
    ("annotations", "tier", "deferred", "waited"),
    [
        (READ, Tier.LOW, Route.RUN, Route.RUN),
        (WRITE, Tier.MEDIUM, Route.RUN_AND_LOG, Route.RUN_AND_LOG),
        (DESTRUCTIVE, Tier.HIGH, Route.DEFER, Route.WAIT),
        (OPEN_WORLD, Tier.HIGH, Route.DEFER, Route.WAIT),
    ],
)
def test_a_trusted_tools_annotations_seed_its_tier_and_the_tier_its_route(
    annotations: ToolAnnotations, tier: Tier, deferred: Route, waited: Route
) -> None:
    review = decide(tool(annotations))

    assert review.verdict == ToolVerdict(allowed=True)
    assert tier_of(review) is tier
    assert route_for(review, waiting=0, may_defer=True) is deferred
    assert route_for(review, waiting=0, may_defer=False) is waited


def test_low_runs_with_nobody_asked() -> None:
    review = decide(tool(READ))

    assert review.decision is not None
    assert (review.decision.handling, review.decision.quorum, review.decision.approvers) == (Handling.RUN, 0, [])
    assert review.guardrail is None


def test_medium_runs_and_the_thread_is_told_why() -> None:
    review = decide(tool(WRITE))

    assert review.decision is not None and review.decision.handling is Handling.RUN_AND_LOG
    line = logged_line(call(), review.decision)
    assert line.startswith(":memo: Running `act` (medium risk): The tool changes things")


def test_the_logged_line_escapes_what_it_quotes() -> None:
    review = decide(tool(WRITE, name="act"), policy=POLICY.model_copy(update={"tools": []}))
    assert review.decision is not None
    tricky = review.decision.model_copy(update={"reasons": ["<!channel> look at <@U0EVE>"]})

    line = logged_line(call(), tricky)

    assert "<!channel>" not in line and "<@U0EVE>" not in line


def test_high_needs_one_approval_from_the_policys_approvers() -> None:
    review = decide(tool(DESTRUCTIVE))

    assert review.decision is not None and review.decision.needs_approval
    assert (review.decision.tier, review.decision.quorum) == (Tier.HIGH, 1)
    assert review.decision.approvers == APPROVERS
    assert review.decision.handling is Handling.ASYNC_APPROVAL
    assert not review.decision.confirm


def test_critical_needs_two_approvers_a_typed_target_and_always_waits() -> None:
    policy = POLICY.model_copy(update={"tools": [ToolRule(match="act", tier=Tier.CRITICAL)]})

    review = decide(tool(READ), policy=policy)

    assert review.decision is not None
    assert (review.decision.tier, review.decision.quorum, review.decision.confirm) == (Tier.CRITICAL, 2, True)
    assert review.decision.handling is Handling.SYNC_APPROVAL
    assert review.action is not None and review.action.target == "api"
    assert route_for(review, waiting=0, may_defer=True) is Route.WAIT


def test_the_action_hash_covers_what_runs_not_what_the_agent_stated() -> None:
    first = decide(tool(DESTRUCTIVE), stated=CONFIDENT)
    second = decide(tool(DESTRUCTIVE), stated=DOUBTFUL)
    other = decide(tool(DESTRUCTIVE), proposed=call(service="db"))

    assert first.action_hash and first.action_hash == second.action_hash
    assert other.action_hash != first.action_hash
    assert first.action is not None and first.action.rationale == CONFIDENT.rationale


# -- confidence and reversibility raise a write's tier, never lower it


@pytest.mark.parametrize(
    ("annotations", "stated", "tier", "raised_from"),
    [
        (WRITE, CONFIDENT, Tier.MEDIUM, None),
        (WRITE, DOUBTFUL, Tier.HIGH, Tier.MEDIUM),
        (WRITE, Stated(), Tier.HIGH, Tier.MEDIUM),  # none stated counts as doubtful
        (WRITE, Stated(problem="the stated confidence ('very') is not a number"), Tier.HIGH, Tier.MEDIUM),
        (READ, DOUBTFUL, Tier.LOW, None),  # reads are not moved
        (DESTRUCTIVE, CONFIDENT, Tier.HIGH, None),  # confident: never lowered
    ],
)
def test_the_agents_confidence_only_raises_a_writes_tier(
    annotations: ToolAnnotations, stated: Stated, tier: Tier, raised_from: Tier | None
) -> None:
    review = decide(tool(annotations), stated=stated)

    assert review.decision is not None
    assert (review.decision.tier, review.decision.raised_from) == (tier, raised_from)
    assert review.action is not None and review.action.confidence == stated.confidence


@pytest.mark.parametrize(
    ("annotations", "reversible", "tier"),
    [
        (ONE_WAY, None, Tier.MEDIUM),  # a write that cannot be undone is never low
        (WRITE, None, Tier.LOW),  # idempotent and not destructive: can be undone
        (ONE_WAY, True, Tier.LOW),  # the rule says it can be undone
        (WRITE, False, Tier.MEDIUM),  # the rule says it cannot
    ],
)
def test_an_irreversible_write_is_never_low(annotations: ToolAnnotations, reversible: bool | None, tier: Tier) -> None:
    rule = ToolRule(match="act", tier=Tier.LOW, reversible=reversible)

    review = decide(tool(annotations), policy=POLICY.model_copy(update={"tools": [rule]}))

    assert review.decision is not None
    assert (review.decision.tier, review.decision.reversible) == (tier, bool(tier is Tier.LOW))


def test_a_policy_rule_may_move_the_tier_down_but_the_agents_doubt_still_raises_it() -> None:
    rule = ToolRule(match="act", tier=Tier.LOW, reversible=True)
    policy = POLICY.model_copy(update={"tools": [rule]})

    assert tier_of(decide(tool(DESTRUCTIVE), policy=policy)) is Tier.LOW
    assert tier_of(decide(tool(DESTRUCTIVE), policy=policy, stated=DOUBTFUL)) is Tier.HIGH


# -- MCP servers: whose hints count


def test_a_trusted_servers_annotations_set_the_tier() -> None:
    policy = POLICY.model_copy(update={"trusted_servers": ["github"]})

    review = decide(tool(READ, server="github"), policy=policy)

    assert tier_of(review) is Tier.LOW
    assert review.decision is not None and review.decision.rules == ["annotations: read-only"]


@pytest.mark.parametrize("annotations", [READ, WRITE, DESTRUCTIVE])
def test_an_untrusted_servers_hints_never_relax_the_tier(annotations: ToolAnnotations) -> None:
    review = decide(tool(annotations, server="elsewhere"), stated=CONFIDENT)

    assert tier_of(review) is Tier.HIGH
    assert review.decision is not None and review.decision.rules[0] == "server: elsewhere (untrusted)"
    assert route_for(review, waiting=0, may_defer=True) is Route.DEFER


def test_a_tool_the_toolbox_does_not_know_counts_as_the_riskiest_kind() -> None:
    review = decide(None, egress="argument url reaches collect.attacker.example")

    assert tier_of(review) is Tier.HIGH  # and not refused for egress: nothing believed says it reaches out
    assert review.action is not None and (review.action.server, review.action.target) == ("unknown", None)


def test_believed_tool_drops_an_untrusted_servers_hints() -> None:
    assert believed_tool(tool(READ), POLICY) == tool(READ)
    untrusted = believed_tool(tool(READ, server="elsewhere"), POLICY)
    assert untrusted is not None and untrusted.annotations == ToolAnnotations()
    assert believed_tool(None, POLICY) is None


# -- egress


EGRESS_REFUSAL = "Blocked by the egress allowlist (tools.egress_hosts in opsgate.yml)"
OUTSIDE = "argument url reaches collect.attacker.example, which is not on the egress allowlist (example.com)"


@pytest.mark.parametrize(
    ("spec", "refused"),
    [
        (tool(OPEN_WORLD), True),
        (tool(READ), False),  # closed-world by trusted annotations: its arguments go nowhere
        (tool(READ, server="elsewhere"), True),  # says closed-world, is not believed
    ],
)
def test_egress_outside_the_allowlist_refuses_an_open_world_tool(spec: ToolSpec, refused: bool) -> None:
    review = decide(spec, egress=OUTSIDE)

    assert review.verdict.allowed is not refused
    if refused:
        assert (
            review.verdict.reason == f"Blocked by the egress allowlist (tools.egress_hosts in opsgate.yml): {OUTSIDE}"
        )
        assert review.guardrail is not None and (review.guardrail.action, review.guardrail.rules) == (
            "block",
            ["egress"],
        )
        assert review.decision is None and route_for(review) is Route.REFUSE


def test_an_open_world_call_inside_the_allowlist_goes_on_to_the_policy() -> None:
    assert tier_of(decide(tool(OPEN_WORLD), egress=None)) is Tier.HIGH


# -- the freeze switch


@pytest.mark.parametrize(
    ("annotations", "allowed"), [(READ, True), (WRITE, False), (DESTRUCTIVE, False), (OPEN_WORLD, False)]
)
def test_frozen_refuses_everything_above_low(annotations: ToolAnnotations, allowed: bool) -> None:
    review = decide(tool(annotations), frozen=True)

    assert review.verdict.allowed is allowed
    if not allowed:
        assert review.verdict.reason == f"Blocked by policy: {FROZEN_REASON}"
        assert review.decision is not None and "freeze" in review.decision.rules
        assert route_for(review, waiting=0, may_defer=True) is Route.REFUSE  # nobody is asked


def test_frozen_refuses_a_low_call_that_the_agents_doubt_raised() -> None:
    rule = ToolRule(match="act", tier=Tier.LOW, reversible=True)

    review = decide(tool(WRITE), policy=POLICY.model_copy(update={"tools": [rule]}), stated=DOUBTFUL, frozen=True)

    assert not review.verdict.allowed


# -- argument constraints of the policy


def test_an_argument_outside_the_policys_constraints_is_refused_whatever_the_tier() -> None:
    rule = ToolRule(match="act", constraints={"service": ArgumentConstraint(allow=["api", "web"])})
    policy = POLICY.model_copy(update={"tools": [rule]})

    refused = decide(tool(READ), policy=policy, proposed=call(service="db"))
    allowed = decide(tool(READ), policy=policy, proposed=call(service="web"))

    assert not refused.verdict.allowed and refused.verdict.reason.startswith("Blocked by policy: Argument `service`")
    assert refused.decision is not None and "constraints" in refused.decision.rules and not refused.verdict.stop
    assert allowed.verdict.allowed


# -- the output guardrails' verdicts


@pytest.mark.parametrize(
    ("rule", "stop"),
    [
        ("O3", False),  # argument schema: the model retries with other arguments
        ("O4", False),
        ("O6", False),
        ("O9", False),
        ("O10", False),
        ("O11", False),
        ("O7", True),  # rate limit: the agent stops
        ("O8", True),  # token budget
        ("O12", True),  # cost budget
    ],
)
def test_an_output_guardrail_block_refuses_and_a_spent_budget_stops_the_agent(rule: str, stop: bool) -> None:
    guard = ToolCallVerdict.combine([("block", rule, "what the rule found")])

    review = decide(tool(READ), guard=guard)

    assert review.verdict == ToolVerdict(allowed=False, reason=f"what the rule found (rule {rule})", stop=stop)
    assert review.guardrail is not None
    assert (review.guardrail.stage, review.guardrail.action, review.guardrail.tool) == ("output", "block", "act")
    assert review.guardrail.rules == list(guard.rules)
    assert review.decision is None and review.action_hash == ""


def test_a_spent_budget_among_other_findings_still_stops() -> None:
    guard = ToolCallVerdict.combine([("escalate", "O4", "host not listed"), ("block", "O7", "rate limit reached")])

    assert decide(tool(READ), guard=guard).verdict.stop


def test_an_escalation_makes_a_low_call_wait_for_a_person_and_is_audited() -> None:
    guard = ToolCallVerdict.combine([("escalate", "O4", "host 'x.example' is not on the allowlist")])

    review = decide(tool(READ), guard=guard)

    assert review.verdict.allowed and tier_of(review) is Tier.HIGH
    assert review.decision is not None and review.decision.rules[-1] == "guardrails"
    assert "host 'x.example' is not on the allowlist (rule O4)" in review.decision.reasons[-1]
    assert review.guardrail is not None and review.guardrail.action == "escalate"


def test_the_input_guardrails_flags_make_a_low_call_wait_for_a_person() -> None:
    review = decide(tool(READ), flags=("possible exfiltration",))

    assert tier_of(review) is Tier.HIGH
    assert review.guardrail is None  # the input's verdict was audited where it was found


def test_a_redacting_verdict_lets_the_call_on_and_is_audited() -> None:
    review = decide(tool(READ), guard=ToolCallVerdict(action="redact", rules=("O10 secret-in-arguments",)))

    assert review.verdict.allowed and tier_of(review) is Tier.LOW
    assert review.guardrail is not None and review.guardrail.action == "redact"


class TestThroughTheRealOutputGuard:
    """The verdicts `decide_call` gets, as `OutputGuard` gives them (its in-memory ledger, no clock moves)."""

    AGENT = AgentSpec(name="ops", purpose="Test.", prompt="Test.", tools=["act"])
    SPEC = ToolSpec(
        name="act",
        description="Acts.",
        input_schema={
            "type": "object",
            "properties": {"replicas": {"type": "integer"}},
            "additionalProperties": False,
        },
        annotations=READ,
    )

    def review(self, guard: OutputGuard, proposed: ToolUseBlock, charge_id: str) -> GateReview:
        verdict = guard.review(
            proposed, agent=self.AGENT, tool=self.SPEC, user="U0ALICE", task_id="t", charge_id=charge_id
        )
        return decide(self.SPEC, proposed=proposed, guard=verdict)

    def test_arguments_off_the_schema_are_refused_for_the_model_to_fix(self) -> None:
        review = self.review(OutputGuard(), call(replicas="three"), "c1")

        assert not review.verdict.allowed and not review.verdict.stop
        assert "the arguments do not match the tool's schema" in review.verdict.reason
        assert review.guardrail is not None and review.guardrail.rules == ["O3 argument-schema"]

    def test_the_call_past_the_tasks_rate_stops_the_agent(self) -> None:
        budgets = BudgetRules(calls_per_task=Rate(limit=1, window_s=None))
        guard = OutputGuard(OutputPolicy(budgets=budgets))

        first = self.review(guard, call(replicas=1), "c1")
        second = self.review(guard, call(replicas=2), "c2")

        assert first.verdict.allowed
        assert not second.verdict.allowed and second.verdict.stop
        assert second.guardrail is not None and second.guardrail.rules == ["O7 rate-limit"]
        assert "guardrails.output.budgets.calls_per_task" in second.verdict.reason

    def test_a_spent_token_budget_stops_the_agent(self) -> None:
        guard = OutputGuard(OutputPolicy(budgets=BudgetRules(tokens_per_task=Rate(limit=10, window_s=None))))
        guard.record_usage(user="U0ALICE", task_id="t", channel="", tokens=11, cost_usd=0.0, charge_id="turn-1")

        review = self.review(guard, call(replicas=1), "c1")

        assert review.verdict.stop and review.guardrail is not None
        assert review.guardrail.rules == ["O8 token-budget"]


# -- the agent's scope


def test_a_call_outside_the_agents_scope_is_refused_as_the_scope_says() -> None:
    scope = ToolVerdict(allowed=False, reason="Tool 'act' is not available to agent 'ops'. Available tools: none.")

    review = decide(tool(READ), scope=scope, guard=None)

    assert review == GateReview(verdict=scope)
    assert route_for(review, waiting=0, may_defer=True) is Route.REFUSE


def test_a_call_in_scope_without_the_guardrails_verdict_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="output guardrails' verdict"):
        decide(tool(READ), guard=None)


# -- the cap on approvals waiting at once


@pytest.mark.parametrize(
    ("waiting", "route"),
    [(0, Route.DEFER), (MAX_PENDING_APPROVALS - 1, Route.DEFER), (MAX_PENDING_APPROVALS, Route.CAPPED)],
)
def test_past_the_cap_a_call_that_needs_approval_is_refused_and_nobody_is_asked(waiting: int, route: Route) -> None:
    assert route_for(decide(tool(DESTRUCTIVE)), waiting=waiting, may_defer=True) is route


def test_the_cap_does_not_touch_calls_that_need_nobody() -> None:
    assert route_for(decide(tool(READ)), waiting=MAX_PENDING_APPROVALS, may_defer=True) is Route.RUN


def test_an_approval_that_replaces_a_voided_one_is_not_capped_and_is_waited_for() -> None:
    assert route_for(decide(tool(DESTRUCTIVE))) is Route.WAIT


def test_what_the_model_is_told_when_capped_or_deferred() -> None:
    refused = capped(MAX_PENDING_APPROVALS)
    deferred = awaiting(call())

    assert not refused.allowed and refused.reason.startswith(f"Not requested: {MAX_PENDING_APPROVALS} approvals")
    assert (deferred.allowed, deferred.pending) == (False, True)
    assert deferred.reason.startswith("act needs a person's approval")


# -- the recheck before an approved call runs


def test_an_approval_holds_for_the_same_action_under_the_same_rule() -> None:
    assert recheck_change(decide(tool(DESTRUCTIVE)), decide(tool(DESTRUCTIVE))) is None


def test_an_approval_is_void_when_the_action_changed() -> None:
    again = decide(tool(DESTRUCTIVE), proposed=call(service="db"))

    assert recheck_change(decide(tool(DESTRUCTIVE)), again) == "the action changed"


def test_an_approval_is_void_when_its_policy_rule_changed() -> None:
    stricter = POLICY.model_copy(update={"tools": [ToolRule(match="act", tier=Tier.HIGH, quorum=2)]})

    again = decide(tool(DESTRUCTIVE), policy=stricter)

    assert recheck_change(decide(tool(DESTRUCTIVE)), again) == "its policy rule changed"


def test_an_approval_is_void_when_the_call_is_now_refused_before_the_policy() -> None:
    refused = decide(tool(DESTRUCTIVE), guard=ToolCallVerdict.combine([("block", "O4", "host denied")]))

    assert recheck_change(decide(tool(DESTRUCTIVE)), refused) == "the action changed"


def test_a_frozen_recheck_keeps_the_approval_but_refuses_the_call() -> None:
    """The freeze does not change the rule: the approval stands, and the recheck's own verdict refuses."""
    again = decide(tool(DESTRUCTIVE), frozen=True)

    assert recheck_change(decide(tool(DESTRUCTIVE)), again) is None
    assert not again.verdict.allowed


# -- what the review is made of


def test_the_review_survives_the_journal() -> None:
    """Restate journals the review as JSON: a replay reads back the same review, verdict and decision."""
    review = decide(tool(WRITE), guard=ToolCallVerdict.combine([("escalate", "O5", "path not listed")]))

    assert GateReview.model_validate_json(review.model_dump_json()) == review


def test_the_decision_module_loads_no_restate() -> None:
    code = "import sys, handlers.gate_decision; print('restate' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False", loaded.stderr[-2000:]
