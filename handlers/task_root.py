"""TaskRoot: the one owner of a task's thread root, a virtual object keyed by the task id.

The lead agent (in the task's workflow) and every specialist (each its own invocation) report phase events here;
the object applies them in order and edits the root only when what it shows changes. While any agent waits on a
person, the root says *Waiting for approval*, whoever waits. A final view (done, failed, cancelled) is sticky: a
late event from a specialist that was being cancelled cannot bring a finished task back to *Running*.

It also holds the task's approval slots: the caps of `approvals.caps` (approvals waiting at once, group pings)
count per task, across the lead and every specialist, so each gate reserves a slot here before it opens an
approval and releases it once the approval is decided.

Workflow shared handlers cannot write state, and specialists are other invocations: hence an object, not state
of the workflow. Ingress-private: only the worker's own handlers report here.
"""

from __future__ import annotations

import restate
from pydantic import BaseModel, ConfigDict, Field

from approvals.caps import MAX_PENDING_APPROVALS
from handlers.contracts import (
    TASK_ROOT,
    TASK_ROOT_APPLY,
    TASK_ROOT_RELEASE,
    TASK_ROOT_RESERVE,
    TaskPhase,
    TaskView,
    ThreadRef,
    in_workspace,
)
from handlers.deps import TaskDeps
from handlers.steps import slack_step

__all__ = [
    "ApprovalSlot",
    "RootEvent",
    "apply",
    "build_task_root",
    "release",
    "report_root",
    "reserve",
    "shown_view",
]

FINAL = frozenset({TaskPhase.DONE, TaskPhase.FAILED, TaskPhase.CANCELLED})
MAX_WAITING_SHOWN = 3


class RootEvent(BaseModel):
    """One phase event for the thread root. `agent` is "" for the task's own agent, else a specialist's task id."""

    model_config = ConfigDict(frozen=True)

    root: ThreadRef
    team_id: str = ""
    agent: str = ""
    view: TaskView | None = Field(default=None, description="The task's new view (from the task's own agent).")
    waiting: str | None = Field(default=None, description="This agent now waits on a person, for this reason.")
    resumed: bool = Field(default=False, description="This agent no longer waits on a person.")


class RootState(BaseModel):
    view: TaskView | None = None
    waiting: dict[str, str] = Field(default_factory=dict)
    shown: TaskView | None = None
    slots: dict[str, int] = Field(default_factory=dict)
    """Approvals of the task waiting on people: the call that asked (its gate's key) -> its ordinal."""
    opened: int = 0
    """Approvals the task has asked for so far (their ordinals: 1, 2, 3…)."""


class ApprovalSlot(BaseModel):
    """A gate's answer before it opens an approval."""

    model_config = ConfigDict(frozen=True)

    granted: bool
    waiting: int = Field(description="Approvals of the task already waiting on people (this one not counted).")
    ordinal: int = Field(default=0, description="This approval's place among the task's (1, 2, 3…); 0 if refused.")


def reserve(state: RootState, key: str, limit: int = MAX_PENDING_APPROVALS) -> tuple[RootState, ApprovalSlot]:
    """A slot for the approval `key` asks for (pure). The same key gets the same slot again (a retried call); past
    `limit` approvals waiting at once, across every agent of the task, none."""
    if key in state.slots:
        return state, ApprovalSlot(granted=True, waiting=len(state.slots) - 1, ordinal=state.slots[key])
    if len(state.slots) >= limit:
        return state, ApprovalSlot(granted=False, waiting=len(state.slots))
    ordinal = state.opened + 1
    slots = {**state.slots, key: ordinal}
    return state.model_copy(update={"slots": slots, "opened": ordinal}), ApprovalSlot(
        granted=True, waiting=len(state.slots), ordinal=ordinal
    )


def release(state: RootState, key: str) -> RootState:
    """The approval `key` asked for is decided: its slot is free (pure; releasing twice changes nothing)."""
    if key not in state.slots:
        return state
    return state.model_copy(update={"slots": {k: v for k, v in state.slots.items() if k != key}})


def shown_view(view: TaskView, waiting: dict[str, str]) -> TaskView:
    """What the root shows: the task's view, as *Waiting for approval* while any agent waits (unless final)."""
    if view.phase in FINAL or not waiting:
        return view
    reasons = list(dict.fromkeys(waiting.values()))
    detail = "; ".join(reasons[:MAX_WAITING_SHOWN])
    if len(reasons) > MAX_WAITING_SHOWN:
        detail += f" (and {len(reasons) - MAX_WAITING_SHOWN} more)"
    return view.model_copy(update={"phase": TaskPhase.WAITING_APPROVAL, "detail": detail})


def apply(state: RootState, event: RootEvent) -> RootState:
    """The state after `event` (pure). Nothing changes once the view is final."""
    if state.view is not None and state.view.phase in FINAL:
        return state
    waiting = dict(state.waiting)
    if event.waiting is not None:
        waiting[event.agent] = event.waiting
    if event.resumed:
        waiting.pop(event.agent, None)
    view = event.view or state.view
    if view is not None and view.phase in FINAL:
        waiting = {}
    return state.model_copy(update={"view": view, "waiting": waiting})  # its approval slots stay


def build_task_root(deps: TaskDeps) -> restate.VirtualObject:
    service = restate.VirtualObject(TASK_ROOT, ingress_private=True)

    @service.handler(name=TASK_ROOT_APPLY)
    async def apply_event(ctx: restate.ObjectContext, event: RootEvent) -> None:
        state = await ctx.get("state", type_hint=RootState) or RootState()
        state = apply(state, event)
        if state.view is not None:
            shown = shown_view(state.view, state.waiting)
            if shown != state.shown:
                notifier = in_workspace(deps.notifier, event.team_id)
                await slack_step(ctx, "slack: root", notifier.update_root, event.root, shown)
                state = state.model_copy(update={"shown": shown})
        ctx.set("state", state)

    @service.handler(name=TASK_ROOT_RESERVE)
    async def reserve_slot(ctx: restate.ObjectContext, key: str) -> ApprovalSlot:
        state, slot = reserve(await ctx.get("state", type_hint=RootState) or RootState(), key)
        ctx.set("state", state)
        return slot

    @service.handler(name=TASK_ROOT_RELEASE)
    async def release_slot(ctx: restate.ObjectContext, key: str) -> None:
        ctx.set("state", release(await ctx.get("state", type_hint=RootState) or RootState(), key))

    return service


def report_root(ctx: restate.Context, task_id: str, event: RootEvent) -> None:
    """Send `event` to the task's root (one-way: events from one invocation arrive in the order sent)."""
    ctx.generic_send(TASK_ROOT, TASK_ROOT_APPLY, event.model_dump_json().encode(), key=task_id)
