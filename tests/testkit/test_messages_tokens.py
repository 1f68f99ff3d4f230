"""The fake's prompt cache follows the API's rules: a breakpoint writes, a later request reads the longest prefix
seen before, looking back from each of its breakpoints."""

from __future__ import annotations

from typing import Any

from testkit.fakes.messages_tokens import PromptCache, count_tokens

MARK = {"type": "ephemeral"}
SYSTEM = [{"type": "text", "text": "You are the ops agent. " * 300, "cache_control": MARK}]


def turn(n: int, *, marked: bool) -> list[dict[str, Any]]:
    user: dict[str, Any] = {"type": "text", "text": f"fact {n}: " + "log line " * 40}
    if marked:
        user["cache_control"] = MARK
    return [
        {"role": "user", "content": [user]},
        {"role": "assistant", "content": [{"type": "text", "text": f"noted {n}"}]},
    ]


def body(turns: int) -> dict[str, Any]:
    messages = [m for n in range(1, turns + 1) for m in turn(n, marked=n == turns)]
    return {"model": "m", "system": SYSTEM, "messages": messages[:-1]}


def test_a_growing_conversation_reads_what_the_previous_turn_wrote() -> None:
    cache = PromptCache(min_cacheable_tokens=1024)
    first = cache.account(body(1))
    assert first.cache_read_input_tokens == 0 and first.cache_creation_input_tokens > 1024
    second = cache.account(body(2))
    # Read: system + turn 1's user block (the previous breakpoint, found by looking back); written: the rest.
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.cache_creation_input_tokens > 0
    assert second.input_tokens == 0


def test_a_short_prefix_is_not_cached() -> None:
    cache = PromptCache(min_cacheable_tokens=10**6)
    accounting = cache.account(body(2))
    assert accounting.cache_creation_input_tokens == accounting.cache_read_input_tokens == 0
    assert accounting.input_tokens == sum(count_tokens(b) for b in [SYSTEM[0]]) or accounting.input_tokens > 0
