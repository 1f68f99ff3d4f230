"""Risk policy, approver authorization, approval records and audit log: the approvals domain, free of I/O.

`risk_for` decides what a proposed tool call needs, `may_vote` who may decide it; see `approvals.policy`.
"""

from approvals.authz import CachedUserGroups, Refusal, UserGroupDirectory, eligible_approvers, may_administer, may_vote
from approvals.policy import (
    ApprovalPolicy,
    ArgumentConstraint,
    Decision,
    Handling,
    PolicyContext,
    ProposedAction,
    Tier,
    ToolRule,
    action_hash,
    explain,
    risk_for,
    unsatisfiable_reason,
)

__all__ = [
    "ApprovalPolicy",
    "ArgumentConstraint",
    "CachedUserGroups",
    "Decision",
    "Handling",
    "PolicyContext",
    "ProposedAction",
    "Refusal",
    "Tier",
    "ToolRule",
    "UserGroupDirectory",
    "action_hash",
    "eligible_approvers",
    "explain",
    "may_administer",
    "may_vote",
    "risk_for",
    "unsatisfiable_reason",
]
