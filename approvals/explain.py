"""`/ops policy <tool>`: the tier a tool gets and why, who decides, and what would change it.

The text comes from `risk_for` itself, run on the tool with no arguments, as a confident agent would propose it
(confidence can only raise the risk), then with no confidence stated and with a freeze, so the explanation cannot
drift from what the gate does.
"""

from __future__ import annotations

from agents.tools import ToolAnnotations
from approvals.constraints import ArgumentConstraint
from approvals.fields import format_duration, mention, mentions
from approvals.risk import Decision, PolicyContext, ProposedAction, risk_for
from approvals.rules import ApprovalPolicy
from approvals.tiers import Tier

__all__ = ["explain"]


def explain(
    tool: str, policy: ApprovalPolicy, *, server: str = "builtin", annotations: ToolAnnotations | None = None
) -> str:
    """Slack mrkdwn for `/ops policy <tool>`; argument constraints are listed, not applied."""
    action = ProposedAction(tool=tool, server=server, annotations=annotations, confidence=1.0)
    calm = PolicyContext(requester="")
    decision = risk_for(action, policy, calm)
    where = "" if server == "builtin" else f" (MCP server `{server}`)"
    lines = [
        f"*`{tool}`*{where} → *{decision.tier}* risk: it {decision.tier.handling.description}.",
        *(f"• {reason}" for reason in decision.reasons),
        f"*Matched:* {' · '.join(decision.rules)}",
        f"*Reversible:* {'yes' if decision.reversible else 'no'}",
    ]
    if decision.needs_approval:
        lines.append(f"*Decided by:* {_deciders(decision)}")
    found = policy.rule_for(tool, server)
    if found is not None and found[1].constraints:
        limits = "; ".join(f"`{name}` {_limits(c)}" for name, c in sorted(found[1].constraints.items()))
        lines.append(f"*Argument limits* (a value outside them is refused): {limits}")
    lines += ["*What would change it:*", *(f"• {change}" for change in _changes(action, decision, policy))]
    return "\n".join(lines)


def _deciders(decision: Decision) -> str:
    parts = [
        mentions(decision.approvers) if decision.approvers else "nobody yet (name approvers in `policy.approvers`)",
        f"{decision.quorum} vote{'s' if decision.quorum > 1 else ''} needed (never the requester's own)",
        f"expires after {format_duration(decision.expiry_seconds)}",
    ]
    if decision.reminder_seconds is not None:
        parts.append(f"reminder {format_duration(decision.reminder_seconds)} before expiry")
    if decision.escalate_to is not None:
        parts.append(f"escalates to {mention(decision.escalate_to)} on expiry")
    if decision.confirm:
        parts.append("an approver types the target to confirm")
    return " · ".join(parts)


def _changes(action: ProposedAction, decision: Decision, policy: ApprovalPolicy) -> list[str]:
    changes = []
    threshold = f"{policy.confidence_threshold:.0%}"
    doubtful = risk_for(action.model_copy(update={"confidence": None}), policy, PolicyContext(requester=""))
    reads = policy.trusts(action.server) and action.annotations is not None and action.annotations.read_only
    if reads:
        changes.append("The agent's confidence does not move it: it only reads.")
    elif doubtful.tier is decision.tier:
        changes.append(f"An agent confidence below {threshold}, or none stated, leaves it at {decision.tier}.")
    else:
        handling = doubtful.tier.handling.description
        changes.append(
            f"An agent confidence below {threshold}, or none stated, makes it *{doubtful.tier}*: it {handling} "
            "(`policy.confidence_matrix`)."
        )
    if decision.tier > Tier.LOW:
        changes.append("While opsgate is frozen (`/ops freeze on`), it is refused.")
    elif doubtful.tier > Tier.LOW:
        changes.append("A freeze does not stop it while it is low risk; raised by a low confidence, it is refused.")
    else:
        changes.append("A freeze does not stop it: it is low risk.")
    found = policy.rule_for(action.tool, action.server)
    if not policy.trusts(action.server) and (found is None or found[1].tier is None):
        changes.append(
            f"A rule with a `tier` for it in `policy.tools`, or `{action.server}` in `policy.trusted_servers`, "
            "would replace the destructive, open-world default."
        )
    return changes


def _limits(constraint: ArgumentConstraint) -> str:
    parts = []
    if constraint.allow is not None:
        parts.append("only " + (", ".join(f"`{glob}`" for glob in constraint.allow) or "nothing"))
    if constraint.deny:
        parts.append("never " + ", ".join(f"`{glob}`" for glob in constraint.deny))
    if constraint.max_length is not None:
        parts.append(f"at most {constraint.max_length} characters")
    if constraint.pattern is not None:
        parts.append(f"matching `{constraint.pattern}`")
    return ", ".join(parts) or "no limits"
