"""A model that plays back a script, for tests: it records every request and fails when the script runs out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agents.messages import ModelRequest, ModelResponse, TextBlock, ToolUseBlock
from agents.models.base import Model

__all__ = ["ScriptExhausted", "ScriptedModel", "Turn", "text_turn", "tool_turn"]

Turn = ModelResponse | Callable[[ModelRequest], ModelResponse]


class ScriptExhausted(AssertionError):
    """The code under test asked the model more often than the script expected."""


class ScriptedModel(Model):
    def __init__(self, turns: Sequence[Turn], name: str = "scripted") -> None:
        self.name = name
        self._turns = list(turns)
        self.requests: list[ModelRequest] = []

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        if len(self.requests) > len(self._turns):
            raise ScriptExhausted(f"model called {len(self.requests)} times, script has {len(self._turns)} turns")
        turn = self._turns[len(self.requests) - 1]
        return turn(request) if callable(turn) else turn


def text_turn(text: str, *, model: str = "scripted") -> ModelResponse:
    return ModelResponse(id="msg_scripted", model=model, content=[TextBlock(text=text)], stop_reason="end_turn")


def tool_turn(
    name: str, arguments: dict[str, object], *, call_id: str = "toolu_1", model: str = "scripted"
) -> ModelResponse:
    return ModelResponse(
        id="msg_scripted",
        model=model,
        content=[ToolUseBlock(id=call_id, name=name, input=dict(arguments))],
        stop_reason="tool_use",
    )
