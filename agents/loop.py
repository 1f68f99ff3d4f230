"""The agent loop: ask the model, run the tools it proposes through the gate, repeat until it answers.

The loop itself is pure: every model call, gate decision and tool call goes through an `AgentRuntime`, which
the worker implements as named durable steps. A replay therefore never calls the model again and never
changes its mind; the loop only has to be deterministic given the runtime's answers. The loop keeps the whole
conversation; what each turn sends is windowed by an `agents.context.ContextManager`, itself a pure function of
the conversation, so a replay rebuilds byte-identical requests.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from agents.context import READ_RESULT, ContextManager, answer_read_result, read_result_tool
from agents.messages import (
    Message,
    ModelRequest,
    ModelResponse,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    Usage,
)
from agents.spec import AgentSpec
from agents.tools import ToolResult, ToolSpec

__all__ = ["AgentOutcome", "AgentProgress", "AgentRuntime", "Stop", "ToolVerdict", "WorkBudget", "run_agent"]


class ToolVerdict(BaseModel):
    """The gate's answer on one proposed call; a refusal goes back to the model as the tool's result."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    reason: str = ""
    pending: bool = False
    """Not run yet: a person's decision is awaited, and `settle_pending` will report it."""
    stop: bool = False
    """Refused because a budget is spent (calls, tokens, cost): the agent stops, and `reason` says which."""


class AgentProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    turn: int
    max_turns: int
    activity: str


class AgentOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Literal["done", "failed", "out_of_turns", "timed_out", "over_budget"]
    answer: str
    turns: int
    tool_calls: int
    usage: Usage


class AgentRuntime(Protocol):
    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse: ...

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict: ...

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult: ...

    async def progress(self, event: AgentProgress) -> None: ...

    async def settle_pending(self, turn: int) -> list[str]:
        """Wait for the actions awaiting approval, run the approved ones, and report each in a line of text."""
        ...


class Stop(BaseModel):
    """Why an agent stops before it is done: its working time, or a token, cost or call budget, is spent."""

    model_config = ConfigDict(frozen=True)

    status: Literal["timed_out", "over_budget"]
    reason: str
    """What is spent and how to raise it, as a clause: "this task's token budget of … is spent (…)"."""


class WorkBudget(Protocol):
    """What an agent may spend on its task: working time (waits on people do not count), tokens and cost."""

    async def stop(self, usage: Usage, *, model_call: bool) -> Stop | None:
        """Why the agent must stop now, or None; checked before each model turn (`model_call`) and each tool
        call. `usage` is what this agent's model calls have spent so far."""
        ...


NOT_RUN = "Not run: {reason}."
STOPPED = "I stopped: {reason}."


async def run_agent(
    spec: AgentSpec,
    tools: list[ToolSpec],
    text: str,
    runtime: AgentRuntime,
    context: ContextManager | None = None,
    budget: WorkBudget | None = None,
) -> AgentOutcome:
    """Run `spec` on `text` until it answers, runs out of turns, or (with a `budget`) out of working time. Every
    approval it asked for is waited for in each case: a person's decision is never dropped."""
    context = context or ContextManager()
    messages = [Message.user_text(text)]
    usage = Usage()
    tool_calls = 0
    decided: list[str] = []
    """Every decision on a deferred approval this run, in order."""
    # Every agent may read on in a result it was shown cut: answered here from the conversation, which holds every
    # result whole (no effect, so no gate); offered from the first turn, so the cached prefix never changes.
    definitions = [tool.for_model() for tool in [*tools, read_result_tool()]]
    for turn in range(1, spec.max_turns + 1):
        if budget is not None and (stop := await budget.stop(usage, model_call=True)) is not None:
            return await _stopped(runtime, stop, turn - 1, tool_calls, usage, decided)
        await runtime.progress(AgentProgress(turn=turn, max_turns=spec.max_turns, activity="thinking"))
        request = context.prepare(spec.prompt, messages, definitions).request
        response = await runtime.model_turn(turn, request)
        usage = usage + response.usage
        messages.append(Message(role="assistant", content=list(response.content)))
        calls = response.tool_calls
        if not calls:
            settled = await runtime.settle_pending(turn)
            decided.extend(settled)
            if settled and turn < spec.max_turns:
                messages.append(Message.user_text(_decided(settled)))
                continue
            status: Literal["done", "failed"] = "failed" if response.stop_reason == "refusal" else "done"
            answer = response.text or "(the model gave no answer)"
            if settled:
                answer += "\n\n" + _decided(settled)
            return AgentOutcome(status=status, answer=answer, turns=turn, tool_calls=tool_calls, usage=usage)
        results: list[TextBlock | ToolUseBlock | ToolResultBlock] = []
        stopped: Stop | None = None
        for call in calls:
            if call.name == READ_RESULT and stopped is None:
                read = answer_read_result(messages, call)
                results.append(ToolResultBlock(tool_use_id=call.id, content=read.content, is_error=read.is_error))
                continue
            if stopped is None and budget is not None:
                stopped = await budget.stop(usage, model_call=False)
            if stopped is not None:
                refusal = NOT_RUN.format(reason=stopped.reason)
                results.append(ToolResultBlock(tool_use_id=call.id, content=refusal, is_error=True))
                continue
            tool_calls += 1
            await runtime.progress(AgentProgress(turn=turn, max_turns=spec.max_turns, activity=f"`{call.name}`"))
            verdict = await runtime.review_tool(turn, call, response.text)
            if not verdict.allowed:
                results.append(ToolResultBlock(tool_use_id=call.id, content=verdict.reason, is_error=True))
                if verdict.stop:
                    stopped = Stop(status="over_budget", reason=verdict.reason)
                continue
            result = await runtime.run_tool(turn, call)
            results.append(ToolResultBlock(tool_use_id=call.id, content=result.content, is_error=result.is_error))
        messages.append(Message(role="user", content=results))
        if stopped is not None:
            return await _stopped(runtime, stopped, turn, tool_calls, usage, decided)
    settled = await runtime.settle_pending(spec.max_turns)  # every wait ends, even when the turns ran out
    answer = f"I stopped after {spec.max_turns} turns without a final answer."
    return AgentOutcome(
        status="out_of_turns",
        answer=answer + ("\n\n" + _decided(settled) if settled else ""),
        turns=spec.max_turns,
        tool_calls=tool_calls,
        usage=usage,
    )


async def _stopped(
    runtime: AgentRuntime, stop: Stop, turns: int, tool_calls: int, usage: Usage, decided: list[str]
) -> AgentOutcome:
    """Stop working, but still wait for the approvals asked for: they end by their own policy, not by this. The
    answer says what stopped the agent and reports every decision of the run (the parent sees only this answer)."""
    settled = [*decided, *await runtime.settle_pending(turns)]
    answer = STOPPED.format(reason=stop.reason.rstrip("."))
    return AgentOutcome(
        status=stop.status,
        answer=answer + ("\n\n" + _decided(settled) if settled else ""),
        turns=turns,
        tool_calls=tool_calls,
        usage=usage,
    )


def _decided(settled: list[str]) -> str:
    return "Decisions on the actions that were awaiting approval:\n" + "\n".join(f"- {line}" for line in settled)
