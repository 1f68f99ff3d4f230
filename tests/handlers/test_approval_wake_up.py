"""An approval's wake-up keeps the shape earlier versions parse: a task pinned to an older deployment, still
waiting across an upgrade, is resumed by the newer Approval object and must read its decision."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field

from handlers.approval_object import ApprovalState
from handlers.contracts import ApprovalStatus
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
