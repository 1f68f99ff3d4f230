"""The thread root's one owner, as pure transitions: waits from any agent show, a final view is sticky."""

from __future__ import annotations

from handlers.contracts import TaskPhase, TaskView, ThreadRef
from handlers.task_root import RootEvent, RootState, apply, release, reserve, shown_view

ROOT = ThreadRef(channel="C0OPS", ts="1.000")


def view(phase: TaskPhase, detail: str = "") -> TaskView:
    return TaskView(task_id="t-1", requester="U0ALICE", request="restart api", phase=phase, detail=detail)


def run(*events: RootEvent) -> RootState:
    state = RootState()
    for event in events:
        state = apply(state, event)
    return state


def shown(state: RootState) -> TaskView:
    assert state.view is not None
    return shown_view(state.view, state.waiting)


def test_a_specialists_wait_shows_on_the_root_while_the_lead_runs() -> None:
    state = run(
        RootEvent(root=ROOT, view=view(TaskPhase.RUNNING, "`delegate`")),
        RootEvent(root=ROOT, agent="t-1.1.2", waiting="`send_email` needs approval (comms)"),
        RootEvent(root=ROOT, view=view(TaskPhase.RUNNING, "thinking")),  # the lead's progress does not hide it
    )
    assert shown(state).phase is TaskPhase.WAITING_APPROVAL
    assert shown(state).detail == "`send_email` needs approval (comms)"


def test_the_root_runs_again_only_when_every_agent_has_resumed() -> None:
    state = run(
        RootEvent(root=ROOT, view=view(TaskPhase.RUNNING)),
        RootEvent(root=ROOT, agent="a", waiting="`restart_service` needs approval (ops)"),
        RootEvent(root=ROOT, agent="b", waiting="`send_email` needs approval (comms)"),
        RootEvent(root=ROOT, agent="a", resumed=True),
    )
    assert shown(state).phase is TaskPhase.WAITING_APPROVAL
    assert shown(state).detail == "`send_email` needs approval (comms)"
    state = apply(state, RootEvent(root=ROOT, agent="b", resumed=True))
    assert shown(state).phase is TaskPhase.RUNNING


def test_a_final_view_is_sticky_against_late_events() -> None:
    state = run(
        RootEvent(root=ROOT, view=view(TaskPhase.RUNNING)),
        RootEvent(root=ROOT, agent="a", waiting="`restart_service` needs approval (ops)"),
        RootEvent(root=ROOT, view=view(TaskPhase.CANCELLED)),
        RootEvent(root=ROOT, agent="a", resumed=True),  # a specialist being cancelled reports late
        RootEvent(root=ROOT, agent="b", waiting="`send_email` needs approval (comms)"),
        RootEvent(root=ROOT, view=view(TaskPhase.RUNNING)),
    )
    assert shown(state).phase is TaskPhase.CANCELLED
    assert state.waiting == {}


def test_many_waits_are_summarised() -> None:
    waiting = {str(n): f"`tool_{n}` needs approval" for n in range(5)}
    detail = shown_view(view(TaskPhase.RUNNING), waiting).detail
    assert detail.count("needs approval") == 3 and detail.endswith("(and 2 more)")


def test_approval_slots_count_the_task_and_a_retried_reservation_gets_its_own_slot_back() -> None:
    state = RootState()
    for n in range(1, 6):
        state, slot = reserve(state, f"call-{n}")
        assert (slot.granted, slot.waiting, slot.ordinal) == (True, n - 1, n)
    state, again = reserve(state, "call-3")  # the same call asks again (a retried step): the same slot
    assert (again.granted, again.ordinal) == (True, 3)
    state, refused = reserve(state, "call-6")
    assert (refused.granted, refused.waiting, refused.ordinal) == (False, 5, 0)
    state = release(release(state, "call-1"), "call-1")  # released twice: once
    state, sixth = reserve(state, "call-6")
    assert (sixth.granted, sixth.waiting, sixth.ordinal) == (True, 4, 6)  # ordinals keep counting the task


def test_phase_events_keep_the_approval_slots() -> None:
    state, _ = reserve(RootState(), "call-1")
    state = apply(state, RootEvent(root=ROOT, view=view(TaskPhase.RUNNING)))
    assert state.slots == {"call-1": 1} and state.opened == 1
