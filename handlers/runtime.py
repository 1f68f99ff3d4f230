"""The durable side of the agent loop: each model call, gate decision and tool call is a named Restate step.

A tool that fails for good (`ToolError`) is not an exception at all: its message becomes the tool's result so
the model can choose differently. Retry policies live in `handlers.steps`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from restate import TerminalError, WorkflowContext

from agents.loop import AgentProgress, ToolVerdict
from agents.messages import ModelRequest, ModelResponse, ToolUseBlock
from agents.models import ModelError
from agents.spec import AgentSpec
from agents.tools import ToolCallContext, ToolError, ToolResult
from handlers.contracts import GuardrailVerdict, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.steps import MODEL_RETRY, ONE_ATTEMPT, TOOL_RETRY, slack_step
from handlers.tool_gate import ToolGateStep
from handlers.tracing import step_span

__all__ = ["DurableAgentRuntime"]

OUTCOME_UNKNOWN = (
    "The call to {tool} was interrupted and its outcome is unknown; it was not run again, because it cannot be "
    "repeated safely. A person has been asked to check. Do not retry it."
)


def _hash(arguments: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()


class DurableAgentRuntime:
    ProgressHook = Callable[[AgentProgress], Awaitable[None]]

    def __init__(
        self,
        ctx: WorkflowContext,
        request: TaskRequest,
        agent: AgentSpec,
        deps: TaskDeps,
        progress: ProgressHook,
        gate: ToolGateStep,
        root: ThreadRef,
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._agent = agent
        self._deps = deps
        self._progress = progress
        self._gate = gate
        self._root = root

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        async def call() -> ModelResponse:
            with step_span(f"chat {self._deps.model.name}", self._request.task_id, self._request.trace_context) as span:
                span.set_attribute("opsgate.turn", turn)
                try:
                    response = await self._deps.model.request(request)
                except ModelError as exc:
                    if exc.retryable:
                        raise
                    raise TerminalError(f"the model refused the request: {exc}") from exc
                span.set_attribute("opsgate.stop_reason", response.stop_reason)
                return response

        return await self._ctx.run_typed(f"model: turn {turn}", call, MODEL_RETRY.options(ModelResponse))

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        return await self._gate.review(call, rationale)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        tool = self._deps.toolbox.get(call.name)
        key = f"{self._request.task_id}:{turn}:{call.id}"
        context = ToolCallContext(
            task_id=self._request.task_id, call_id=call.id, requester=self._request.user_id, idempotency_key=key
        )
        annotations = tool.spec.annotations if tool is not None else None
        effect = annotations is not None and not annotations.read_only
        at_most_once = effect and annotations is not None and not annotations.idempotent

        async def execute() -> ToolResult:
            with step_span(f"execute_tool {call.name}", self._request.task_id, self._request.trace_context) as span:
                span.set_attribute("gen_ai.tool.name", call.name)
                span.set_attribute("gen_ai.tool.call.id", call.id)
                if tool is None:
                    return ToolResult(content=f"Tool {call.name!r} does not exist.", is_error=True)
                if at_most_once and not await asyncio.to_thread(
                    self._deps.executions.claim, key, self._request.task_id, call.name
                ):
                    span.set_attribute("error.type", "OutcomeUnknown")
                    await self._audit("outcome_unknown", key, tool=call.name)
                    return ToolResult(content=OUTCOME_UNKNOWN.format(tool=call.name), is_error=True, unknown=True)
                try:
                    result = await tool.call(call.input, context)
                except ToolError as exc:
                    span.set_attribute("error.type", "ToolError")
                    result = ToolResult(content=str(exc), is_error=True)
                if at_most_once:
                    await asyncio.to_thread(self._deps.executions.finish, key, "error" if result.is_error else "ok")
                result = await self._screen(call.name, key, result)
                if effect:
                    event = "execution_failed" if result.is_error else "executed"
                    await self._audit(event, key, tool=call.name, arguments_hash=_hash(call.input))
                return result

        retry = TOOL_RETRY if tool is not None and tool.spec.annotations.idempotent else ONE_ATTEMPT
        result: ToolResult = await self._ctx.run_typed(
            f"tool: {call.name} ({call.id})", execute, retry.options(ToolResult)
        )
        if result.unknown:
            text = (
                f":warning: `{call.name}` was interrupted mid-call and cannot safely be run again, so its outcome is "
                "unknown. Please check by hand whether it happened."
            )
            await slack_step(
                self._ctx, f"slack: outcome unknown {call.id}", self._deps.notifier.reply, self._root, text
            )
        return result

    async def _screen(self, tool: str, key: str, result: ToolResult) -> ToolResult:
        """What a tool returned, as the model may see it: secrets redacted, injected instructions withheld."""
        verdict = self._deps.tool_output_guard.check(result.content)
        if verdict.action != "allow":
            judged = GuardrailVerdict(stage="tool_output", action=verdict.action, rules=list(verdict.rules), tool=tool)
            await self._audit("guardrail", f"{key}:tool_output", **judged.detail())
        if verdict.action in ("block", "escalate"):
            why = "; ".join(verdict.reasons) or "it looked unsafe"
            return result.model_copy(update={"content": f"The output of {tool} was withheld from you: {why}."})
        return result.model_copy(update={"content": verdict.text})

    async def _audit(self, event: str, key: str, **detail: Any) -> None:
        await asyncio.to_thread(self._deps.audit, self._request.task_id, event, f"{key}:{event}", "opsgate", detail)

    async def settle_pending(self, turn: int) -> list[str]:
        lines = []
        for call, verdict in await self._gate.settle():
            if not verdict.allowed:
                lines.append(f"{call.name} ({call.id}): not run. {verdict.reason}")
                continue
            result = await self.run_tool(turn, call)
            state = "failed" if result.is_error else "approved and run"
            lines.append(f"{call.name} ({call.id}): {state}. Result: {result.content}")
        return lines

    async def progress(self, event: AgentProgress) -> None:
        await self._progress(event)
