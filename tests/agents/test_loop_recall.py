"""A result the model was shown cut can be read on with `read_result`: answered inside the loop from the
conversation (which keeps every result whole), never passing the gate or running anything."""

from __future__ import annotations

import re
from typing import Any

from agents.context import READ_RESULT
from agents.gate import ScopeGate
from agents.loop import run_agent
from agents.messages import ModelRequest, ModelResponse, TextBlock, ToolResultBlock, ToolUseBlock
from agents.spec import AgentSpec
from agents.tools import Tool, Toolbox, ToolCallContext, ToolResult, ToolSpec
from tests.agents.test_loop import InMemoryRuntime

LOG = "".join(f"line {i:05d}: pod api-{i % 7} restarted\n" for i in range(900))  # ~30,000 characters
AGENT = AgentSpec(name="ops", purpose="read logs", prompt="You read logs.", tools=["tail_log"], max_turns=4)
MARKER = re.compile(r'call read_result with ref="(ref:\d+:[A-Za-z0-9_-]+)" offset=(\d+)')


class TailLog(Tool):
    spec = ToolSpec(name="tail_log", description="The service's log.", input_schema={"type": "object"})

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        return ToolResult(content=LOG)


class ReadingModel:
    """Calls tail_log, then reads on where the cut result says to, then answers with what it read."""

    name = "reading"

    def __init__(self) -> None:
        self.requests: list[ModelRequest] = []

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        turn = len(self.requests)
        if turn == 1:
            return _tools(ToolUseBlock(id="toolu_tail", name="tail_log", input={}))
        last = request.messages[-1].content[0]
        assert isinstance(last, ToolResultBlock)
        if turn == 2:
            found = MARKER.search(last.content)
            assert found is not None, last.content[-400:]
            call = ToolUseBlock(id="toolu_read", name=READ_RESULT, input={"ref": found[1], "offset": int(found[2])})
            return _tools(call)
        return ModelResponse(id="m3", model=self.name, content=[TextBlock(text=last.content)], stop_reason="end_turn")


def _tools(call: ToolUseBlock) -> ModelResponse:
    return ModelResponse(id=f"m_{call.id}", model="reading", content=[call], stop_reason="tool_use")


class CountingRuntime(InMemoryRuntime):
    def __init__(self, model: Any, toolbox: Toolbox) -> None:
        super().__init__(model, toolbox)
        self.reviewed: list[str] = []

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> Any:
        self.reviewed.append(call.name)
        return ScopeGate().review(AGENT, call)


async def test_a_cut_result_is_read_on_from_the_conversation_without_the_gate() -> None:
    toolbox = Toolbox([TailLog()])
    model = ReadingModel()
    runtime = CountingRuntime(model, toolbox)
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "why does api restart?", runtime)

    assert outcome.status == "done" and outcome.tool_calls == 1
    assert [call.name for call in runtime.tool_calls] == ["tail_log"]  # read_result ran nothing
    assert runtime.reviewed == ["tail_log"]  # and passed no gate
    assert READ_RESULT in [tool["name"] for tool in model.requests[0].tools]  # offered from the first turn
    shown = model.requests[1].messages[-1].content[0]
    assert isinstance(shown, ToolResultBlock) and len(shown.content) < len(LOG)  # the model saw it cut
    header, _, text = outcome.answer.partition("]\n")
    start = int(MARKER.search(shown.content)[2])  # type: ignore[index]
    assert text and LOG[start:].startswith(text)  # exactly the characters after the head it saw
    assert "characters" in header
