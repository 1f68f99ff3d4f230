"""An approval's wake-up keeps the shape earlier versions parse: a task pinned to an older deployment, still
waiting across an upgrade, is resumed by the newer Approval object and must read its decision. Likewise the
stored state goes through the state machine's view (`approvals.approval_state`) and back unchanged."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ConfigDict, Field

from approvals import approval_machine as machine
from approvals.approval_state import Ballot, Reply, Status
from handlers.approval_object import ApprovalState
from handlers.contracts import ApprovalStatus, CardRef, Vote
from tests.approvals.approval_cases import follow
from tests.bot.test_cards import request


class OutcomeBeforeTheSecurityWork(BaseModel):
    """`ApprovalOutcome` as the tasks of earlier versions parse the awakeable's value (extra fields refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: ApprovalStatus
    decided_by: list[str] = Field(default_factory=list)
    reason: str = ""


def test_a_task_of_an_earlier_version_reads_the_decision_it_is_woken_with() -> None:
    state = ApprovalState(request=request(), status=ApprovalStatus.APPROVED, decided_by=["U0BOB"])
    old = OutcomeBeforeTheSecurityWork.model_validate_json(json.dumps(state.wake_up()))
    assert (old.status, old.decided_by) == (ApprovalStatus.APPROVED, ["U0BOB"])
    assert state.outcome().action_hash == "h" * 64  # what the current gate reads, from the object itself


def test_the_stored_state_goes_through_the_machines_view_and_back_unchanged() -> None:
    state = ApprovalState(
        request=request().model_copy(update={"co_requesters": ["U0CAROL"], "team_id": "T0OPS"}),
        status=ApprovalStatus.REJECTED,
        votes=[Vote(voter="U0BOB", approve=False, reason="not now", at=1.5)],
        decided_by=["U0BOB"],
        decided_at=2.5,
        reason="not now",
        cards=[CardRef(channel="C0OPS", ts="1.0"), CardRef(channel="C0APPROVERS", ts="2.0")],
    )
    again = ApprovalState.of(state.request, state.approval())
    assert again == state
    assert again.model_dump_json() == state.model_dump_json()  # what ctx.set stores


def test_the_machine_knows_every_status_the_contracts_do() -> None:
    assert [s.value for s in Status] == [s.value for s in ApprovalStatus]


def test_an_approval_stored_without_a_team_belongs_to_the_home_team_after_the_upgrade() -> None:
    """Approvals stored before they recorded their workspace stay decidable, by the home team's people only."""
    legacy = ApprovalState(request=request().model_copy(update={"team_id": None}))
    home = legacy.approval("T0HOME")
    assert home.team_id == "T0HOME"

    def judged(team: str) -> str:
        step = machine.judge_vote(home, Ballot(voter="U0BOB", team=team, approve=True), "", "inv-1")
        return step.reply.message if step.reply else ""

    assert judged("T0ELSEWHERE") == "You are not in the workspace this approval belongs to."
    assert judged("T0HOME") == ""  # not refused: the vote goes on to be cast
    assert legacy.approval().team_id is None  # one workspace and no home team configured: as before
    assert ApprovalState.of(legacy.request, home).request.team_id is None  # what is stored does not change


@pytest.mark.parametrize("home_team", ["T0HOME", None])
def test_an_approval_stored_with_bare_co_requesters_keeps_separation_of_duties_after_the_upgrade(
    home_team: str | None,
) -> None:
    """Stored before people were (team, user): no team, co-requesters as bare ids. Read as the home team's people
    (or, with one workspace and no home team, as the clicking workspace's), nobody in the chain approves it and
    an approver still may: it stays decidable."""
    legacy = ApprovalState(request=request().model_copy(update={"team_id": None, "co_requesters": ["U0CAROL"]}))
    pending = legacy.approval(home_team)
    team = home_team or "T0SOLE"

    def vote(voter: str) -> Reply | None:
        return follow(machine.vote(pending, Ballot(voter=voter, team=team, approve=True))).reply

    refused = "you requested this action, so someone else must approve it"
    assert vote("U0ALICE") == Reply(False, refused, Status.PENDING)  # the requester
    assert vote("U0CAROL") == Reply(False, refused, Status.PENDING)  # a co-requester, though in the on-call group
    assert vote("U0DAVE") == Reply(True, "Approved. The action will run now.", Status.APPROVED)  # on call
    assert vote("U0BOB") == Reply(True, "Approved. The action will run now.", Status.APPROVED)
