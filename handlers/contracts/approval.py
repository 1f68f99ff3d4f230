"""What the bot, the task and the Approval object exchange about one approval.

The awakeable id of the waiting task lives only in the object's state: button values carry the approval id,
never the awakeable, so nobody outside the server can resume a task by hand.

An approval has a kind: `action` (may this action run?) or `outcome` (did this action, whose outcome is unknown,
happen?). An outcome question is the same state machine with other answers (`AnswerRequest`, ending `happened`,
`not_happened` or `rerun`), so it has the same timers, audit, card updates and wake-up as an approval.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from approvals import Decision, ProposedAction, Tier
from approvals.outcomes import OutcomeAnswer

__all__ = [
    "AnswerRequest",
    "ApprovalCard",
    "ApprovalKind",
    "ApprovalOutcome",
    "ApprovalRequest",
    "ApprovalStatus",
    "CardRef",
    "Vote",
    "VoteRequest",
    "VoteResult",
    "approval_id_for",
    "question_id_for",
]


ApprovalKind = Literal["action", "outcome"]


def approval_id_for(task_id: str, call_id: str, round_: int = 1) -> str:
    """Deterministic, so a replayed task step addresses the same approval; short enough for a button value."""
    digest = hashlib.sha256(f"{task_id}:{call_id}:{round_}".encode()).hexdigest()
    return f"a-{digest[:20]}"


def question_id_for(task_id: str, call_key: str) -> str:
    """The outcome question of one call (its idempotency key): deterministic, distinct from any approval id."""
    digest = hashlib.sha256(f"{task_id}:{call_key}:outcome".encode()).hexdigest()
    return f"q-{digest[:20]}"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    VOIDED = "voided"  # approved, then the action or its matched rule changed before it ran
    HAPPENED = "happened"  # an outcome question's answers: the action did happen (its result is unknown),
    NOT_HAPPENED = "not_happened"  # it did not (the agent may try once more),
    RERUN = "rerun"  # run it again (offered only for a tool whose repetition is safe)

    @property
    def final(self) -> bool:
        return self is not ApprovalStatus.PENDING


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CardRef(_Frozen):
    channel: str
    ts: str


class ApprovalRequest(_Frozen):
    approval_id: str
    task_id: str
    requester: str
    co_requesters: list[str] = Field(default_factory=list)
    """Who started the chain this action came from (Retry, follow-ups): requesters too, never its approvers."""
    channel: str
    thread_ts: str
    agent: str
    action: ProposedAction
    action_hash: str
    decision: Decision
    awakeable_id: str
    opened_at: float
    preview: str | None = None
    team_id: str | None = None
    """The task's workspace, whose bot posts the cards (None in approvals opened before it was recorded)."""
    ping_groups: bool = True
    """Whether this approval's card, reminder and escalation ping user groups (`approvals.caps`)."""
    masked: dict[str, str] = Field(default_factory=dict)
    """Placeholder → masked value (`<EMAIL_1>` → `a***@example.com`) of the personal data the approved call gets
    back, computed in the worker from the sealed values: the card shows these, never the values."""
    kind: ApprovalKind = "action"
    rerun: bool = False
    """An outcome question offers *Run it again* (the tool says its repetition is safe)."""
    uncertainty: str = Field("", max_length=500)
    """An outcome question: why the outcome is unknown, in opsgate's words."""


class Vote(_Frozen):
    voter: str
    approve: bool
    reason: str = ""
    at: float


class VoteRequest(_Frozen):
    voter: str
    approve: bool
    reason: str = Field("", max_length=2000)
    confirmation: str | None = Field(None, max_length=300)
    card: CardRef | None = None
    """The card message that was clicked (Slack's `container`): a copy the object did not know of is adopted."""


class AnswerRequest(_Frozen):
    """A person's answer to an outcome question; who answered is the envelope's actor."""

    answer: OutcomeAnswer
    card: CardRef | None = None
    """The card message that was clicked (Slack's `container`), as for a vote."""


class VoteResult(_Frozen):
    """The answer shown to the person who clicked (ephemeral)."""

    accepted: bool
    message: str
    status: ApprovalStatus


class ApprovalOutcome(_Frozen):
    """The decision as the object states it. The task's awakeable only wakes the task: Restate's ingress lets
    anyone who knows an awakeable id resolve it, so the gate then reads this from the object itself (ingress-
    private `outcome`) and acts only on a final outcome for the action it asked about (`action_hash`)."""

    status: ApprovalStatus
    decided_by: list[str] = Field(default_factory=list)
    reason: str = ""
    action_hash: str = ""


class ApprovalCard(_Frozen):
    """Everything the approval card shows; the bot renders it as Block Kit."""

    approval_id: str
    task_id: str
    tier: Tier
    tool: str
    arguments: dict[str, Any]
    target: str | None
    rationale: str
    confidence: float | None
    reversible: bool
    reasons: list[str]
    preview: str | None = None
    requester: str
    approvers: list[str]
    quorum: int
    confirm: bool
    expires_at: float
    votes: list[Vote]
    status: ApprovalStatus
    decided_by: list[str] = Field(default_factory=list)
    decided_at: float | None = None
    reason: str = ""
    masked: dict[str, str] = Field(default_factory=dict)
    """Placeholder → masked value of the personal data restored if approved (see `ApprovalRequest.masked`)."""
    ping_groups: bool = True
    """False: the approvers' user groups are named without a ping (past the task's cap, `approvals.caps`)."""
    kind: ApprovalKind = "action"
    rerun: bool = False
    uncertainty: str = ""
