"""Token counts and prompt caching for the Messages-API fake, by a documented proxy.

No offline Claude tokenizer exists, so the fake counts *proxy tokens*: the request is cut into blocks in the order
the real API reads them (each tool definition, each system block, then each message's content blocks; a plain
string is one text block), and a block costs ``ceil(len(compact JSON of the block) / 4)`` tokens, with
``cache_control`` markers left out so that moving a marker changes no count. Absolute numbers are not Claude's;
what tests rely on is that they are deterministic and that the accounting matches the real API's:

- each block carrying ``cache_control`` is a breakpoint (the API allows four); the prefix up to every breakpoint
  is written to the cache, if it is at least ``min_cacheable_tokens`` long (1024 by default, like Sonnet and Opus);
- a read is the longest prefix seen before that ends at a breakpoint or up to 20 blocks before one (the API's
  look-back), so a conversation that grows by a turn reads the previous turn's prefix;
- ``cache_read_input_tokens`` is that prefix, ``cache_creation_input_tokens`` what lies between it and the last
  breakpoint (new to the cache), ``input_tokens`` the rest after the last breakpoint;
- cached prefixes live as long as the fake (no 5-minute expiry).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["CacheAccounting", "PromptCache", "count_request_tokens", "count_tokens", "request_blocks"]

DEFAULT_MIN_CACHEABLE_TOKENS = 1024
_LOOKBACK_BLOCKS = 20


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _without_cache_control(block: Any) -> Any:
    if isinstance(block, dict):
        return {key: value for key, value in block.items() if key != "cache_control"}
    return block


def count_tokens(value: Any) -> int:
    """Proxy tokens of one JSON value: a quarter of its compact serialization, rounded up."""
    return math.ceil(len(_compact(value)) / 4)


def request_blocks(body: dict[str, Any]) -> Iterator[tuple[Any, bool]]:
    """Each block of the prompt in the API's order (tools, system, messages), with whether it carries a marker."""
    for tool in body.get("tools") or []:
        yield tool, isinstance(tool, dict) and "cache_control" in tool
    system = body.get("system")
    if isinstance(system, str):
        yield {"type": "text", "text": system}, False
    elif isinstance(system, list):
        for block in system:
            yield block, isinstance(block, dict) and "cache_control" in block
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            yield {"role": message.get("role"), "type": "text", "text": content}, False
            continue
        for block in content or []:
            tagged = {"role": message.get("role"), **_without_cache_control(block)}
            yield tagged, isinstance(block, dict) and "cache_control" in block


def count_request_tokens(body: dict[str, Any]) -> int:
    """What `POST /v1/messages/count_tokens` answers: proxy tokens of every block of the prompt."""
    return sum(count_tokens(_without_cache_control(block)) for block, _ in request_blocks(body))


@dataclass(frozen=True)
class CacheAccounting:
    input_tokens: int
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


class PromptCache:
    """Prefixes seen so far, by digest; `account` sorts a request's tokens into fresh, written and read."""

    def __init__(self, min_cacheable_tokens: int = DEFAULT_MIN_CACHEABLE_TOKENS) -> None:
        self.min_cacheable_tokens = min_cacheable_tokens
        self._seen: set[str] = set()

    def account(self, body: dict[str, Any]) -> CacheAccounting:
        blocks = [(_without_cache_control(block), marked) for block, marked in request_blocks(body)]
        costs = [count_tokens(block) for block, _ in blocks]
        total = sum(costs)
        ends = [index + 1 for index, (_, has_marker) in enumerate(blocks) if has_marker]
        if not ends:
            return CacheAccounting(input_tokens=total)
        running = [0]
        for cost in costs:
            running.append(running[-1] + cost)
        digests: dict[int, str] = {}

        def digest(end: int) -> str:
            if end not in digests:
                prefix = [body.get("model"), [block for block, _ in blocks[:end]]]
                digests[end] = hashlib.sha256(_compact(prefix).encode()).hexdigest()
            return digests[end]

        read_end = 0
        for end in ends:
            for candidate in range(end, max(0, end - _LOOKBACK_BLOCKS), -1):
                if candidate <= read_end or running[candidate] < self.min_cacheable_tokens:
                    break
                if digest(candidate) in self._seen:
                    read_end = candidate
                    break
        for end in ends:
            if running[end] >= self.min_cacheable_tokens:
                self._seen.add(digest(end))
        last = ends[-1]
        read = running[read_end]
        written = running[last] - read if running[last] >= self.min_cacheable_tokens else 0
        return CacheAccounting(
            input_tokens=total - read - written, cache_creation_input_tokens=written, cache_read_input_tokens=read
        )
