"""A follow-up's view of its thread: the earlier turns summarised within a character budget, without a model.

The first request says what the thread is about and the latest turn is what the follow-up most likely builds on,
so both are kept (each up to a share of the budget); every turn between gets one line of its most fact-like
parts (`salience`). When even those lines do not fit, the oldest are left out, and the digest says how many turns
it summarised and how many it left out. Pure and deterministic, like the rest of `agents.context`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.context.salience import clip, key_lines, lines_of

__all__ = ["DIGEST_CHARS", "HEADING", "ThreadTurn", "thread_digest"]

HEADING = "Earlier in this thread:"
DIGEST_CHARS = 4_000
NO_ANSWER = "(none yet)"
_SHARES = {"first_request": 0.15, "first_answer": 0.075, "latest_request": 0.15, "latest_answer": 0.375}
"""Caps as parts of the budget; what the turns between do not use of the rest is left unused."""
_REQUEST_LINE = 100
_ANSWER_LINE = 140
_COUNTS_ROOM = 160  # the line that says how many turns were summarised


@dataclass(frozen=True)
class ThreadTurn:
    requester: str
    """A Slack user id; shown as a mention, which the model reads as a person."""
    request: str
    answer: str | None
    """None while that turn has no answer yet."""


def thread_digest(turns: Sequence[ThreadTurn], budget: int = DIGEST_CHARS) -> str:
    """The thread's earlier turns (oldest first) in at most `budget` characters."""
    if not turns:
        raise ValueError("a follow-up's thread has at least one earlier turn")
    caps = {part: max(40, int(budget * share)) for part, share in _SHARES.items()}
    first, latest, between = turns[0], turns[-1], list(enumerate(turns[1:-1], start=2))
    blocks = [_full(first, caps["first_request"], caps["first_answer"])] if len(turns) > 1 else []
    last = _full(latest, caps["latest_request"], caps["latest_answer"])
    room = budget - len(HEADING) - _COUNTS_ROOM - sum(len(b) + 2 for b in [*blocks, last])
    lines: list[str] = []
    for number, turn in reversed(between):  # the newest turns between first: they are closer to the follow-up
        line = _one_line(number, turn)
        if len(line) + 1 > room:
            break
        lines.insert(0, line)
        room -= len(line) + 1
    left_out = len(between) - len(lines)
    if lines:
        blocks.append("\n".join(lines))
    counts = _counts(len(turns), len(lines), left_out)
    digest = "\n".join([HEADING, counts, "\n\n".join([*blocks, last])])
    return clip(digest, budget)  # the caps already keep it within; this makes it a guarantee


def _full(turn: ThreadTurn, request_cap: int, answer_cap: int) -> str:
    return f"Request from <@{turn.requester}>: {_fit(turn.request, request_cap)}\nAnswer: " + (
        _fit(turn.answer, answer_cap) if turn.answer else NO_ANSWER
    )


def _fit(text: str, cap: int) -> str:
    """`text` whole if it fits; else its most fact-like lines, or its head for one long line, saying what was cut."""
    text = text.strip()
    if len(text) <= cap:
        return text
    lines = lines_of(text)
    if len(lines) > 1:
        total = len(lines)
        kept = key_lines(lines, max(0, cap - len(f"\n[cut: {total} of {total} lines kept, the most telling]")))
        if kept:
            return "\n".join(kept) + f"\n[cut: {len(kept)} of {total} lines kept, the most telling]"
    head = text[: max(0, cap - len(f" [cut: {len(text):,} more characters]"))].rstrip()
    return f"{head} [cut: {len(text) - len(head):,} more characters]"


def _one_line(number: int, turn: ThreadTurn) -> str:
    request = _gist_line(turn.request, _REQUEST_LINE)
    answer = _gist_line(turn.answer, _ANSWER_LINE) if turn.answer else NO_ANSWER
    return f"- turn {number}, <@{turn.requester}>: {request} → {answer}"


def _gist_line(text: str, limit: int) -> str:
    return clip(" · ".join(key_lines(lines_of(text), limit)), limit)


def _counts(turns: int, summarised: int, left_out: int) -> str:
    if turns == 1:
        return "(1 earlier turn, in full or by its key lines)"
    parts = [f"{turns} earlier turns: the first and the latest in full or by their key lines"]
    if summarised:
        parts.append(f"{summarised} between summarised in one line each")
    if left_out:
        parts.append(f"{left_out} between left out for length")
    return "(" + "; ".join(parts) + ")"
