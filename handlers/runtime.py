"""The durable side of the agent loop: each model call, gate decision and tool call is a named Restate step.

A tool that fails for good (`ToolError`) is not an exception at all: its message becomes the tool's result so
the model can choose differently. Retry policies live in `handlers.steps`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import restate
from opentelemetry.trace import Span, Status, StatusCode
from restate import RestateDurableCallFuture, RestateDurableFuture, TerminalError

from agents.guardrails.sealed import VaultUnreadable
from agents.guardrails.vault import PseudonymVault
from agents.loop import AgentProgress, ToolVerdict
from agents.messages import ModelRequest, ModelResponse, ToolUseBlock, Usage
from agents.models import ModelError
from agents.resilience import CircuitOpenError
from agents.slack_text import escape
from agents.spec import AgentSpec
from agents.team import DELEGATE, AgentResult, AgentTask, Artifact, parse_handoffs, render_results
from agents.tools import ToolCallContext, ToolError, ToolResult
from handlers.contracts import AGENT_RUN, AGENT_WORKER, AgentHandoff, GuardrailVerdict, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.failures import error_id_for, logged_detail
from handlers.genai_metrics import metrics as genai_metrics
from handlers.steps import MODEL_RETRY, ONE_ATTEMPT, TOOL_RETRY, slack_step
from handlers.telemetry_attributes import (
    breaker_attributes,
    chat_request_attributes,
    chat_response_attributes,
    model_failure,
    provider_of,
    tool_attributes,
    tool_error_notice,
)
from handlers.tool_gate import ToolGateStep
from handlers.tracing import agent_span_key, emit_span, handoff_span_key, step_span

__all__ = ["DurableAgentRuntime"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying

UNAVAILABLE = (
    "{tool} is unavailable ({why}). This is not about your arguments: do not call it again in this task; carry "
    "on without it if you can, or say that the task cannot be finished."
)
CONTENT_LIMIT = 16_000
"""Characters of message content kept per attribute when content tracing is on."""
OUTCOME_UNKNOWN = (
    "The call to {tool} was interrupted and its outcome is unknown; it was not run again, because it cannot be "
    "repeated safely. A person has been asked to check. Do not retry it."
)


class DurableAgentRuntime:
    ProgressHook = Callable[[AgentProgress], Awaitable[None]]

    def __init__(
        self,
        ctx: restate.Context,
        request: TaskRequest,
        agent: AgentSpec,
        deps: TaskDeps,
        progress: ProgressHook,
        gate: ToolGateStep,
        root: ThreadRef,
        *,
        scope: str = "",
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._agent = agent
        self._deps = deps
        self._progress = progress
        self._gate = gate
        self._root = root
        self._scope = scope
        """The agent task id of a specialist ("" for the task's own agent): it keeps keys and ids distinct."""
        self.errors: list[str] = []
        """Every tool failure of this run, in order: the agent's result reports them (nothing fails silently)."""
        self.artifacts: list[Artifact] = []
        self.usage = Usage()
        """Tokens of this run's model calls so far (journaled responses, so a replay counts the same)."""

    @property
    def task_type(self) -> str:
        """What kind of work this run is, for usage by task type: a specialist's task type, or the request."""
        if self._scope:
            return self._agent.name
        return "follow-up" if self._request.follow_up else "request"

    def _span(self, name: str) -> AbstractContextManager[Span]:
        """A step span of this agent's run, under its `invoke_agent` span."""
        return step_span(name, self._request.task_id, self._request.trace_context, parent=agent_span_key(self._scope))

    def _agent_attributes(self) -> dict[str, str]:
        return {"gen_ai.agent.name": self._agent.name, "opsgate.task.type": self.task_type}

    def _content_attributes(self, request: ModelRequest, response: ModelResponse) -> dict[str, str]:
        """The gen_ai content attributes (JSON strings), for deployments that opted in."""
        sent = [message.model_dump(mode="json") for message in request.messages]
        answer = [{"role": "assistant", "content": [block.model_dump(mode="json") for block in response.content]}]
        return {
            "gen_ai.system_instructions": self._redact(request.system[:CONTENT_LIMIT]),
            "gen_ai.input.messages": self._redact(json.dumps(sent, ensure_ascii=False)[:CONTENT_LIMIT]),
            "gen_ai.output.messages": self._redact(json.dumps(answer, ensure_ascii=False)[:CONTENT_LIMIT]),
        }

    def _redact(self, text: str) -> str:
        """Text bound for a span attribute: secrets redacted, personal data as placeholders."""
        return self._deps.tool_output_guard.check(text).text

    def _key(self, turn: int, call: ToolUseBlock) -> str:
        return f"{self._scope or self._request.task_id}:{turn}:{call.id}"

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        model = self._deps.model

        async def call() -> ModelResponse:
            with self._span(f"chat {model.name}") as span:
                span.set_attributes(chat_request_attributes(model.name, request, turn))
                span.set_attributes(self._agent_attributes())
                provider = provider_of(model.name)
                began = time.perf_counter()
                try:
                    response = await model.request(request)
                except ModelError as exc:
                    error_type = exc.kind or type(exc).__name__
                    span.set_attribute("error.type", error_type)
                    span.set_attributes(breaker_attributes(self._deps.breakers, "model:"))
                    genai_metrics().record_chat(
                        provider=provider,
                        request_model=model.name,
                        response_model=None,
                        input_tokens=0,
                        output_tokens=0,
                        duration_s=time.perf_counter() - began,
                        error_type=error_type,
                    )
                    # Final by construction: ResilientModel already retried what was worth retrying.
                    raise TerminalError(model_failure(exc)) from exc
                usage = response.usage
                genai_metrics().record_chat(  # inside the step: a replay does not count the call again
                    provider=provider,
                    request_model=model.name,
                    response_model=response.model,
                    input_tokens=usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
                    output_tokens=usage.output_tokens,
                    duration_s=time.perf_counter() - began,
                )
                span.set_attributes(chat_response_attributes(response, self._deps.prices.cost(response.model, usage)))
                if self._deps.trace_content:  # opt-in; redacted like any tool output, and clipped
                    span.set_attributes(self._content_attributes(request, response))
                return response

        response: ModelResponse = await self._ctx.run_typed(
            f"model: turn {turn}", call, MODEL_RETRY.options(ModelResponse)
        )
        self.usage = self.usage + response.usage
        return response

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        if call.name == DELEGATE and self._agent.delegates:
            return ToolVerdict(allowed=True)  # a handoff has no effect itself; each specialist's calls are gated
        return await self._gate.review(call, rationale)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        if call.name == DELEGATE and self._agent.delegates:
            result = await self._delegate(turn, call)
        else:
            result = await self._run_tool(turn, call)
        if result.is_error:
            self.errors.append(f"{call.name}: {result.content[:300]}")
        elif call.name != DELEGATE:
            self.artifacts.append(Artifact(name=f"{call.name} ({call.id})", content=result.content[:2000]))
        return result

    async def _run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        tool = self._deps.toolbox.get(call.name)
        key = self._key(turn, call)
        context = ToolCallContext(
            task_id=self._request.task_id, call_id=call.id, requester=self._request.user_id, idempotency_key=key
        )
        annotations = tool.spec.annotations if tool is not None else None
        effect = annotations is not None and not annotations.read_only
        at_most_once = effect and annotations is not None and not annotations.idempotent

        breaker = self._deps.breakers.get(f"tool:{call.name}")
        step = f"tool: {call.name} ({call.id})"
        error_id = error_id_for(self._ctx.request().id, step)  # what the thread shows of a failure of this call
        # The gate's action hash, tier and approval id: the audit ties what ran to what a person approved.
        cleared = self._gate.cleared[call.id].audit_detail() if call.id in self._gate.cleared else {}

        async def execute() -> ToolResult:
            with self._span(f"execute_tool {call.name}") as span:
                span.set_attributes(self._agent_attributes())
                span.set_attributes(tool_attributes(call, tool.spec if tool is not None else None))
                if tool is None:
                    return ToolResult(
                        content=f"Tool {call.name!r} does not exist.", is_error=True, error_kind="arguments"
                    )
                arguments, vault = self._restored(call)
                egress = self._deps.egress
                open_world = tool.spec.annotations.open_world
                if vault is not None and egress is not None and open_world and (outside := egress.check(arguments)):
                    return ToolResult(  # checked on the real values, not on their placeholders
                        content=f"Blocked by the egress allowlist once personal data was restored: {outside}",
                        is_error=True,
                        error_kind="arguments",
                    )
                try:
                    breaker.allow()
                except CircuitOpenError as exc:
                    span.set_attribute("error.type", "CircuitOpen")
                    span.set_attributes(breaker.snapshot().as_attributes())
                    return ToolResult(
                        content=UNAVAILABLE.format(tool=call.name, why=exc), is_error=True, error_kind="unavailable"
                    )
                if at_most_once and not await asyncio.to_thread(
                    self._deps.executions.claim, key, self._request.task_id, call.name
                ):
                    breaker.release()
                    span.set_attribute("error.type", "OutcomeUnknown")
                    await self._audit("outcome_unknown", key, tool=call.name, **cleared)
                    return ToolResult(
                        content=OUTCOME_UNKNOWN.format(tool=call.name),
                        is_error=True,
                        unknown=True,
                        error_kind="unknown_outcome",
                    )
                try:
                    result = await tool.call(arguments, context)
                except ToolError as exc:  # the tool answered: healthy, but these arguments do not work
                    breaker.record_success()
                    span.set_attribute("error.type", "ToolError")
                    result = ToolResult(content=str(exc), is_error=True, error_kind="arguments")
                except Exception as exc:
                    breaker.record_failure()
                    span.set_attribute("error.type", type(exc).__name__)
                    span.set_attribute("opsgate.error.id", error_id)
                    span.set_attributes(breaker.snapshot().as_attributes())
                    log.warning("tool %s failed in task %s: %s", call.name, self._request.task_id, exc)
                    if not at_most_once:
                        raise  # Restate retries an idempotent call (TOOL_RETRY); the others get no second attempt
                    await asyncio.to_thread(self._deps.executions.finish, key, "error")
                    await self._audit("outcome_unknown", key, tool=call.name, error=type(exc).__name__, **cleared)
                    return ToolResult(
                        content=OUTCOME_UNKNOWN.format(tool=call.name),
                        is_error=True,
                        unknown=True,
                        error_kind="unknown_outcome",
                    )
                else:
                    breaker.record_success()
                if at_most_once:
                    await asyncio.to_thread(self._deps.executions.finish, key, "error" if result.is_error else "ok")
                result = await self._screen(call.name, key, result, vault)
                if result.is_error:  # what the model was told (screened), short: the trace summary lists it
                    span.set_status(Status(StatusCode.ERROR, result.content[:200]))
                    span.set_attribute("opsgate.error.id", error_id)
                if effect:
                    event = "execution_failed" if result.is_error else "executed"
                    await self._audit(event, key, tool=call.name, **cleared)
                return result

        idempotent = tool is not None and tool.spec.annotations.idempotent
        retry = TOOL_RETRY if idempotent else ONE_ATTEMPT
        try:
            result: ToolResult = await self._ctx.run_typed(step, execute, retry.options(ToolResult))
        except TerminalError as exc:
            if exc.status_code == 409:  # the task is being cancelled
                raise
            attempts = retry.max_attempts
            why = f"failed {attempts} time{'s' if attempts > 1 else ''}: {exc.message}"
            result = ToolResult(
                content=UNAVAILABLE.format(tool=call.name, why=why), is_error=True, error_kind="unavailable"
            )
        if result.is_error:
            log.warning(
                "task %s: %s failed: %s", self._request.task_id, call.name, logged_detail(result.content, error_id)
            )
            await slack_step(
                self._ctx,
                f"slack: tool error {call.id}",
                self._deps.notifier.reply,
                self._root,
                tool_error_notice(call.name, result, error_id),
            )
        return result

    def _restored(self, call: ToolUseBlock) -> tuple[dict[str, Any], PseudonymVault | None]:
        """The call's arguments with personal data put back, for a call a person approved and the data types the
        policy allows; otherwise exactly what the model proposed (and what the approval's hash covers)."""
        sealer, sealed = self._deps.sealer, self._request.sealed_pii
        if not sealed or sealer is None or not self._deps.restore_types:
            return dict(call.input), None
        if call.id not in self._gate.approved_by_people:
            return dict(call.input), None
        try:
            vault = sealer.open(sealed)
        except VaultUnreadable as exc:
            log.warning("task %s: %s", self._request.task_id, exc)
            return dict(call.input), None
        return vault.restore_arguments(dict(call.input), types=self._deps.restore_types), vault

    async def _screen(self, tool: str, key: str, result: ToolResult, vault: PseudonymVault | None = None) -> ToolResult:
        """What a tool returned, as the model may see it: secrets redacted, injected instructions withheld.

        After a call with restored personal data, the task's own placeholders are put back (`vault`): the model and
        the journal see `<EMAIL_1>` again, never the value, and a placeholder the tool echoed stays neutralised."""
        verdict = self._deps.tool_output_guard.check(result.content, vault=vault)
        if verdict.action != "allow":
            judged = GuardrailVerdict(stage="tool_output", action=verdict.action, rules=list(verdict.rules), tool=tool)
            await self._audit("guardrail", f"{key}:tool_output", **judged.detail())
        if verdict.action in ("block", "escalate"):
            why = "; ".join(verdict.reasons) or "it looked unsafe"
            return result.model_copy(update={"content": f"The output of {tool} was withheld from you: {why}."})
        text = verdict.text if vault is None else vault.conceal(verdict.text)  # what the detectors did not see
        return result.model_copy(update={"content": text})

    async def _audit(self, event: str, key: str, **detail: Any) -> None:
        await asyncio.to_thread(self._deps.audit, self._request.task_id, event, f"{key}:{event}", "opsgate", detail)

    async def _delegate(self, turn: int, call: ToolUseBlock) -> ToolResult:
        """Hand the subtasks to their specialists as durable calls, in parallel, each with its own deadline."""
        tasks = parse_handoffs(call, self._scope or self._request.task_id, turn, self._agent.delegates)
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
            restate.RunOptions[None](max_attempts=1),
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

    async def settle_pending(self, turn: int) -> list[str]:
        lines = []
        for call, verdict in await self._gate.settle():
            if not verdict.allowed:
                lines.append(f"{call.name} ({call.id}): not run. {verdict.reason}")
                continue
            result = await self._run_tool(turn, call)
            if result.is_error:
                self.errors.append(f"{call.name}: {result.content[:300]}")
            state = "failed" if result.is_error else "approved and run"
            lines.append(f"{call.name} ({call.id}): {state}. Result: {result.content}")
        return lines

    async def progress(self, event: AgentProgress) -> None:
        await self._progress(event)


async def _run_parallel(ctx: restate.Context, handoffs: list[AgentHandoff]) -> list[AgentResult]:
    """Each handoff is a call to the AgentWorker service raced against its own timer; a late one is cancelled."""
    calls: dict[int, RestateDurableCallFuture[bytes]] = {}
    timers: dict[int, RestateDurableFuture[None]] = {}
    for index, handoff in enumerate(handoffs):
        calls[index] = ctx.generic_call(AGENT_WORKER, AGENT_RUN, handoff.model_dump_json().encode())
        timers[index] = ctx.sleep(timedelta(seconds=handoff.task.timeout_seconds))
    results: dict[int, AgentResult] = {}
    while len(results) < len(handoffs):
        waiting = [f for i, f in calls.items() if i not in results] + [t for i, t in timers.items() if i not in results]
        done, _ = await restate.wait_completed(*waiting)
        for index, future in calls.items():
            if index not in results and future in done:
                results[index] = await _result_of(future, handoffs[index].task)
        for index, timer in timers.items():
            if index not in results and timer in done:
                await calls[index].cancel_invocation()
                task = handoffs[index].task
                results[index] = AgentResult(
                    task_id=task.task_id,
                    agent=task.type,
                    status="timed_out",
                    summary=f"No result within {task.timeout_seconds} s; the subtask was cancelled.",
                    errors=[f"timed out after {task.timeout_seconds} s"],
                )
    return [results[index] for index in range(len(handoffs))]


async def _result_of(future: RestateDurableCallFuture[bytes], task: AgentTask) -> AgentResult:
    try:
        return AgentResult.model_validate_json(await future)
    except TerminalError as exc:
        status = "cancelled" if exc.status_code == 409 else "failed"
        return AgentResult(
            task_id=task.task_id, agent=task.type, status=status, summary=exc.message, errors=[exc.message]
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
