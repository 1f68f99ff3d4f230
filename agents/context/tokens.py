"""A token count that needs no tokenizer: ceil(characters / 4) of the request as the API would receive it.

It is a proxy, not Claude's count (English prose runs near four characters a token; JSON and ids run denser),
but it is deterministic, free and the same for every strategy it compares, which is all the budget and the
benchmark need. Counting is additive over messages so the budget search can price a candidate window in parts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from agents.messages import Message, ModelRequest

__all__ = ["CHARS_PER_TOKEN", "estimate_tokens", "fixed_chars", "message_chars", "request_chars", "request_tokens"]

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def message_chars(message: Message) -> int:
    return len(message.model_dump_json())


def fixed_chars(system: str, tools: Sequence[dict[str, Any]]) -> int:
    """The part of every request that does not depend on the conversation: the system prompt and the tools."""
    return len(system) + len(json.dumps(list(tools), sort_keys=True, separators=(",", ":")))


def request_chars(request: ModelRequest) -> int:
    return fixed_chars(request.system, request.tools) + sum(message_chars(m) for m in request.messages)


def request_tokens(request: ModelRequest) -> int:
    """Input tokens one request sends, by the ceil(chars / 4) proxy; the benchmark compares strategies with it."""
    return math.ceil(request_chars(request) / CHARS_PER_TOKEN)
