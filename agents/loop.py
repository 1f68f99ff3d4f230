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

from agents.context import ContextManager
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

__all__ = ["AgentOutcome", "AgentProgress", "AgentRuntime", "ToolVerdict", "WorkBudget", "run_agent"]


class ToolVerdict(BaseModel):
    """The gate's answer on one proposed call; a refusal goes back to the model as the tool's result."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    reason: str = ""
    pending: bool = False
    """Not run yet: a person's decision is awaited, and `settle_pending` will report it."""


class AgentProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    turn: int
    max_turns: int
    activity: str


class AgentOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Literal["done", "failed", "out_of_turns", "timed_out"]
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


class WorkBudget(Protocol):
    """How long an agent may work on its task: time spent waiting on people does not count."""

    seconds: int

    async def spent(self) -> bool:
        """True once the agent's own work has used the budget (checked before each model turn and tool call)."""
        ...


BUDGET_SPENT = "Not run: this agent's work budget ({seconds} s) was spent before it got to this call."


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
    definitions = [tool.for_model() for tool in tools]
    for turn in range(1, spec.max_turns + 1):
        if budget is not None and await budget.spent():
            return await _out_of_time(runtime, budget, turn - 1, tool_calls, usage, decided)
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
        stopped = False
        for call in calls:
            if stopped or (budget is not None and await budget.spent()):
                stopped = True
                refusal = BUDGET_SPENT.format(seconds=budget.seconds if budget else 0)
                results.append(ToolResultBlock(tool_use_id=call.id, content=refusal, is_error=True))
                continue
            tool_calls += 1
            await runtime.progress(AgentProgress(turn=turn, max_turns=spec.max_turns, activity=f"`{call.name}`"))
            verdict = await runtime.review_tool(turn, call, response.text)
            if not verdict.allowed:
                results.append(ToolResultBlock(tool_use_id=call.id, content=verdict.reason, is_error=True))
                continue
            result = await runtime.run_tool(turn, call)
            results.append(ToolResultBlock(tool_use_id=call.id, content=result.content, is_error=result.is_error))
        messages.append(Message(role="user", content=results))
        if stopped and budget is not None:
            return await _out_of_time(runtime, budget, turn, tool_calls, usage, decided)
    settled = await runtime.settle_pending(spec.max_turns)  # every wait ends, even when the turns ran out
    answer = f"I stopped after {spec.max_turns} turns without a final answer."
    return AgentOutcome(
        status="out_of_turns",
        answer=answer + ("\n\n" + _decided(settled) if settled else ""),
        turns=spec.max_turns,
        tool_calls=tool_calls,
        usage=usage,
    )


async def _out_of_time(
    runtime: AgentRuntime, budget: WorkBudget, turns: int, tool_calls: int, usage: Usage, decided: list[str]
) -> AgentOutcome:
    """Stop working, but still wait for the approvals asked for: they end by their own policy, not by this. The
    answer reports every decision of the run (the parent sees only this answer)."""
    settled = [*decided, *await runtime.settle_pending(turns)]
    answer = f"I stopped: my work budget of {budget.seconds} s was spent before I finished."
    return AgentOutcome(
        status="timed_out",
        answer=answer + ("\n\n" + _decided(settled) if settled else ""),
        turns=turns,
        tool_calls=tool_calls,
        usage=usage,
    )


def _decided(settled: list[str]) -> str:
    return "Decisions on the actions that were awaiting approval:\n" + "\n".join(f"- {line}" for line in settled)
