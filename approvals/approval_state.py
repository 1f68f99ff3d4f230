"""What the approval state machine (`approvals.approval_machine`) works on and what it asks its shell to do.

Plain values, no I/O: the state of one approval, the clicks it receives, and the effects of a transition. The
durable shell (the Approval object) journals the effects in order; it makes no decision of its own.

A transition may end in a continuation (`Then`: post the cards, check who may decide inside a journaled step,
read the journaled time): the shell does it after the effects and calls the machine's function it names with
what it got. The last transition of such a chain says what the clicker is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from agents.slack_text import inline_code
from approvals.outcomes import OutcomeAnswer
from approvals.people import Person, person_of
from approvals.risk import Decision, ProposedAction

__all__ = [
    "Answer",
    "Approval",
    "Audit",
    "Ballot",
    "Card",
    "CastVote",
    "CheckAnswerer",
    "CheckApprovers",
    "CheckVoter",
    "Effect",
    "PostCards",
    "PostInThread",
    "RefreshCards",
    "Reply",
    "Save",
    "Schedule",
    "Settle",
    "Status",
    "Then",
    "Transition",
    "Vote",
    "WakeUp",
]


class Status(StrEnum):
    """The same values as the contracts' `ApprovalStatus`, which the shell converts to and from."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    VOIDED = "voided"
    HAPPENED = "happened"
    NOT_HAPPENED = "not_happened"
    RERUN = "rerun"

    @property
    def final(self) -> bool:
        return self is not Status.PENDING

    @property
    def answered(self) -> bool:
        """An outcome question's answer (audited as `resolved`)."""
        return self in (Status.HAPPENED, Status.NOT_HAPPENED, Status.RERUN)


@dataclass(frozen=True)
class Card:
    """One posted copy of the approval card (a Slack message)."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Vote:
    voter: str
    approve: bool
    reason: str
    at: float


@dataclass(frozen=True)
class Approval:
    """One approval: what was asked (fixed when it opens) and what became of it."""

    approval_id: str
    requester: str
    channel: str
    thread_ts: str
    action: ProposedAction
    action_hash: str
    decision: Decision
    co_requesters: tuple[str, ...] = ()
    """`T…:U…`, or a bare user id (stored before teams were) of the approval's workspace."""
    team_id: str | None = None
    """The requester's workspace; votes from another are refused, so every vote is a person of it."""
    home_team: str | None = None
    """The workspace of the bare ids in the decision's approvers (`approvals.people`); None: the approval's."""
    ping_groups: bool = True
    kind: Literal["action", "outcome"] = "action"
    rerun: bool = False
    status: Status = Status.PENDING
    votes: tuple[Vote, ...] = ()
    decided_by: tuple[str, ...] = ()
    decided_at: float | None = None
    reason: str = ""
    cards: tuple[Card, ...] = ()

    def people(self, clicker_team: str = "") -> tuple[Person, tuple[Person, ...], str]:
        """(the requester, the co-requesters, the team of the approvers' bare ids). A stored approval without a
        team (from before teams were recorded, with no home team configured: one workspace) is read in the
        clicker's workspace, the only one opsgate then serves."""
        team = self.team_id or self.home_team or clicker_team
        co_requesters = tuple(person_of(name, team) for name in self.co_requesters)
        return Person(team, self.requester), co_requesters, self.home_team or team

    def what(self) -> str:
        """The approval, named in a reminder or an escalation."""
        tool = inline_code(self.action.tool, 80)
        return f"the question whether {tool} happened" if self.kind == "outcome" else f"the approval for {tool}"


@dataclass(frozen=True)
class Ballot:
    """A click on Approve or Reject; `voter` and `team` are the verified actor's, never the request body's."""

    voter: str
    team: str
    approve: bool
    reason: str = ""
    confirmation: str | None = None
    card: Card | None = None


@dataclass(frozen=True)
class Answer:
    """A click on an outcome question's answer, by the verified actor."""

    voter: str
    team: str
    answer: OutcomeAnswer
    card: Card | None = None


@dataclass(frozen=True)
class Reply:
    """What the person who clicked (or the caller of cancel) is told."""

    accepted: bool
    message: str
    status: Status


@dataclass(frozen=True)
class Save:
    """Store this state; the cards, the wake-up and a post that follow show the state saved last."""

    approval: Approval


@dataclass(frozen=True)
class WakeUp:
    """Resolve the waiting task's awakeable with the saved state's outcome."""


@dataclass(frozen=True)
class Audit:
    """One audit event, written once under `key`; `detail` follows the approval id, in this order."""

    event: str
    key: str
    actor: str | None
    detail: Mapping[str, object]


@dataclass(frozen=True)
class RefreshCards:
    """Edit every posted copy of the card to show the saved state."""


@dataclass(frozen=True)
class PostInThread:
    """Post `text` in the task's thread, as a reminder or an escalation."""

    purpose: Literal["reminder", "escalation"]
    text: str


@dataclass(frozen=True)
class Schedule:
    """A delayed call of this approval's own timer handler."""

    timer: Literal["remind", "expire"]
    delay_seconds: int


@dataclass(frozen=True)
class PostCards:
    """Post the card in the task's thread (and to `also_to`, the approvers' channel); continue with `posted`."""

    also_to: str | None = None


@dataclass(frozen=True)
class CheckApprovers:
    """Inside a journaled step, with the user groups refreshed, ask `unsatisfiable`; continue with `checked`."""


@dataclass(frozen=True)
class CheckVoter:
    """Inside a journaled step, with the user groups refreshed, ask `voter_refusal`; continue with `judge_vote`."""

    ballot: Ballot


@dataclass(frozen=True)
class CheckAnswerer:
    """Inside a journaled step, with the user groups refreshed, ask `answerer_refusal`; continue with
    `judge_answer`."""

    answer: Answer


@dataclass(frozen=True)
class CastVote:
    """Read the (journaled) time; continue with `cast_vote`."""

    ballot: Ballot


@dataclass(frozen=True)
class Settle:
    """Read the (journaled) time; continue with `settle`, which ends the approval, then has `after` done and
    answers `reply`."""

    status: Status
    by: tuple[str, ...] = ()
    reason: str = ""
    after: tuple[Effect, ...] = ()
    reply: Reply | None = None


Effect = Save | WakeUp | Audit | RefreshCards | PostInThread | Schedule
Then = PostCards | CheckApprovers | CheckVoter | CheckAnswerer | CastVote | Settle


@dataclass(frozen=True)
class Transition:
    """The state after a transition (None: there is no approval), the effects in order, then the continuation,
    and what the clicker is told (set on the last transition of a chain)."""

    approval: Approval | None
    effects: tuple[Effect, ...] = ()
    reply: Reply | None = None
    then: Then | None = None
