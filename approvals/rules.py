"""The risk policy as people write it in `opsgate.yml`: policy-wide defaults and per-tool rules.

Loading is where a mistake is cheapest, so a policy that cannot be satisfied is refused here, each problem at the
location of the value at fault: a quorum that the named approvers cannot reach once the requester is left out,
a critical quorum below two, a high or critical rule nobody may approve, a rule that an earlier rule always
wins over. User groups cannot be sized at load time; `unsatisfiable_reason` is the check for them at run time.

Rules are tried in order and the first whose `match` fits the tool wins, like firewall rules: what you read
top-down is what happens, and `/ops policy <tool>` names the rule that won.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from approvals.constraints import ArgumentConstraint
from approvals.fields import ChannelId, Duration, Principal, is_group
from approvals.matrix import CASES, ConfidenceMatrix
from approvals.tiers import Tier

__all__ = ["ApprovalPolicy", "ToolRule", "default_quorum"]

_GLOB_CHARS = set("*?[")
_MATCH = re.compile(r"(?:[\w.*?\[\]!-]+:)?[\w.*?\[\]!-]+")  # `tool` or `server:tool`, each a glob


def default_quorum(tier: Tier | None) -> int:
    """Votes needed when a rule names no quorum: two distinct approvers for critical, one otherwise."""
    return 2 if tier is Tier.CRITICAL else 1


class ToolRule(BaseModel):
    """What the policy says about the tools `match` names; unset fields fall back to annotations or defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    match: str = Field(description="Glob on the tool name (`deploy_*`), or `server:tool` (`github:*`).")
    tier: Tier | None = Field(default=None, description="Overrides what the tool's annotations would give.")
    reversible: bool | None = None
    approvers: list[Principal] = Field(default_factory=list, description="Empty uses `policy.approvers`.")
    quorum: int | None = Field(default=None, ge=1)
    expiry: Duration | None = None
    reminder: Duration | None = Field(default=None, description="How long before expiry to remind the approvers.")
    escalate_to: Principal | None = None
    constraints: dict[str, ArgumentConstraint] = Field(default_factory=dict, description="By argument name.")
    confirm: bool | None = Field(default=None, description="Typed confirmation; on for critical unless false.")

    @field_validator("match")
    @classmethod
    def _match_is_a_pattern(cls, match: str) -> str:
        if not _MATCH.fullmatch(match):
            raise PydanticCustomError(
                "tool_pattern",
                "'{match}' is not a tool pattern: write a tool name or glob like deploy_*, "
                "optionally after a server name like github:*",
                {"match": match},
            )
        return match

    @model_validator(mode="after")
    def _critical_needs_two(self) -> Self:
        if self.tier is Tier.CRITICAL and self.quorum is not None and self.quorum < 2:
            problem = PydanticCustomError(
                "critical_quorum", "a critical action needs two distinct approvers: quorum must be at least 2"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__, [{"type": problem, "loc": ("quorum",), "input": self.quorum}]
            )
        return self

    @property
    def server_glob(self) -> str:
        return self.match.rpartition(":")[0] or "*"

    @property
    def tool_glob(self) -> str:
        return self.match.rpartition(":")[2]

    def matches(self, tool: str, server: str) -> bool:
        return fnmatchcase(tool, self.tool_glob) and fnmatchcase(server, self.server_glob)

    def covers(self, later: ToolRule) -> bool:
        """True when every tool `later` matches is matched by this rule too (sound, not complete)."""

        def part(mine: str, theirs: str) -> bool:
            literal = not _GLOB_CHARS & set(theirs)
            return mine in ("*", theirs) or (literal and fnmatchcase(theirs, mine))

        return part(self.server_glob, later.server_glob) and part(self.tool_glob, later.tool_glob)


