"""The context manager: which part of the conversation each model turn sends, within a token budget.

Layout of every request: the request (verbatim) and the summaries of old exchanges share the first user
message; the newest exchanges follow verbatim. Old exchanges are summarized a whole epoch at a time, so
between epoch boundaries the conversation only grows at its end and each request is a byte-for-byte
extension of the one before: the Messages API's prompt cache reads everything up to the last breakpoint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.context.conversation import Exchange, split_conversation
from agents.context.results import ResultStore, result_ref, truncate_result
from agents.context.summary import summarize_exchanges
from agents.context.tokens import CHARS_PER_TOKEN, fixed_chars, message_chars
from agents.messages import ContentBlock, Message, ModelRequest, TextBlock, ToolResultBlock

__all__ = ["BlockRef", "ContextConfig", "ContextManager", "ContextWindow", "cache_breakpoints"]

BlockRef = tuple[int, int]
"""(message index, content block index) of a block that should carry `cache_control`."""


class ContextConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_input_tokens: int = Field(default=30_000, ge=1, description="Per-turn input budget, ceil(chars/4) proxy.")
    keep_last_turns: int = Field(default=3, ge=1, description="Newest exchanges always sent verbatim.")
    epoch_turns: int = Field(default=4, ge=1, description="Old exchanges are summarized this many at a time.")
    max_result_chars: int = Field(default=2_000, ge=200, description="Longer tool results are cut to head + tail.")
    summary_result_chars: int = Field(
        default=500, ge=80, description="What a summary keeps of one result; lower saves tokens, risks facts."
    )


class ContextWindow(BaseModel):
    """One turn's request and what was done to fit it, for the adapter (breakpoints) and for telemetry."""

    model_config = ConfigDict(frozen=True)

    request: ModelRequest
    cache_breakpoints: tuple[BlockRef, ...]
    summarized_turns: int
    dropped_turns: int
    tokens: int
    over_budget: bool


def cache_breakpoints(messages: Sequence[Message]) -> tuple[BlockRef, ...]:
    """Where `cache_control` goes in a windowed conversation: the end of the first message (request and
    summaries, stable for a whole epoch) and the end of the last (so the next turn reads this one from cache).
    With the system prompt and the last tool that makes four, the API's limit."""
    if not messages:
        return ()
    last = (len(messages) - 1, len(messages[-1].content) - 1)
    first = (0, len(messages[0].content) - 1)
    return (first, last) if first != last else (last,)


@dataclass(frozen=True)
class _Unit:
    """A span of old exchanges that is summarized, and dropped, as one block."""

    exchanges: tuple[Exchange, ...]
    summary: TextBlock


class ContextManager:
    """Builds each turn's `ModelRequest`; pure apart from filing full results in the optional store."""

    def __init__(self, config: ContextConfig | None = None, store: ResultStore | None = None) -> None:
        self.config = config or ContextConfig()
        self.store = store

    def prepare(
        self, system: str, messages: Sequence[Message], tools: Sequence[dict[str, Any]], max_tokens: int = 1024
    ) -> ContextWindow:
        request, exchanges = split_conversation(messages)
        settled = self._settled(len(exchanges))
        tail = {e.turn - 1: self._verbatim(e) for e in exchanges[settled:]}
        tail_chars = {i: sum(message_chars(m) for m in pair) for i, pair in tail.items()}
        budget = self.config.max_input_tokens * CHARS_PER_TOKEN - fixed_chars(system, tools)
        epochs = self._units(exchanges[:settled], self.config.epoch_turns)
        summarized, dropped, fits = settled, 0, False
        # Drop the oldest summaries first; only then summarize (and drop) newer exchanges, never the last one.
        for summarized in range(settled, max(settled, len(exchanges) - 1) + 1):
            units = epochs + self._units(exchanges[settled:summarized], 1)
            for dropped in range(len(units) + 1):
                rest = sum(size for i, size in tail_chars.items() if i >= summarized)
                if message_chars(self._first(request, units, dropped)) + rest <= budget:
                    fits = True
                    break
            if fits:
                break
        window = [self._first(request, units, dropped)] + [
            m for i, pair in tail.items() if i >= summarized for m in pair
        ]
        built = ModelRequest(system=system, messages=window, tools=list(tools), max_tokens=max_tokens)
        chars = fixed_chars(system, tools) + sum(message_chars(m) for m in window)
        return ContextWindow(
            request=built,
            cache_breakpoints=cache_breakpoints(window),
            summarized_turns=summarized,
            dropped_turns=sum(len(u.exchanges) for u in units[:dropped]),
            tokens=math.ceil(chars / CHARS_PER_TOKEN),
            over_budget=not fits,
        )

    def _settled(self, count: int) -> int:
        """How many leading exchanges fall in closed epochs; it moves only at epoch boundaries."""
        old = max(0, count - self.config.keep_last_turns)
        return old // self.config.epoch_turns * self.config.epoch_turns

    def _units(self, exchanges: Sequence[Exchange], size: int) -> list[_Unit]:
        spans = [tuple(exchanges[i : i + size]) for i in range(0, len(exchanges), size)]
        config = self.config
        return [
            _Unit(span, TextBlock(text=summarize_exchanges(span, config.max_result_chars, config.summary_result_chars)))
            for span in spans
        ]

    def _first(self, request: Message, units: Sequence[_Unit], dropped: int) -> Message:
        blocks: list[ContentBlock] = list(request.content)
        if dropped:
            turns = [e.turn for u in units[:dropped] for e in u.exchanges]
            blocks.append(
                TextBlock(
                    text=(
                        f"[Turns {turns[0]}–{turns[-1]} were dropped, summaries included, to keep each request "
                        f"under {self.config.max_input_tokens:,} tokens; ask again for anything needed from them]"
                    )
                )
            )
        blocks += [u.summary for u in units[dropped:]]
        return Message(role="user", content=blocks)

    def _verbatim(self, exchange: Exchange) -> list[Message]:
        if exchange.reply is None:
            return [exchange.assistant]
        blocks: list[ContentBlock] = []
        for block in exchange.reply.content:
            if isinstance(block, ToolResultBlock) and len(block.content) > self.config.max_result_chars:
                ref = result_ref(exchange.turn, block.tool_use_id)
                if self.store is not None:
                    self.store.put(ref, block.content)
                cut = truncate_result(block.content, ref, self.config.max_result_chars)
                block = block.model_copy(update={"content": cut})
            blocks.append(block)
        return [exchange.assistant, Message(role="user", content=blocks)]
