"""Which lines of a text most likely carry facts, found without a model.

Errors, numbers, ids, names and `key: value` lines score; a line whose shape (digits aside) no other line
shares scores more, and at most two lines of one shape are kept, so a log's routine lines do not crowd out
the one line that differs.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter

__all__ = ["LINE_CHARS", "clip", "clip_noted", "key_lines", "lines_of"]

LINE_CHARS = 200
SAME_SHAPE_LINES = 2

_ERROR = re.compile(
    r"\b(error|errors|fail\w*|exception|denied|refused|time[ds]? ?out|critical|fatal|warn\w*|unavailable|down)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")
_IDENTIFIER = re.compile(r"\w[\w.]*[-_/:@#]\w|\b[A-Z][a-z]+[A-Z]|\b[A-Z]{2,}\b")
_KEY_VALUE = re.compile(r"^\s*[-*]?\s*[\w .-]{1,40}\s*[:=]\s*\S")
_NOISE = re.compile(r"^[\W_]*$")
_MENTION = re.compile(r"(?<![\w.])@[A-Za-z0-9][\w.-]*")  # a person or a channel: who to call is a fact


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_noted(text: str, limit: int) -> str:
    """`text` if it fits in `limit`; else its head and a note of how many characters were cut, `limit` in all: for
    what a reader must not take for the whole (a specialist's report to its lead)."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(f"\n[cut: {len(text):,} more characters]"))]
    return f"{head}\n[cut: {len(text) - len(head):,} more characters]"


def lines_of(text: str) -> list[str]:
    """Non-blank lines, stripped; JSON is pretty-printed first so one long line becomes one line per field."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(stripped), indent=1, ensure_ascii=False)
    return [line.strip() for line in text.splitlines() if not _NOISE.match(line)]


def _shape(line: str) -> str:
    return _DIGITS.sub("#", line)


def _weight(line: str, rare: bool) -> int:
    return (
        2 * rare
        + 3 * bool(_ERROR.search(line))
        + 2 * bool(_DIGIT.search(line))
        + bool(_IDENTIFIER.search(line))
        + bool(_KEY_VALUE.match(line))
        + 2 * bool(_MENTION.search(line))
    )


def key_lines(lines: list[str], limit: int, *, first: bool = True, min_weight: int = 1) -> list[str]:
    """The best-scoring lines (clipped) that fit in `limit` characters, in their original order.

    `first` always keeps line 0, which usually says what the text is; `min_weight` leaves out weaker lines."""
    if not lines:
        return []
    shapes = [_shape(line) for line in lines]
    counts = Counter(shapes)
    weights = [_weight(line, counts[shape] == 1) for line, shape in zip(lines, shapes, strict=True)]
    chosen: set[int] = set()
    taken: Counter[str] = Counter()
    room = limit
    if first:
        chosen.add(0)
        taken[shapes[0]] += 1
        room -= len(clip(lines[0], LINE_CHARS))
    for i in sorted(range(len(lines)), key=lambda i: (-weights[i], i)):
        if weights[i] < min_weight:
            break
        cost = len(clip(lines[i], LINE_CHARS)) + 1
        if i in chosen or cost > room or taken[shapes[i]] >= SAME_SHAPE_LINES:
            continue
        chosen.add(i)
        taken[shapes[i]] += 1
        room -= cost
    return [clip(lines[i], LINE_CHARS) for i in sorted(chosen)]
