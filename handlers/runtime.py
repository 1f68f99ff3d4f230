"""The durable side of the agent loop: each model call, gate decision and tool call is a named Restate step.

Tool execution lives in `handlers.effects`, handoffs to specialists in `handlers.handoffs`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager

import restate
from opentelemetry.trace import Span
from restate import TerminalError

from agents.confidence import without_reserved
from agents.loop import AgentProgress, ToolVerdict
from agents.messages import ModelRequest, ModelResponse, ToolUseBlock, Usage
from agents.models import ModelError
from agents.spec import AgentSpec
from agents.team import DELEGATE, Artifact, error_line
from agents.tools import ToolResult
from handlers.budgets import charge_model_call
from handlers.contracts import TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.effects import ToolEffects
from handlers.genai_metrics import metrics as genai_metrics
from handlers.handoffs import Handoffs
from handlers.steps import MODEL_RETRY
from handlers.telemetry_attributes import (
    breaker_attributes,
    chat_request_attributes,
    chat_response_attributes,
    model_failure,
    provider_of,
)
from handlers.tool_gate import ToolGateStep
from handlers.tracing import agent_span_key, step_span

__all__ = ["DurableAgentRuntime"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying

CONTENT_LIMIT = 16_000
"""Characters of message content kept per attribute when content tracing is on."""


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
        self._effects = ToolEffects(ctx, request, deps, gate, root, self._span, self._agent_attributes(), scope=scope)
        self._handoffs = Handoffs(ctx, request, deps, root, agent.delegates, self._redact, scope=scope)

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

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        model = self._deps.model_for(self._agent)

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
        charge_id = f"{self._request.task_id}:{self._scope or 'lead'}:turn:{turn}"
        await charge_model_call(self._ctx, self._request, self._deps, response, charge_id, turn)
        self.usage = self.usage + response.usage
        return response

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        if call.name == DELEGATE and self._agent.delegates:
            return ToolVerdict(allowed=True)  # a handoff has no effect itself; each specialist's calls are gated
        # The reserved fields (confidence, rationale) come off here, once: the gate's schema check, dry run, card
        # and hash, and then the execution (`run_tool`, `settle_pending`), all see the same arguments.
        call, stated = without_reserved(call)
        return await self._gate.review(call, rationale, stated)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        call, _ = without_reserved(call)  # exactly the call the gate reviewed (`review_tool`)
        if call.name == DELEGATE and self._agent.delegates:
            result = await self._handoffs.delegate(turn, call)
        else:
            result = await self._effects.run(turn, call)
        if result.is_error:
            self.errors.append(error_line(call.name, result.content))
        elif call.name != DELEGATE:
            self.artifacts.append(Artifact.of(f"{call.name} ({call.id})", result.content))
        return result

    async def settle_pending(self, turn: int) -> list[str]:
        lines = []
        for reviewed, verdict in await self._gate.settle():
            call, _ = without_reserved(reviewed)  # the gate keeps the call it reviewed; stripped again to be sure
            if not verdict.allowed:
                lines.append(f"{call.name} ({call.id}): not run. {verdict.reason}")
                continue
            result = await self._effects.run(turn, call)
            if result.is_error:
                self.errors.append(error_line(call.name, result.content))
            state = "failed" if result.is_error else "approved and run"
            lines.append(f"{call.name} ({call.id}): {state}. Result: {result.content}")
        return lines

    async def progress(self, event: AgentProgress) -> None:
        await self._progress(event)
