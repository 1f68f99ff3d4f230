"""The tool gate's decision on one proposed call, as pure functions of plain data: no Restate, no I/O, no clock.

`decide_call` turns what the gate's durable step gathered (the scope check's verdict, the tool's spec, the output
guardrails' and the egress allowlist's verdicts, the freeze switch, the policy) into the journaled `GateReview`;
`route_for` says what the gate does with a review (run it, run and log it, ask for approval now or later, refuse);
`recheck_change` says whether an approval still holds when the call is decided again before it runs. The durable
shell (`handlers.tool_gate`) journals, asks people and posts; every choice it acts on is made here, so each verdict
is tested in milliseconds (`tests/handlers/test_gate_decision.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from agents.confidence import Stated
from agents.guardrails.output import BUDGET_RULES
from agents.guardrails.output_verdict import ToolCallVerdict
from agents.loop import ToolVerdict
from agents.messages import ToolUseBlock
from agents.slack_text import escape, inline_code
from agents.tools import ToolSpec
from approvals import ApprovalPolicy, Decision, Handling, PolicyContext, ProposedAction, action_hash, risk_for
from approvals.caps import pending_refusal
from handlers.contracts import GuardrailVerdict

__all__ = [
    "AWAITING",
    "GateReview",
    "Route",
    "awaiting",
    "believed_tool",
    "capped",
    "decide_call",
    "logged_line",
    "recheck_change",
    "route_for",
]

AWAITING = (
    "{tool} needs a person's approval; the request is posted in the thread. It has NOT run yet. Carry on with "
    "steps that do not depend on it; you will be told the outcome when it is decided."
)


class GateReview(BaseModel):
    """The journaled outcome of one gate decision."""

    model_config = ConfigDict(frozen=True)

    verdict: ToolVerdict
    action: ProposedAction | None = None
    action_hash: str = ""
    decision: Decision | None = None
    guardrail: GuardrailVerdict | None = None
    """The output guardrails' verdict when it was not a plain allow (audited with the decision)."""


class Route(StrEnum):
    """What the gate does with a review."""

    REFUSE = "refuse"
    """The verdict refuses the call (scope, output guardrails, egress, policy block): the model is told why."""
    RUN = "run"
    RUN_AND_LOG = "run_and_log"
    """It runs, and the thread is told why it counts as more than low risk."""
    CAPPED = "capped"
    """It needs approval, but too many of this run's approvals wait already: refused, nobody is asked."""
    DEFER = "defer"
    """Approval is asked for, the model is told and goes on; the gate waits for it when the turn settles."""
    WAIT = "wait"
    """Approval is asked for and the gate waits for it now."""


def believed_tool(spec: ToolSpec | None, policy: ApprovalPolicy) -> ToolSpec | None:
    """The tool as the guardrails and execution may act on it: an untrusted server's hints are not believed."""
    return spec.believed(policy.trusts(spec.server)) if spec is not None else None  # None: fail closed


