"""Shared builders for the policy tests: annotations by kind, a policy from plain data, a one-call decision (of a
confident agent unless a test says otherwise: `confidence=None` is a write that states none)."""

from __future__ import annotations

from typing import Any

from agents.tools import ToolAnnotations
from approvals.policy import ApprovalPolicy, Decision, PolicyContext, ProposedAction, risk_for

READ = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)
READ_OPEN = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=True)
WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=False)
IDEMPOTENT_WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False)
OPEN_WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=True)
DESTRUCTIVE = ToolAnnotations(read_only=False, destructive=True, idempotent=False, open_world=False)
DESTRUCTIVE_IDEMPOTENT = ToolAnnotations(read_only=False, destructive=True, idempotent=True, open_world=False)

ALICE, BOB, CAROL, DAVE = "UALICE", "UBOB", "UCAROL", "UDAVE"
ONCALL = "SONCALL"
PEOPLE = [ALICE, BOB, CAROL]


def policy(**fields: Any) -> ApprovalPolicy:
    """A policy as `opsgate.yml` would give it; approvers default to three people so any quorum up to 2 loads."""
    return ApprovalPolicy.model_validate({"approvers": PEOPLE, **fields})


def decide(
    tool: str = "tool",
    annotations: ToolAnnotations | None = None,
    *,
    rules: list[dict[str, Any]] | None = None,
    the_policy: ApprovalPolicy | None = None,
    server: str = "builtin",
    confidence: float | None = 1.0,
    arguments: dict[str, Any] | None = None,
    frozen: bool = False,
    requester: str = DAVE,
) -> Decision:
    action = ProposedAction(
        tool=tool, arguments=arguments or {}, server=server, annotations=annotations, confidence=confidence
    )
    chosen = the_policy or policy(tools=rules or [])
    return risk_for(action, chosen, PolicyContext(requester=requester, frozen=frozen))
