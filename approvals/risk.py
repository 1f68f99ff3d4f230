"""`risk_for`: the tier of a proposed tool call, how it is handled, and why, in words for the approval card.

The order of the rules, each step recorded in `Decision.rules` (ids) and `Decision.reasons` (sentences):

1. Seed: the tool's MCP annotations, if its server is trusted (built-in or in `policy.trusted_servers`):
   read-only → low, a non-destructive write → medium, destructive → high, an open-world write → high. A tool
   from any other server, or one with no annotations, counts as destructive and open-world → high.
2. The first policy rule that matches the tool and names a `tier` overrides the seed, up or down.
3. A write (anything not read-only by trusted annotations) is looked up in `policy.confidence_matrix`, by whether
   the agent is confident (a stated confidence at or above `policy.confidence_threshold`; none stated counts as
   doubtful) and whether the action can be undone. The matrix only raises: by default a doubtful write reaches a
   person (at least high) and an irreversible write is never low. Reads are not moved.
4. Argument constraints that fail, and a freeze for anything above low, block the action.

Pure and deterministic: the same action and policy give the same decision, so a replay decides the same way.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.tools import ToolAnnotations
from approvals.constraints import canonical_json, constraint_violations
from approvals.fields import format_duration
from approvals.matrix import case_for
from approvals.rules import ApprovalPolicy, ToolRule, default_quorum
from approvals.tiers import Handling, Tier

__all__ = ["Decision", "PolicyContext", "ProposedAction", "action_hash", "confirmation_phrase", "risk_for"]

FROZEN_REASON = "opsgate is frozen: actions above low risk are refused until an admin runs `/ops freeze off`."


class ProposedAction(BaseModel):
    """One tool call an agent proposes, as the policy, the card and the action hash see it."""

    model_config = ConfigDict(frozen=True)

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    target: str | None = Field(default=None, description="What it acts on (`api@staging`); typed to confirm.")
    server: str = Field(default="builtin", description="The MCP server that offers the tool.")
    annotations: ToolAnnotations | None = Field(default=None, description="None: the tool declared none.")
    confidence: float | None = Field(default=None, ge=0, le=1, description="The agent's, when it stated one.")
    confidence_problem: str = Field(default="", description="Why a stated confidence was not usable.")
    rationale: str = ""


class PolicyContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    requester: str
    frozen: bool = Field(default=False, description="The `/ops freeze` switch.")
    escalations: tuple[str, ...] = Field(
        default=(), description="Why a guardrail wants a person to look (e.g. a possible exfiltration): at least high."
    )


class Decision(BaseModel):
    """What the gate does with an action. Approval fields are empty (quorum 0) when no approval is needed."""

    model_config = ConfigDict(frozen=True)

    tier: Tier
    handling: Handling
    rules: list[str]
    reasons: list[str]
    reversible: bool
    raised_from: Tier | None = Field(
        default=None, description="The tier before the confidence matrix raised it; None when it did not."
    )
    approvers: list[str]
    quorum: int
    expiry_seconds: int
    reminder_seconds: int | None = Field(description="How long before expiry the reminder goes out.")
    escalate_to: str | None
    confirm: bool
    blocked: bool
    block_reason: str | None
    rule_hash: str = Field(description="Changes when the matched rule or a policy setting it used changes.")

    @property
    def needs_approval(self) -> bool:
        return self.handling.needs_approval and not self.blocked


def action_hash(action: ProposedAction) -> str:
    """sha256 of exactly what would run: tool, arguments and target (not the agent's confidence or rationale)."""
    return _sha256({"tool": action.tool, "arguments": action.arguments, "target": action.target})


def confirmation_phrase(action: ProposedAction) -> str:
    """What a critical approver types to confirm: the target, or the tool's name when the action has none."""
    return action.target or action.tool


def risk_for(action: ProposedAction, policy: ApprovalPolicy, context: PolicyContext) -> Decision:
    """The decision for `action` under `policy`, following the steps in this module's docstring."""
    rules: list[str] = []
    reasons: list[str] = []
    trusted = policy.trusts(action.server)
    annotations = action.annotations if trusted else None
    tier = _seed(action, trusted, rules, reasons)
    read_only = annotations is not None and annotations.read_only
    index, rule = policy.rule_for(action.tool, action.server) or (None, None)
    if rule is not None:
        rules.append(f"policy.tools[{index}] ({rule.match})")
        if rule.tier is not None:
            seeded = "" if rule.tier is tier else f" (the tool's annotations alone would give {tier})"
            reasons[:] = [f"The policy rule `{rule.match}` sets the risk to {rule.tier}{seeded}."]
            tier = rule.tier
    reversible = _reversible(rule, annotations)
    basis: dict[str, Any] = {"rule": rule.model_dump(mode="json") if rule else None, "trusted": trusted}

    raised_from: Tier | None = None
    if not read_only:
        confident = action.confidence is not None and action.confidence >= policy.confidence_threshold
        case = case_for(confident=confident, reversible=reversible)
        raised = policy.confidence_matrix.raised(tier, case)
        basis["confidence"] = {
            "threshold": policy.confidence_threshold,
            "case": case,
            "raises": {str(k): str(v) for k, v in policy.confidence_matrix.row(case).items()},
        }
        if raised is not tier:
            rules.append(f"confidence_matrix.{case}")
            reasons.append(_confidence_reason(action, policy.confidence_threshold, reversible, tier, raised))
            raised_from, tier = tier, raised

    if context.escalations and tier < Tier.HIGH:
        rules.append("guardrails")
        reasons.append(f"A guardrail asks for a person to look, from {tier} to high: " + "; ".join(context.escalations))
        tier = Tier.HIGH

    blocks = constraint_violations(rule.constraints, action.arguments) if rule else []
    if blocks:
        rules.append("constraints")
    if context.frozen and tier > Tier.LOW:
        rules.append("freeze")
        blocks.append(FROZEN_REASON)
    reasons += blocks

    approval = _approval(tier, rule, policy, basis) if tier.needs_approval else _NO_APPROVAL
    return Decision(
        tier=tier,
        handling=tier.handling,
        rules=rules,
        reasons=reasons,
        reversible=reversible,
        raised_from=raised_from,
        blocked=bool(blocks),
        block_reason=" ".join(blocks) or None,
        rule_hash=_sha256(basis),
        **approval,
    )


def _confidence_reason(action: ProposedAction, threshold: float, reversible: bool, tier: Tier, raised: Tier) -> str:
    kind = "a write that can be undone" if reversible else "a write that cannot be undone"
    change = f"the policy's confidence matrix raises the risk from {tier} to {raised}"
    confidence = action.confidence
    if confidence is not None and confidence >= threshold:
        return f"Even with the agent confident, for {kind} {change}."
    if confidence is not None:
        why = f"The agent's confidence ({confidence:.0%}) is below the policy's threshold ({threshold:.0%})"
    elif action.confidence_problem:
        why = f"The agent's confidence counts as low ({action.confidence_problem})"
    else:
        why = "The agent stated no confidence, which counts as low"
    return f"{why}; for {kind}, {change}."


def _seed(action: ProposedAction, trusted: bool, rules: list[str], reasons: list[str]) -> Tier:
    annotations = action.annotations
    if not trusted:
        rules.append(f"server: {action.server} (untrusted)")
        reasons.append(
            f"The tool comes from the MCP server `{action.server}`, which the policy does not trust, "
            "so it counts as destructive and open-world."
        )
        return Tier.HIGH
    if annotations is None:
        rules.append("annotations: none")
        reasons.append("The tool declares no annotations, so it counts as destructive and open-world.")
        return Tier.HIGH
    if annotations.read_only:
        kind = "read-only"
    elif annotations.destructive:
        kind = "destructive"
    else:
        kind = "open-world write" if annotations.open_world else "non-destructive write"
    rules.append(f"annotations: {kind}")
    reasons.append(_SEEDS[kind][1])
    return _SEEDS[kind][0]


_SEEDS: dict[str, tuple[Tier, str]] = {
    "read-only": (Tier.LOW, "The tool only reads (its annotations say read-only)."),
    "destructive": (Tier.HIGH, "The tool's annotations say it may delete or overwrite data."),
    "open-world write": (Tier.HIGH, "The tool changes things in systems outside opsgate (open-world)."),
    "non-destructive write": (
        Tier.MEDIUM,
        "The tool changes things, but its annotations say it neither destroys data nor reaches outside systems.",
    ),
}


def _reversible(rule: ToolRule | None, annotations: ToolAnnotations | None) -> bool:
    """The rule says so; else read-only, or idempotent and not destructive, by trusted annotations; else not."""
    if rule is not None and rule.reversible is not None:
        return rule.reversible
    if annotations is None:
        return False
    return annotations.read_only or (annotations.idempotent and not annotations.destructive)


_NO_RULE = ToolRule(match="*")  # every field unset: everything falls back on the policy's defaults
_NO_APPROVAL: dict[str, Any] = {
    "approvers": [],
    "quorum": 0,
    "expiry_seconds": 0,
    "reminder_seconds": None,
    "escalate_to": None,
    "confirm": False,
}


def _approval(tier: Tier, rule: ToolRule | None, policy: ApprovalPolicy, basis: dict[str, Any]) -> dict[str, Any]:
    """Who decides, how many, and the timers; records in `basis` each policy-wide default it falls back on."""
    rule = rule or _NO_RULE
    if not rule.approvers:
        basis["approvers"] = policy.approvers
    if rule.expiry is None:
        basis["expiry"] = format_duration(policy.expiry_for(tier))
    if rule.reminder is None:
        basis["reminder_before"] = policy.reminder_before
    if rule.escalate_to is None:
        basis["escalate_to"] = policy.escalate_to
    expiry = (rule.expiry or policy.expiry_for(tier)).total_seconds()
    share = expiry * policy.reminder_before
    before = math.ceil(
        round(rule.reminder.total_seconds() if rule.reminder else share, 6)
    )  # 100 * 0.07 is 7.000000000000001
    return {
        "approvers": list(rule.approvers or policy.approvers),
        "quorum": max(rule.quorum or default_quorum(tier), default_quorum(tier)),
        "expiry_seconds": int(expiry),
        "reminder_seconds": before if 0 < before < expiry else None,
        "escalate_to": rule.escalate_to or policy.escalate_to,
        "confirm": tier is Tier.CRITICAL if rule.confirm is None else rule.confirm,
    }


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
