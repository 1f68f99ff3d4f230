"""Extractive summaries of old exchanges: no model call, so they are free, deterministic and replay-safe.

A summary keeps what later turns tend to need: what the user said, which tools were called with which
arguments, and the lines of each result most likely to carry facts (the first line, errors, lines with numbers,
ids or names). Short texts are kept whole; only long ones are cut down to those lines.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from agents.context.conversation import Exchange
from agents.context.results import result_ref
from agents.context.salience import clip, key_lines, lines_of
from agents.messages import ContentBlock, TextBlock, ToolResultBlock, ToolUseBlock

__all__ = ["gist", "summarize_exchanges"]

USER_CHARS = 1_200
ASSISTANT_CHARS = 300
RESULT_CHARS = 500
ARGUMENT_CHARS = 300


@functools.lru_cache(maxsize=256)  # pure, and asked again for the same text every turn
def gist(text: str, limit: int) -> str:
    """`text` whole if it fits in `limit`; else its first line and its most fact-like lines, in their order."""
    lines = lines_of(text)
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole
    kept = key_lines(lines, limit)
    return "\n".join(kept) + f"\n(… {len(lines) - len(kept)} more lines)"


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _texts(blocks: Sequence[ContentBlock]) -> str:
    return "\n".join(b.text for b in blocks if isinstance(b, TextBlock)).strip()


def _summarize(exchange: Exchange, result_limit: int, gist_chars: int) -> list[str]:
    lines = [f"Turn {exchange.turn}:"]
    said = _texts(exchange.assistant.content)
    if said:
        lines.append("  assistant said:\n" + _indent(gist(said, ASSISTANT_CHARS)))
    for call in (b for b in exchange.assistant.content if isinstance(b, ToolUseBlock)):
        arguments = json.dumps(call.input, sort_keys=True, ensure_ascii=False)
        lines.append(f"  called {call.name} {clip(arguments, ARGUMENT_CHARS)} (id {call.id})")
    reply = exchange.reply.content if exchange.reply else []
    for result in (b for b in reply if isinstance(b, ToolResultBlock)):
        kind = "error from" if result.is_error else "result of"
        stored = f', read it whole with read_result ref="{result_ref(exchange.turn, result.tool_use_id)}"'
        head = f"  {kind} {result.tool_use_id}{stored if len(result.content) > result_limit else ''}:"
        lines.append(head + "\n" + _indent(gist(result.content, gist_chars) or "(empty)"))
    user = _texts(reply)
    if user:
        lines.append("  user said:\n" + _indent(gist(user, USER_CHARS)))
    return lines


def summarize_exchanges(exchanges: Sequence[Exchange], result_limit: int, gist_chars: int = RESULT_CHARS) -> str:
    """One text block for a span of exchanges; the same span always yields the same bytes.

    A result longer than `result_limit` (the verbatim cut) is named by its reference; each result keeps up to
    `gist_chars` characters of its fact-bearing lines."""
    first, last = exchanges[0].turn, exchanges[-1].turn
    span = f"turn {first}" if first == last else f"turns {first}–{last}"
    lines = [f"[Summary of {span}; the exchanges themselves were dropped to save tokens]"]
    for exchange in exchanges:
        lines += _summarize(exchange, result_limit, gist_chars)
    return "\n".join(lines)
