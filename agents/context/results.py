"""Long tool results, cut to a head and a tail around a marker that says how to read the rest (`read_result`).

The reference (`ref:<turn>:<call_id>`) depends only on where the result sits in the conversation, so the same
result is cut the same way on every turn and on a replay; that keeps the cached prefix byte-identical.
"""

from __future__ import annotations

import functools
from typing import Protocol

from agents.context.salience import key_lines, lines_of

__all__ = ["InMemoryResultStore", "ResultStore", "result_ref", "truncate_result", "truncation_marker"]

MIDDLE_WEIGHT = 5
"""Lines of a cut middle worth showing must stand out: an error, or a rare line with a number and an id;
a routine line scores at most 4."""


class ResultStore(Protocol):
    """Where full tool results are kept when the model only sees a cut; a tool may fetch them by reference."""

    def put(self, ref: str, content: str) -> None: ...

    def get(self, ref: str) -> str | None: ...


class InMemoryResultStore:
    def __init__(self) -> None:
        self.results: dict[str, str] = {}

    def put(self, ref: str, content: str) -> None:
        self.results[ref] = content

    def get(self, ref: str) -> str | None:
        return self.results.get(ref)


def result_ref(turn: int, call_id: str) -> str:
    return f"ref:{turn}:{call_id}"


def truncation_marker(total: int, ref: str, offset: int) -> str:
    """What the model reads where a result was cut: how long it is, and how to read on from `offset`."""
    return f'\n[result truncated: {total:,} chars; to read on, call read_result with ref="{ref}" offset={offset}]\n'


@functools.lru_cache(maxsize=256)  # pure, and asked again for the same text every turn
def truncate_result(content: str, ref: str, limit: int) -> str:
    """`content` if it fits in `limit` characters; else a head and a tail around a marker naming `ref` and the
    offset to read on from, with the few lines of the cut middle that stand out (errors, rare lines), so a fact
    there is not lost."""
    if len(content) <= limit:
        return content
    # The marker names the offset where the head ends; sized first with the widest offset it could name.
    room = max(0, limit - len(truncation_marker(len(content), ref, limit)))
    head, tail = room * 2 // 5, room * 2 // 5
    marker = truncation_marker(len(content), ref, head)
    middle = lines_of(content[head : len(content) - tail])[1:-1]  # the edge lines are cut mid-line
    highlights = key_lines(middle, room - head - tail, first=False, min_weight=MIDDLE_WEIGHT)
    if highlights:
        marker += "[lines from the cut part:]\n" + "\n".join(highlights) + "\n[…]\n"
    return content[:head] + marker + (content[-tail:] if tail else "")
