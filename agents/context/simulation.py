"""Replaying a finished conversation turn by turn to price it: naive stuffing against the managed window.

The cache model follows the Messages API: each request writes cache entries at its breakpoints, and a later
request reads the longest prefix that ends where an earlier entry was written. It ignores the minimum cacheable
length and the five-minute lifetime, so it is an upper bound for a conversation that keeps moving.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.context.manager import BlockRef, ContextManager, cache_breakpoints
from agents.context.tokens import CHARS_PER_TOKEN, fixed_chars, request_tokens
from agents.messages import Message, ModelRequest

__all__ = ["PromptCache", "TurnCost", "replay_costs"]


class PromptCache:
    """Which prefixes earlier requests wrote to the cache, and how much of a new request they cover."""

    def __init__(self) -> None:
        self._written: set[str] = set()

    def send(self, request: ModelRequest, breakpoints: Sequence[BlockRef]) -> int:
        """Tokens of `request` read from the cache; then the prefixes ending at `breakpoints` are written."""
        digest = hashlib.sha256()
        digest.update(request.system.encode())
        digest.update(repr(request.tools).encode())
        chars = fixed_chars(request.system, request.tools)
        boundaries = [(digest.copy().hexdigest(), chars, True)]  # the adapter always marks the system prompt
        marks = set(breakpoints)
        for i, message in enumerate(request.messages):
            digest.update(f"|{message.role}|".encode())
            for j, block in enumerate(message.content):
                text = block.model_dump_json()
                digest.update(text.encode())
                chars += len(text)
                boundaries.append((digest.copy().hexdigest(), chars, (i, j) in marks))
        cached = max((size for key, size, _ in boundaries if key in self._written), default=0)
        self._written |= {key for key, _, marked in boundaries if marked}
        return math.ceil(cached / CHARS_PER_TOKEN)


class TurnCost(BaseModel):
    model_config = ConfigDict(frozen=True)

    turn: int
    naive_tokens: int
    managed_tokens: int
    naive_cached_tokens: int
    managed_cached_tokens: int


def replay_costs(
    system: str, messages: Sequence[Message], tools: Sequence[dict[str, Any]], manager: ContextManager | None = None
) -> list[TurnCost]:
    """The cost of every request the loop sent for `messages` (one per prefix ending in a user message)."""
    manager = manager or ContextManager()
    naive_cache, managed_cache = PromptCache(), PromptCache()
    costs: list[TurnCost] = []
    for end in range(1, len(messages) + 1):
        if messages[end - 1].role != "user":
            continue
        naive = ModelRequest(system=system, messages=list(messages[:end]), tools=list(tools))
        window = manager.prepare(system, messages[:end], tools)
        costs.append(
            TurnCost(
                turn=len(costs) + 1,
                naive_tokens=request_tokens(naive),
                managed_tokens=window.tokens,
                naive_cached_tokens=naive_cache.send(naive, cache_breakpoints(naive.messages)),
                managed_cached_tokens=managed_cache.send(window.request, window.cache_breakpoints),
            )
        )
    return costs
