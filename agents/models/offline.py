"""A deterministic stand-in for Claude, used by `make demo` when no ANTHROPIC_API_KEY is set.

It understands the demo's tools well enough to walk through the product: it calls a tool when the request
names something a tool answers, then summarizes the tool's output. Same input, same answer, so a replay
or a test sees exactly what a person saw.
"""

from __future__ import annotations

import hashlib
import json
import re

from agents.messages import ModelRequest, ModelResponse, TextBlock, ToolResultBlock, ToolUseBlock, Usage
from agents.models.base import Model

__all__ = ["OfflineModel"]

_ENVIRONMENTS = ("production", "staging", "dev")
_SERVICE_WORDS = re.compile(r"\b(services?|status|running|inventory|deploy\w*|version|what)\b", re.IGNORECASE)


def _first_user_text(request: ModelRequest) -> str:
    for message in request.messages:
        if message.role == "user":
            for block in message.content:
                if isinstance(block, TextBlock):
                    return block.text
    return ""


def _count_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class OfflineModel(Model):
    def __init__(self, name: str = "offline") -> None:
        self.name = name

    async def request(self, request: ModelRequest) -> ModelResponse:
        prompt = json.dumps(request.model_dump(mode="json"), sort_keys=True)
        digest = hashlib.sha256(prompt.encode()).hexdigest()[:24]
        usage = Usage(input_tokens=_count_tokens(prompt), output_tokens=0)
        last = request.messages[-1] if request.messages else None
        results = [b for b in (last.content if last else []) if isinstance(b, ToolResultBlock)]
        content: list[TextBlock | ToolUseBlock]
        if results:
            content = [TextBlock(text=self._summarize(results))]
        else:
            content = self._plan(_first_user_text(request), {t["name"] for t in request.tools}, digest)
        output = " ".join(b.text if isinstance(b, TextBlock) else json.dumps(b.input) for b in content)
        return ModelResponse(
            id=f"msg_offline_{digest}",
            model=self.name,
            content=content,
            stop_reason="tool_use" if any(isinstance(b, ToolUseBlock) for b in content) else "end_turn",
            usage=usage.model_copy(update={"output_tokens": _count_tokens(output)}),
        )

    def _plan(self, text: str, tools: set[str], digest: str) -> list[TextBlock | ToolUseBlock]:
        if "list_services" in tools and _SERVICE_WORDS.search(text):
            arguments: dict[str, object] = {}
            for env in _ENVIRONMENTS:
                if re.search(rf"\b{env}\b", text, re.IGNORECASE):
                    arguments["environment"] = env
            return [
                TextBlock(text="Let me look at the service inventory."),
                ToolUseBlock(id=f"toolu_{digest[:16]}", name="list_services", input=arguments),
            ]
        return [
            TextBlock(
                text=(
                    "I'm the offline demo model, so I only understand a few requests. Try "
                    "`/ops what services are running in staging?`"
                )
            )
        ]

    def _summarize(self, results: list[ToolResultBlock]) -> str:
        errors = [r for r in results if r.is_error]
        if errors:
            return f"The tool call failed: {errors[0].content}"
        return "Here is what I found:\n" + "\n".join(r.content for r in results)
