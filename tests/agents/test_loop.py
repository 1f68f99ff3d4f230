"""The agent loop against a scripted model and an in-memory runtime (the durable runtime is integration-tested)."""

from __future__ import annotations

from typing import Any

import pytest

from agents.gate import ScopeGate
from agents.loop import AgentProgress, ToolVerdict, run_agent
from agents.messages import ModelRequest, ModelResponse, ToolResultBlock, ToolUseBlock
from agents.models import OfflineModel, ScriptedModel, ScriptExhausted
from agents.models.scripted import text_turn, tool_turn
from agents.spec import AgentSpec
from agents.tools import Toolbox, ToolCallContext, ToolResult
from tests.agents.sample_tools import ListServices

AGENT = AgentSpec(name="ops", purpose="answer", prompt="You are terse.", tools=["list_services"], max_turns=3)


class InMemoryRuntime:
    def __init__(self, model: Any, toolbox: Toolbox) -> None:
        self.model = model
        self.toolbox = toolbox
        self.events: list[AgentProgress] = []
        self.tool_calls: list[ToolUseBlock] = []

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        response: ModelResponse = await self.model.request(request)
        return response

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        return ScopeGate().review(AGENT, call)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        self.tool_calls.append(call)
        tool = self.toolbox.get(call.name)
        assert tool is not None
        context = ToolCallContext(task_id="t", call_id=call.id, requester="U1", idempotency_key="k")
        return await tool.call(call.input, context)

    async def progress(self, event: AgentProgress) -> None:
        self.events.append(event)

    async def settle_pending(self, turn: int) -> list[str]:
        return []


@pytest.fixture
def toolbox() -> Toolbox:
    return Toolbox([ListServices()])


async def test_tool_result_reaches_the_model_and_the_answer_comes_back(toolbox: Toolbox) -> None:
    model = ScriptedModel([tool_turn("list_services", {"environment": "staging"}), text_turn("two services")])
    runtime = InMemoryRuntime(model, toolbox)
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "what runs in staging?", runtime)
    assert outcome.status == "done"
    assert outcome.answer == "two services"
    assert outcome.turns == 2
    assert outcome.tool_calls == 1
    second = model.requests[1]
    [result] = second.messages[-1].content
    assert isinstance(result, ToolResultBlock)
    assert "api (staging)" in result.content
    assert "production" not in result.content
    assert second.system == "You are terse."
    assert second.tools[0]["name"] == "list_services"


async def test_tool_outside_the_agents_list_is_refused_back_to_the_model(toolbox: Toolbox) -> None:
    model = ScriptedModel([tool_turn("delete_everything", {}), text_turn("ok, I won't")])
    runtime = InMemoryRuntime(model, toolbox)
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "clean up", runtime)
    assert outcome.status == "done"
    assert runtime.tool_calls == []
    [result] = model.requests[1].messages[-1].content
    assert isinstance(result, ToolResultBlock)
    assert result.is_error
    assert "not available" in result.content


async def test_loop_stops_after_max_turns(toolbox: Toolbox) -> None:
    model = ScriptedModel([tool_turn("list_services", {}, call_id=f"toolu_{i}") for i in range(3)])
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "loop forever", InMemoryRuntime(model, toolbox))
    assert outcome.status == "out_of_turns"
    assert outcome.turns == 3
    assert len(model.requests) == 3


async def test_scripted_model_fails_loudly_when_its_script_runs_out(toolbox: Toolbox) -> None:
    model = ScriptedModel([tool_turn("list_services", {})])
    with pytest.raises(ScriptExhausted):
        await run_agent(AGENT, toolbox.specs(AGENT.tools), "x", InMemoryRuntime(model, toolbox))


async def test_offline_model_walks_the_demo_and_is_deterministic(toolbox: Toolbox) -> None:
    first = await run_agent(
        AGENT, toolbox.specs(AGENT.tools), "what is running in production?", InMemoryRuntime(OfflineModel(), toolbox)
    )
    again = await run_agent(
        AGENT, toolbox.specs(AGENT.tools), "what is running in production?", InMemoryRuntime(OfflineModel(), toolbox)
    )
    assert first == again
    assert first.tool_calls == 1
    assert "search (production)" in first.answer
    assert "staging" not in first.answer
    assert first.usage.input_tokens > 0


async def test_offline_model_explains_itself_for_requests_it_does_not_understand(toolbox: Toolbox) -> None:
    runtime = InMemoryRuntime(OfflineModel(), toolbox)
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "paint the office", runtime)
    assert outcome.tool_calls == 0
    assert "offline demo model" in outcome.answer


def test_toolbox_names_unknown_tools() -> None:
    with pytest.raises(KeyError, match="unknown tools: nope"):
        Toolbox([ListServices()]).specs(["nope"])
    with pytest.raises(ValueError, match="registered twice"):
        Toolbox([ListServices(), ListServices()])


def test_unannotated_tools_default_to_the_riskiest_kind() -> None:
    from agents.tools import ToolAnnotations

    default = ToolAnnotations()
    assert (default.read_only, default.destructive, default.idempotent, default.open_world) == (
        False,
        True,
        False,
        True,
    )
