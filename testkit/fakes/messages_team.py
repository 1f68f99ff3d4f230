"""Reading a Messages request the way a team script needs to: which agent sent it, how far its conversation is,
what its last tool results said. With `MessagesApiFake(responder=...)`, a test answers the lead and each
specialist by their own script while they run in parallel.

    def respond(request: RecordedRequest) -> Step:
        if agent_of(request) == "lead" and turn_of(request) == 1:
            return tool_use_reply("delegate", {...})
        ...
"""

from __future__ import annotations

import re
from typing import Any

from testkit.fakes.messages_script import RecordedRequest

__all__ = ["agent_of", "last_results", "objective_of", "turn_of"]

AGENT = re.compile(r"You are the ([a-z0-9_-]+) (?:agent|specialist)")


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [str(block.get("text", "")) for block in content if isinstance(block, dict) and "text" in block]
    return []


def agent_of(request: RecordedRequest) -> str:
    """The agent's name as its system prompt states it ("You are the ops specialist" → "ops"), or ""."""
    found = AGENT.search("\n".join(_texts(request.system)))
    return found.group(1) if found else ""


def turn_of(request: RecordedRequest) -> int:
    """1 for the agent's first model call, then one more per answer it already gave."""
    return 1 + sum(1 for message in request.messages if message.get("role") == "assistant")


def objective_of(request: RecordedRequest) -> str:
    """The text of the conversation's first user message (a specialist's objective, the lead's request)."""
    first = request.messages[0] if request.messages else {}
    return "\n".join(_texts(first.get("content")))


def last_results(request: RecordedRequest) -> list[str]:
    """The contents of the tool results (and plain texts) in the last user message."""
    last = request.messages[-1] if request.messages else {}
    content = last.get("content")
    if isinstance(content, str):
        return [content]
    found: list[str] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            inner = block.get("content")
            found.append("\n".join(_texts(inner)) if not isinstance(inner, str) else inner)
        elif block.get("type") == "text":
            found.append(str(block.get("text", "")))
    return found
