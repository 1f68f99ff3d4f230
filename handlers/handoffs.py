"""Handoffs: the `delegate` tool of an orchestrator, run as durable calls to the AgentWorker service.

Each `AgentTask` becomes one `AgentWorker/run` invocation; they run in parallel and the parent's journal holds
only their typed results.
"""

from __future__ import annotations

from collections.abc import Callable

import restate
from restate import RestateDurableCallFuture, TerminalError

from agents.messages import ToolUseBlock
from agents.slack_text import escape
from agents.team import AgentResult, AgentTask, parse_handoffs, render_results
from agents.tools import ToolResult
from handlers.contracts import AGENT_RUN, AGENT_WORKER, AgentHandoff, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.steps import ONE_ATTEMPT, slack_step
from handlers.tracing import agent_span_key, emit_span, handoff_span_key

__all__ = ["Handoffs"]


class Handoffs:
    """The `delegate` calls of one orchestrating agent run."""

    def __init__(
        self,
        ctx: restate.Context,
        request: TaskRequest,
        deps: TaskDeps,
        root: ThreadRef,
        delegates: list[str],
        redact: Callable[[str], str],
        *,
        scope: str = "",
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._deps = deps
        self._root = root
        self._delegates = delegates
        self._redact = redact
        self._scope = scope

    async def delegate(self, turn: int, call: ToolUseBlock) -> ToolResult:
        """Hand the subtasks to their specialists as durable calls, in parallel, each with its own work budget."""
        tasks = parse_handoffs(call, self._scope or self._request.task_id, turn, self._delegates)
        if isinstance(tasks, str):
            return ToolResult(content=tasks, is_error=True)
        lines = "\n".join(f"• *{escape(task.type, 80)}*: {escape(task.objective, 200)}" for task in tasks)
        await slack_step(
            self._ctx, f"slack: handoff {call.id}", self._deps.notifier.reply, self._root, f"Handing off:\n{lines}"
        )
        started = await self._ctx.time()
        results = await _run_parallel(
            self._ctx, [AgentHandoff(task=t, request=self._request, root=self._root) for t in tasks]
        )
        ended = await self._ctx.time()
        await self._ctx.run_typed(
            f"trace: handoff {call.id}",
            _emit_handoffs,
            ONE_ATTEMPT.options(),
            self._request,
            tasks,
            results,
            started,
            ended,
            agent_span_key(self._scope),
            self._redact,
        )
        failed = [r for r in results if r.status != "done"]
        return ToolResult(content=render_results(results), is_error=len(failed) == len(results))


async def _run_parallel(ctx: restate.Context, handoffs: list[AgentHandoff]) -> list[AgentResult]:
    """Each handoff is a call to the AgentWorker service, all started at once. No timer races them: a specialist
    budgets its own work (see `handlers.agent_worker`), and waits on people are no deadline. Cancelling the task
    cancels these calls with it (Restate propagates cancellation down the call tree)."""
    calls = [ctx.generic_call(AGENT_WORKER, AGENT_RUN, handoff.model_dump_json().encode()) for handoff in handoffs]
    return [await _result_of(call, handoff.task) for call, handoff in zip(calls, handoffs, strict=True)]


async def _result_of(future: RestateDurableCallFuture[bytes], task: AgentTask) -> AgentResult:
    try:
        return AgentResult.model_validate_json(await future)
    except TerminalError as exc:
        if exc.status_code == 409:  # a specialist is only ever cancelled with its task: the task is ending
            raise
        return AgentResult(
            task_id=task.task_id, agent=task.type, status="failed", summary=exc.message, errors=[exc.message]
        )


async def _emit_handoffs(
    request: TaskRequest,
    tasks: list[AgentTask],
    results: list[AgentResult],
    started: float,
    ended: float,
    parent: str,
    redact: Callable[[str], str],
) -> None:
    """One span per handoff with the typed task and result, so the trace shows who was asked what."""
    for task, result in zip(tasks, results, strict=True):
        emit_span(
            f"handoff {task.type}",
            request.task_id,
            request.trace_context,
            start_s=started,
            end_s=ended,
            attributes={
                "opsgate.handoff.task_id": task.task_id,
                "opsgate.handoff.parent_task_id": task.parent_task_id,
                "opsgate.handoff.type": task.type,
                "opsgate.handoff.objective": redact(task.objective),
                "opsgate.handoff.timeout_s": task.timeout_seconds,
                "opsgate.handoff.task": redact(task.model_dump_json()),
                "opsgate.handoff.status": result.status,
                "opsgate.handoff.result": redact(result.model_dump_json(exclude={"artifacts"})),
            },
            error=None if result.status == "done" else result.summary[:200],
            key=handoff_span_key(task.task_id),
            parent=parent,
        )
