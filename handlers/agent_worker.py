"""AgentWorker: a specialist agent run as its own durable invocation, one per `AgentTask` handoff.

The orchestrator's `delegate` tool calls `AgentWorker/run` once per subtask (in parallel, see `handlers.handoffs`).
The specialist runs the same agent loop with its own focused tool list; every model call, gate decision and tool
call is a step of *this* invocation, so a crash resumes the specialist where it stopped, and the orchestrator's
journal only holds the typed result. Approvals its calls need are posted in the task's thread like any other, and
its waits show on the task's root (`TaskRoot`).

A handoff's `timeout_seconds` budgets the specialist's own work, measured on journaled times minus the time it
was blocked on people, and checked before each model turn and tool call with its token and cost budgets
(`handlers.budgets`). Once one is spent the specialist stops working, still waits for the approvals it asked
for, and returns `timed_out` (or `over_budget`) with their outcomes. Nothing cancels a specialist on a timer:
only a person (cancel, stop), which Restate propagates down the call tree.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import restate
from restate import TerminalError

from agents.loop import AgentOutcome, AgentProgress, run_agent
from agents.team import AgentResult
from handlers.budgets import AgentBudget
from handlers.contracts import AGENT_RUN, AGENT_WORKER, AgentHandoff, TaskPhase, in_workspace
from handlers.deps import TaskDeps
from handlers.failures import error_id_for, failure_text, logged_detail
from handlers.runtime import DurableAgentRuntime
from handlers.steps import ONE_ATTEMPT
from handlers.task_root import RootEvent, report_root
from handlers.telemetry_attributes import agent_run_attributes
from handlers.tool_gate import ToolGateStep
from handlers.tracing import agent_span_key, emit_span, handoff_span_key

__all__ = ["build_agent_worker"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying


def build_agent_worker(deps: TaskDeps) -> restate.Service:
    service = restate.Service(AGENT_WORKER, ingress_private=True)  # only tasks hand work to specialists

    @service.handler(name=AGENT_RUN, inactivity_timeout=timedelta(minutes=5))
    async def run(ctx: restate.Context, handoff: AgentHandoff) -> AgentResult:
        return await _run_specialist(ctx, handoff, deps)

    return service


async def _quiet_progress(event: AgentProgress) -> None:
    """The thread root belongs to the task; a specialist's progress shows in its spans and its result."""


def _phase_reporter(ctx: restate.Context, handoff: AgentHandoff) -> ToolGateStep.PhaseHook:
    """A specialist's waits on people show on the task's root, through its owner (`TaskRoot`)."""

    async def report(phase: TaskPhase, detail: str) -> None:
        waiting = phase == TaskPhase.WAITING_APPROVAL
        event = RootEvent(
            root=handoff.root,
            team_id=handoff.request.team_id,
            agent=handoff.task.task_id,
            waiting=f"{detail} ({handoff.task.type})" if waiting else None,
            resumed=not waiting,
        )
        report_root(ctx, handoff.request.task_id, event)

    return report


async def _run_specialist(ctx: restate.Context, handoff: AgentHandoff, deps: TaskDeps) -> AgentResult:
    task = handoff.task
    deps = replace(deps, notifier=in_workspace(deps.notifier, handoff.request.team_id))
    agent = deps.specialist(task.type)
    if agent is None:
        raise TerminalError(f"no agent called {task.type!r} in this deployment")
    started = await ctx.time()
    gate = ToolGateStep(
        ctx, handoff.request, deps, handoff.root, _phase_reporter(ctx, handoff), agent=agent, scope=task.task_id
    )
    runtime = DurableAgentRuntime(
        ctx, handoff.request, agent, deps, _quiet_progress, gate, handoff.root, scope=task.task_id
    )
    error: str | None = None
    detail: str | None = None  # the failure's full text, for the log and the span; `error` is what the lead is told
    try:
        budget = AgentBudget(
            ctx, handoff.request, agent, deps, gate, work_seconds=task.timeout_seconds, started=started
        )
        outcome = await run_agent(agent, deps.tools_for(agent), task.prompt(), runtime, budget=budget)
    except TerminalError as exc:
        if exc.status_code == 409:  # cancelled with its task: the orchestrator learns it from the call itself
            raise
        error_id = error_id_for(ctx.request().id, f"agent: {task.task_id}")
        detail = logged_detail(exc.message, error_id)
        log.error("agent %s failed in task %s: %s", agent.name, task.task_id, detail)
        error = failure_text(f"The {agent.name} agent failed", exc.message, error_id)
        outcome = AgentOutcome(
            status="failed",
            answer=error,
            turns=0,
            tool_calls=0,
            usage=runtime.usage,
        )
    result = AgentResult(
        task_id=task.task_id,
        agent=agent.name,
        status=outcome.status,
        summary=outcome.answer,
        artifacts=runtime.artifacts[-10:],
        usage=outcome.usage,
        errors=[*runtime.errors, *([error] if error else [])],
        turns=outcome.turns,
        tool_calls=outcome.tool_calls,
    )
    ended = await ctx.time()

    async def emit() -> None:
        _emit_agent_span(handoff, result, started, ended, detail)
        # Stored before the orchestrator goes on: its trace summary may be built by another worker process.
        await asyncio.to_thread(deps.flush_spans, 5.0)

    await ctx.run_typed("trace: invoke_agent", emit, ONE_ATTEMPT.options())
    return result


def _emit_agent_span(
    handoff: AgentHandoff, result: AgentResult, started: float, ended: float, detail: str | None = None
) -> None:
    emit_span(
        f"invoke_agent {result.agent}",
        handoff.request.task_id,
        handoff.request.trace_context,
        start_s=started,
        end_s=ended,
        attributes={
            **agent_run_attributes(
                agent=result.agent,
                agent_id=handoff.task.task_id,
                conversation_id=handoff.root.ts,
                task_type=handoff.task.type,
                usage=result.usage,
                status=result.status,
                tool_calls=result.tool_calls,
                errors=result.errors,
            ),
            "opsgate.handoff.parent_task_id": handoff.task.parent_task_id,
        },
        error=None if result.status == "done" else (detail or result.summary)[:200],
        key=agent_span_key(handoff.task.task_id),
        parent=handoff_span_key(handoff.task.task_id),
    )
