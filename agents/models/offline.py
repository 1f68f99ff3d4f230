"""A deterministic stand-in for Claude, used by `make demo` when no ANTHROPIC_API_KEY is set.

It knows the demo's tools well enough to walk every path of the product: read-only answers, a medium change, a
high one that waits for approval, a critical one, and an orchestrator fanning out to specialists. It decides from
the tools it is offered, the first user message (the request or objective) and the last one (tool results or
decisions), never from the history in between, which the context manager may have summarized. Same request, same
response, ids included, so a replay or a test sees exactly what a person saw.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from agents.confidence import CONFIDENCE, RATIONALE
from agents.messages import Message, ModelRequest, ModelResponse, TextBlock, ToolResultBlock, ToolUseBlock, Usage
from agents.models.base import Model
from agents.models.offline_answers import DECISIONS, answer_decisions, answer_results, help_text, not_done
from agents.models.offline_plans import Call, Plan, plan_orchestrator, plan_specialist
from agents.models.offline_reading import facts_in, objective_of

__all__ = ["OfflineModel"]

_ROSTER_LINE = re.compile(r"^- ([a-z][a-z0-9_-]*): (.+)$", re.MULTILINE)


def _text(message: Message) -> str:
    return "\n".join(block.text for block in message.content if isinstance(block, TextBlock))


def _first_user_text(request: ModelRequest) -> str:
    """The request itself: the first text of the first message (summaries of old turns come after it)."""
    first = request.messages[0] if request.messages else None
    texts = [block.text for block in first.content if isinstance(block, TextBlock)] if first else []
    return texts[0] if texts else ""


def _roster(tools: list[dict[str, Any]]) -> dict[str, str] | None:
    """The specialists the `delegate` tool offers, with their purposes; None when it is not offered."""
    delegate = next((tool for tool in tools if tool.get("name") == "delegate"), None)
    if delegate is None:
        return None
    purposes = dict(_ROSTER_LINE.findall(str(delegate.get("description", ""))))
    try:
        names = delegate["input_schema"]["properties"]["tasks"]["items"]["properties"]["agent"]["enum"]
    except (KeyError, TypeError):
        names = list(purposes)
    return {str(name): purposes.get(str(name), "") for name in names}


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class OfflineModel(Model):
    def __init__(self, name: str = "offline") -> None:
        self.name = name

    async def request(self, request: ModelRequest) -> ModelResponse:
        serialized = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(serialized.encode()).hexdigest()
        content = self._respond(request, digest)
        output = json.dumps([block.model_dump(mode="json") for block in content], sort_keys=True, ensure_ascii=False)
        return ModelResponse(
            id=f"msg_offline_{digest[:24]}",
            model=self.name,
            content=content,
            stop_reason="tool_use" if any(isinstance(b, ToolUseBlock) for b in content) else "end_turn",
            usage=Usage(input_tokens=_tokens(serialized), output_tokens=_tokens(output)),
        )

    def _plan(self, text: str, request: ModelRequest) -> Plan:
        tools = {str(tool.get("name")) for tool in request.tools}
        roster = _roster(request.tools)
        if roster is None:
            return plan_specialist(text, tools)
        return plan_orchestrator(objective_of(text), tools - {"delegate"}, roster)

    def _respond(self, request: ModelRequest, digest: str) -> list[TextBlock | ToolUseBlock]:
        messages = request.messages
        first = _first_user_text(request)
        last = messages[-1] if len(messages) > 1 and messages[-1].role == "user" else None
        previous = messages[-2] if len(messages) > 1 and messages[-2].role == "assistant" else None
        results = [block for block in last.content if isinstance(block, ToolResultBlock)] if last else []
        if results:
            proposed = {b.id: b for b in previous.content if isinstance(b, ToolUseBlock)} if previous else {}
            gaps = self._plan(first, request).gaps
            return [TextBlock(text=answer_results(results, proposed, facts_in(objective_of(first)), gaps))]
        if last is not None and _text(last).startswith(DECISIONS):
            return [TextBlock(text=answer_decisions(_text(last), _text(previous) if previous else ""))]
        text = _text(last) if last is not None and _text(last).strip() else first  # a follow-up is a new request
        plan = self._plan(text, request)
        if plan.calls:
            asks = _asking_confidence(request.tools)
            calls = [
                ToolUseBlock(id=f"toolu_{digest[:16]}_{i}", name=call.name, input=_with_stated(call, asks))
                for i, call in enumerate(plan.calls)
            ]
            return [TextBlock(text=_intro(plan)), *calls]
        if plan.gaps:
            return [TextBlock(text=not_done(plan.gaps))]
        tools = {str(tool.get("name")) for tool in request.tools}
        return [TextBlock(text=help_text(tools, list(_roster(request.tools) or {})))]


def _asking_confidence(tools: list[dict[str, Any]]) -> set[str]:
    """The tools whose definition asks for the agent's confidence (the writes: `agents.confidence`)."""
    return {
        str(tool.get("name"))
        for tool in tools
        if CONFIDENCE in ((tool.get("input_schema") or {}).get("properties") or {})
    }


def _with_stated(call: Call, asks: set[str]) -> dict[str, Any]:
    if call.name not in asks:
        return call.arguments
    return {**call.arguments, CONFIDENCE: call.confidence, RATIONALE: call.rationale or f"Asked for: {call.name}."}


def _intro(plan: Plan) -> str:
    if plan.delegated:
        tasks = plan.calls[-1].arguments["tasks"]
        agents = " and ".join(str(task["agent"]) for task in tasks)
        return f"Handing this to {agents}" + (" in parallel." if len(tasks) > 1 else ".")
    names = ", ".join(dict.fromkeys(f"`{call.name}`" for call in plan.calls))
    return f"Calling {names}."
