"""The risk policy's public face: what the tool gate, the approval object and the bot import.

The pieces live in small modules, each importing only the ones before it: `tiers` (tiers and handling),
`fields` (Slack ids, durations), `constraints` (argument limits), `rules` (the `policy:` section of
`opsgate.yml` and its load-time checks), `risk` (`risk_for`, the hashes), `explain` (`/ops policy <tool>`) and
`authz` (who may decide). All of it is pure (no I/O, no clock, no randomness) except `authz.CachedUserGroups`,
whose I/O is an injected fetcher run in the background.
"""

from __future__ import annotations

from approvals.authz import unsatisfiable_reason
from approvals.constraints import ArgumentConstraint, canonical_json
from approvals.explain import explain
from approvals.fields import format_duration, mention, mentions
from approvals.risk import (
    FROZEN_REASON,
    Decision,
    PolicyContext,
    ProposedAction,
    action_hash,
    confirmation_phrase,
    risk_for,
)
from approvals.rules import ApprovalPolicy, ToolRule, default_quorum
from approvals.tiers import Handling, Tier

__all__ = [
    "FROZEN_REASON",
    "ApprovalPolicy",
    "ArgumentConstraint",
    "Decision",
    "Handling",
    "PolicyContext",
    "ProposedAction",
    "Tier",
    "ToolRule",
    "action_hash",
    "canonical_json",
    "confirmation_phrase",
    "default_quorum",
    "explain",
    "format_duration",
    "mention",
    "mentions",
    "risk_for",
    "unsatisfiable_reason",
]
