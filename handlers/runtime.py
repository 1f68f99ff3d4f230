"""The durable side of the agent loop: each model call, gate decision and tool call is a named Restate step.

Retry layering, decided once here: the model seam and tools make one attempt per call; Restate retries the
step (`RunOptions`) for errors worth retrying, and gives up with a `TerminalError` after a few attempts. A
tool that fails for good (`ToolError`) is not an exception at all: its message becomes the tool's result so
the model can choose differently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from restate import RunOptions, TerminalError, WorkflowContext
from restate.exceptions import RetryableError

from agents.loop import AgentProgress, ToolVerdict
from agents.messages import ModelRequest, ModelResponse, ToolUseBlock
from agents.models import ModelError
from agents.spec import AgentSpec
from agents.tools import ToolCallContext, ToolError, ToolResult
from handlers.contracts import SlackRetryLater, TaskRequest
from handlers.deps import TaskDeps
from handlers.tracing import step_span

__all__ = ["DurableAgentRuntime", "slack_step"]

T = TypeVar("T")


@dataclass(frozen=True)
class StepRetry:
    """How Restate retries one kind of step before giving up with a `TerminalError`."""

    max_attempts: int
    initial: timedelta
    longest: timedelta = timedelta(seconds=10)

    def options(self, type_hint: Any = None) -> RunOptions[Any]:
        return RunOptions(
            type_hint=type_hint,
            max_attempts=self.max_attempts,
            initial_retry_interval=self.initial,
            max_retry_interval=self.longest,
        )


SLACK_RETRY = StepRetry(max_attempts=8, initial=timedelta(milliseconds=200))
MODEL_RETRY = StepRetry(max_attempts=4, initial=timedelta(seconds=1), longest=timedelta(seconds=20))
TOOL_RETRY = StepRetry(max_attempts=3, initial=timedelta(milliseconds=200))
# A tool that does not say it is idempotent gets one attempt: an error is not retried blindly. (A crash mid-call
# still replays the step; turning that into "outcome unknown" needs the intent marker of the approvals issue.)
ONE_ATTEMPT = StepRetry(max_attempts=1, initial=timedelta(milliseconds=200))


async def slack_step(
    ctx: WorkflowContext, name: str, fn: Callable[..., Awaitable[T]], *args: Any, type_hint: Any = None
) -> T:
    """A Slack call as a durable step; a 429 becomes a retry after Slack's Retry-After."""

    async def call() -> T:
        try:
            return await fn(*args)
        except SlackRetryLater as exc:
            raise RetryableError(str(exc), retry_after=timedelta(seconds=exc.retry_after)) from exc

    result: T = await ctx.run_typed(name, call, SLACK_RETRY.options(type_hint))
    return result


class DurableAgentRuntime:
    ProgressHook = Callable[[AgentProgress], Awaitable[None]]

    def __init__(
        self,
        ctx: WorkflowContext,
        request: TaskRequest,
        agent: AgentSpec,
        deps: TaskDeps,
        progress: ProgressHook,
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._agent = agent
        self._deps = deps
        self._progress = progress

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

    async def review_tool(self, turn: int, call: ToolUseBlock) -> ToolVerdict:
        async def review() -> ToolVerdict:
            return self._deps.gate.review(self._agent, call)

        options = RunOptions(type_hint=ToolVerdict, max_attempts=3)
        return await self._ctx.run_typed(f"gate: {call.name} ({call.id})", review, options)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        tool = self._deps.toolbox.get(call.name)
        context = ToolCallContext(
            task_id=self._request.task_id,
            call_id=call.id,
            requester=self._request.user_id,
            idempotency_key=f"{self._request.task_id}:{turn}:{call.id}",
        )

        async def execute() -> ToolResult:
            with step_span(f"execute_tool {call.name}", self._request.task_id, self._request.trace_context) as span:
                span.set_attribute("gen_ai.tool.name", call.name)
                span.set_attribute("gen_ai.tool.call.id", call.id)
                if tool is None:
                    return ToolResult(content=f"Tool {call.name!r} does not exist.", is_error=True)
                try:
                    result = await tool.call(call.input, context)
                except ToolError as exc:
                    span.set_attribute("error.type", "ToolError")
                    return ToolResult(content=str(exc), is_error=True)
                return result

        retry = TOOL_RETRY if tool is not None and tool.spec.annotations.idempotent else ONE_ATTEMPT
        return await self._ctx.run_typed(f"tool: {call.name} ({call.id})", execute, retry.options(ToolResult))

    async def progress(self, event: AgentProgress) -> None:
        await self._progress(event)