def decide_call(
    call: ToolUseBlock,
    *,
    scope: ToolVerdict,
    spec: ToolSpec | None,
    guard: ToolCallVerdict | None,
    egress: str | None,
    policy: ApprovalPolicy,
    requester: str,
    frozen: bool,
    stated: Stated,
    rationale: str,
    input_flags: Sequence[str] = (),
) -> GateReview:
    """The gate's review of `call` (without its reserved fields; what the agent stated in them is `stated`).

    `scope`: the agent's tool list's verdict (`agents.gate`); `spec`: the toolbox's spec of the tool, None when it
    has none; `guard`: the output guardrails' verdict, None only when the scope refused (the guardrails were not
    asked, so no budget was charged); `egress`: the first destination outside the egress allowlist
    (`EgressPolicy.check`), None when every one is allowed or there is no allowlist, and weighed only for an
    open-world tool as believed; `input_flags`: why the input guardrails want a person to look. A call refused
    for a spent budget (calls, tokens, cost) stops the agent."""
    if not scope.allowed:
        return GateReview(verdict=scope)
    if guard is None:
        raise ValueError("a call in the agent's scope needs the output guardrails' verdict")
    judged = None
    if guard.action != "allow":
        judged = GuardrailVerdict(stage="output", action=guard.action, rules=list(guard.rules), tool=call.name)
    if guard.blocked:
        stop = any(rule.split()[0] in BUDGET_RULES for rule in guard.rules)
        return GateReview(verdict=ToolVerdict(allowed=False, reason=guard.message(), stop=stop), guardrail=judged)
    acting = believed_tool(spec, policy)
    if acting is not None and acting.annotations.open_world and egress is not None:
        judged = GuardrailVerdict(stage="output", action="block", rules=["egress"], tool=call.name)
        reason = f"Blocked by the egress allowlist (tools.egress_hosts in opsgate.yml): {egress}"
        return GateReview(verdict=ToolVerdict(allowed=False, reason=reason), guardrail=judged)
    escalations = [*input_flags, *(guard.reasons if guard.needs_approval else ())]
    action = ProposedAction(
        tool=call.name,
        arguments=dict(call.input),
        target=spec.target_of(call.input) if spec is not None else None,
        server=spec.server if spec is not None else "unknown",
        annotations=spec.annotations if spec is not None else None,
        confidence=stated.confidence,
        confidence_problem=stated.problem,
        rationale=rationale,
    )
    context = PolicyContext(requester=requester, frozen=frozen, escalations=tuple(escalations))
    decision = risk_for(action, policy, context)
    if decision.blocked:
        verdict = ToolVerdict(allowed=False, reason=f"Blocked by policy: {decision.block_reason}")
    else:
        verdict = ToolVerdict(allowed=True)
    return GateReview(
        verdict=verdict, action=action, action_hash=action_hash(action), decision=decision, guardrail=judged
    )


def route_for(review: GateReview, *, waiting: int | None = None, may_defer: bool = False) -> Route:
    """What the gate does with `review`. `waiting`: this run's approvals already waiting on people, for the cap
    (`approvals.caps`); None asks for no cap (a new approval that replaces a voided one). A high-risk call is
    deferred only when `may_defer`; a critical one is always waited for."""
    decision = review.decision
    if not review.verdict.allowed:
        return Route.REFUSE
    if decision is None or not decision.needs_approval:
        logged = decision is not None and decision.handling == Handling.RUN_AND_LOG
        return Route.RUN_AND_LOG if logged else Route.RUN
    if waiting is not None and pending_refusal(waiting) is not None:
        return Route.CAPPED
    if decision.handling == Handling.ASYNC_APPROVAL and may_defer:
        return Route.DEFER
    return Route.WAIT


def capped(waiting: int) -> ToolVerdict:
    """The model's answer when one more approval may not be asked for (`Route.CAPPED`)."""
    return ToolVerdict(allowed=False, reason=pending_refusal(waiting) or "")


def awaiting(call: ToolUseBlock) -> ToolVerdict:
    """The model's answer for a deferred call (`Route.DEFER`): asked for, not run yet."""
    return ToolVerdict(allowed=False, pending=True, reason=AWAITING.format(tool=call.name))


def logged_line(call: ToolUseBlock, decision: Decision) -> str:
    """What the thread is told about a call that runs and is logged (`Route.RUN_AND_LOG`)."""
    reasons = escape("; ".join(decision.reasons), 2000)
    return f":memo: Running {inline_code(call.name, 80)} ({decision.tier.value} risk): {reasons}"


def recheck_change(approved: GateReview, again: GateReview) -> str | None:
    """Why an approval given on `approved` no longer holds when the call, decided `again` just before it runs, is
    not the same action under the same policy rule; None when it still holds."""
    assert approved.decision is not None, "only a review that asked for approval is rechecked"
    if again.action_hash != approved.action_hash:
        return "the action changed"
    if again.decision is None or again.decision.rule_hash != approved.decision.rule_hash:
        return "its policy rule changed"
    return None
