"""The caps per task on approvals waiting at once and on user-group pings."""

from __future__ import annotations

from approvals.caps import GROUP_PINGS_PER_TASK, MAX_PENDING_APPROVALS, pending_refusal, pings_groups


def test_approvals_are_refused_to_the_model_once_the_cap_waits() -> None:
    assert (MAX_PENDING_APPROVALS, GROUP_PINGS_PER_TASK) == (5, 3)
    assert [pending_refusal(n) for n in range(MAX_PENDING_APPROVALS)] == [None] * MAX_PENDING_APPROVALS
    refusal = pending_refusal(MAX_PENDING_APPROVALS)
    assert refusal is not None
    assert refusal.startswith("Not requested: 5 approvals of this task are already waiting on people")
    assert "has NOT run" in refusal and "at most 5" in refusal
    assert pending_refusal(1, limit=1) is not None and pending_refusal(0, limit=1) is None


def test_only_the_first_approvals_of_a_task_ping_groups() -> None:
    assert [pings_groups(n) for n in range(1, 7)] == [True, True, True, False, False, False]
    assert pings_groups(2, limit=1) is False
