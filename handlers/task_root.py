"""TaskRoot: the one owner of a task's thread root, a virtual object keyed by the task id.

The lead agent (in the task's workflow) and every specialist (each its own invocation) report phase events here;
the object applies them in order and edits the root only when what it shows changes. While any agent waits on a
person, the root says *Waiting for approval*, whoever waits. A final view (done, failed, cancelled) is sticky: a
late event from a specialist that was being cancelled cannot bring a finished task back to *Running*.

Workflow shared handlers cannot write state, and specialists are other invocations: hence an object, not state
of the workflow. Ingress-private: only the worker's own handlers report here.
"""

from __future__ import annotations

import restate
from pydantic import BaseModel, ConfigDict, Field

from handlers.contracts import TASK_ROOT, TASK_ROOT_APPLY, TaskPhase, TaskView, ThreadRef, in_workspace
from handlers.deps import TaskDeps
from handlers.steps import slack_step

__all__ = ["RootEvent", "apply", "build_task_root", "report_root", "shown_view"]

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
    return RootState(view=view, waiting=waiting, shown=state.shown)


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

    return service


def report_root(ctx: restate.Context, task_id: str, event: RootEvent) -> None:
    """Send `event` to the task's root (one-way: events from one invocation arrive in the order sent)."""
    ctx.generic_send(TASK_ROOT, TASK_ROOT_APPLY, event.model_dump_json().encode(), key=task_id)