class ApprovalPolicy(BaseModel):
    """The `policy:` section of `opsgate.yml`. The defaults approve nothing until approvers are named."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confidence_threshold: float = Field(
        default=0.7, ge=0, le=1, description="Below it (or with none stated), a write is doubtful."
    )
    confidence_matrix: ConfidenceMatrix = Field(
        default_factory=ConfidenceMatrix, description="How confidence and reversibility raise a write's tier."
    )
    approvers: list[Principal] = Field(default_factory=list, description="Default approvers: users and groups.")
    admins: list[Principal] = Field(default_factory=list, description="May `/ops freeze` and administer.")
    approvers_channel: ChannelId | None = None
    escalate_to: Principal | None = Field(default=None, description="Pinged once when an approval expires.")
    trusted_servers: list[str] = Field(default_factory=list, description="MCP servers whose annotations count.")
    high_expiry: Duration = timedelta(hours=24)
    critical_expiry: Duration = timedelta(minutes=30)
    reminder_before: float = Field(default=0.2, ge=0, lt=1, description="Share of the expiry left at the reminder.")
    tools: list[ToolRule] = Field(default_factory=list, description="First match wins.")

    def trusts(self, server: str) -> bool:
        """Whether the annotations of `server`'s tools are believed; built-in tools always are."""
        return server == "builtin" or server in self.trusted_servers

    def rule_for(self, tool: str, server: str) -> tuple[int, ToolRule] | None:
        """The first rule that matches, with its index in `tools`."""
        return next(((i, rule) for i, rule in enumerate(self.tools) if rule.matches(tool, server)), None)

    def expiry_for(self, tier: Tier) -> timedelta:
        return self.critical_expiry if tier is Tier.CRITICAL else self.high_expiry

    @model_validator(mode="after")
    def _can_be_satisfied(self) -> Self:
        errors: list[InitErrorDetails] = []

        def fail(loc: tuple[str | int, ...], kind: str, message: str, value: object) -> None:
            errors.append({"type": PydanticCustomError(kind, message), "loc": loc, "input": value})

        if self.approvers and (problem := _quorum_problem(self.approvers, 1)):
            fail(("approvers",), "unsatisfiable", problem, self.approvers)
        for case in CASES:
            for tier, raised in self.confidence_matrix.row(case).items():
                if raised is Tier.CRITICAL and self.approvers and (problem := _quorum_problem(self.approvers, 2)):
                    where = ("confidence_matrix", case, tier.value)
                    fail(where, "unsatisfiable", f"with policy.approvers, {problem}", raised.value)
        for index, rule in enumerate(self.tools):
            here = ("tools", index)
            earlier = next((i for i, other in enumerate(self.tools[:index]) if other.covers(rule)), None)
            if earlier is not None:
                message = (
                    f"this rule never applies: tools[{earlier}] ({self.tools[earlier].match}) comes first and "
                    "matches every tool it does (the first matching rule wins; move the narrower rule up)"
                )
                fail((*here, "match"), "shadowed_rule", message, rule.match)
            approvers = rule.approvers or self.approvers
            asks = rule.tier is not None and rule.tier.needs_approval
            if asks and not approvers:
                message = f"nobody may approve this {rule.tier} rule: name approvers here or in policy.approvers"
                fail((*here, "approvers"), "no_approvers", message, None)
            elif (asks or rule.approvers) and (problem := _quorum_problem(approvers, _quorum(rule))):
                field = "approvers" if rule.approvers else "quorum" if rule.quorum else "tier"
                problem = problem if rule.approvers else f"with policy.approvers, {problem}"
                fail((*here, field), "unsatisfiable", problem, getattr(rule, field))
            expiry = rule.expiry or (self.expiry_for(rule.tier) if rule.tier else None)
            if rule.reminder is not None and expiry is not None and rule.reminder >= expiry:
                message = "the reminder must come before the approval expires (reminder is how long before expiry)"
                fail((*here, "reminder"), "late_reminder", message, rule.reminder)
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


def _quorum(rule: ToolRule) -> int:
    return rule.quorum or default_quorum(rule.tier)


def _quorum_problem(approvers: list[str], quorum: int) -> str | None:
    """Why named users cannot reach `quorum` when one of them is the requester; groups are sized at run time."""
    if any(is_group(principal) for principal in approvers):
        return None
    people = len(set(approvers))
    if people > quorum:
        return None
    named = "1 approver" if people == 1 else f"{people} approvers"
    return (
        f"{named} cannot reach a quorum of {quorum} when one of them requests the action (nobody approves "
        f"their own): name at least {quorum + 1} people, or a user group"
    )
