"""Linear-time regular expressions (RE2) behind a small typed surface.

Every guardrail pattern goes through here, so no input can make a match backtrack: RE2 runs in time linear in
the text, whatever the pattern. Patterns run on UTF-8 bytes (about four times faster than RE2's `str` path);
`ScanText` turns byte offsets back into character offsets, which is free for ASCII text. RE2's `\\w`, `\\d`
and `\\b` are ASCII-only; patterns that must see other scripts spell out `\\p{L}` and friends.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import re2  # type: ignore[import-untyped]

__all__ = ["ByteMatch", "BytePattern", "PatternSet", "ScanText", "compile_bytes", "escape_literal"]

_SET_MEMORY = 64 << 20
_UNANCHORED: Any = re2._Anchor.UNANCHORED


class ByteMatch:
    """Spans of one match: group 0 is the whole match; a group that did not take part is (-1, -1)."""

    __slots__ = ("_spans",)

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self._spans = spans

    def span(self, group: int = 0) -> tuple[int, int]:
        return self._spans[group]

    def start(self, group: int = 0) -> int:
        return self._spans[group][0]

    def end(self, group: int = 0) -> int:
        return self._spans[group][1]


class BytePattern:
    """A compiled RE2 pattern for UTF-8 bytes. It calls RE2's matcher directly: the `re`-style wrapper of
    google-re2 costs more per call than a short text takes to scan."""

    __slots__ = ("_regexp", "pattern")

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        options = re2.Options()
        options.case_sensitive = not ignore_case
        try:
            compiled: Any = re2.compile(pattern.encode(), options)
        except re2.error as error:
            raise ValueError(f"pattern {pattern!r} is not valid RE2 syntax: {error}") from error
        self._regexp: Any = compiled._regexp
        self.pattern = pattern

    def search(self, data: bytes, pos: int = 0) -> ByteMatch | None:
        spans: list[tuple[int, int]] = self._regexp.Match(_UNANCHORED, data, pos, len(data))
        return None if spans[0][0] < 0 else ByteMatch(spans)

    def finditer(self, data: bytes) -> Iterator[ByteMatch]:
        pos, end = 0, len(data)
        while pos <= end:
            spans: list[tuple[int, int]] = self._regexp.Match(_UNANCHORED, data, pos, end)
            start, stop = spans[0]
            if start < 0:
                return
            yield ByteMatch(spans)
            pos = stop + 1 if stop == start else stop


def compile_bytes(pattern: str, *, ignore_case: bool = False) -> BytePattern:
    """Compiles `pattern` for byte input; raises `ValueError` for syntax RE2 does not have (look-around...)."""
    return BytePattern(pattern, ignore_case)


def escape_literal(text: str) -> str:
    """`text` as a pattern that matches exactly that text."""
    return cast(str, re2.escape(text))


class PatternSet:
    """Many patterns matched together: `matches(data)` says which ones occur, not where.

    The patterns are split into sets of `group` each. RE2 builds a set's DFA states lazily, from the text it meets,
    and one DFA over two hundred patterns with bounded gaps has so many states that on text it has not seen it
    spends ~2 ms per 7 KB building them (41 us on a text seen before); sixteen patterns a set cut that about 2.7x
    (`bench.guardrails` figures: docs/guardrails.md). A pattern with a long run counted in characters up to a
    line's end (`[^\\n]{0,48}`) multiplies a set's states by the run's length, so the set holds a looser form of it
    (`loosened`) and the pattern itself is searched only on a text where that form matched: the same answers."""

    def __init__(self, patterns: list[str], *, ignore_case: bool = True, group: int = 16) -> None:
        options = re2.Options()
        options.case_sensitive = not ignore_case
        options.max_mem = _SET_MEMORY
        self.size = len(patterns)
        self._sets: list[tuple[int, Any]] = []
        self._exact: dict[int, BytePattern] = {}
        for index, pattern in enumerate(patterns):
            if loosened(pattern) != pattern:
                self._exact[index] = BytePattern(pattern, ignore_case)
        for start in range(0, len(patterns), group):
            compiled: Any = re2.Set.SearchSet(options)
            for pattern in patterns[start : start + group]:
                try:
                    compiled.Add(loosened(pattern).encode())
                except re2.error as error:
                    raise ValueError(f"pattern {pattern!r} is not valid RE2 syntax: {error}") from error
            compiled.Compile()
            self._sets.append((start, compiled._set))

    def matches(self, data: bytes) -> list[int]:
        found: list[int] = []
        for start, raw in self._sets:
            found += [start + index for index in raw.Match(data) or ()]
        if self._exact and not self._exact.keys().isdisjoint(found):
            found = [i for i in found if i not in self._exact or self._exact[i].search(data) is not None]
        return sorted(found)


# A bounded run of one class that stops at a line's end (`[^\n…]{m,n}`, lazy or not).
_LINE_RUN = re.compile(r"(?<!\\)(\[\^(?:[^\]\\]|\\.)*?\\n(?:[^\]\\]|\\.)*\])\{(\d+),(\d+)\}")
_LONG_RUN = 8
_LINE_START = "(?:^|\\n)[^\\n]{0,}"  # a line's start and any of its characters, once unbounded


def loosened(pattern: str) -> str:
    """A pattern that matches wherever `pattern` matches (and maybe elsewhere), with fewer DFA states: each run of
    one class that stops at a line's end, with bounds 8 or more apart (`[^\\n]{0,48}`), is unbounded, and a leading
    line start with such a run (then only a bound on where the rest starts) is dropped when the pattern has no
    top-level `|`. The pattern itself when it has no such run."""
    looser = _LINE_RUN.sub(_unbounded, pattern)
    if looser.startswith(_LINE_START) and not _has_top_level_alternation(looser):
        looser = looser.removeprefix(_LINE_START).removeprefix("?")
    return looser


def _unbounded(run: re.Match[str]) -> str:
    short, long = int(run[2]), int(run[3])
    return run[0] if long - short < _LONG_RUN else f"{run[1]}{{{short},}}"


def _has_top_level_alternation(pattern: str) -> bool:
    depth = 0
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


_CHECKPOINT = 2048


@dataclass
class ScanText:
    """A text with its UTF-8 bytes, so patterns run on bytes and report offsets in characters.

    For non-ASCII text, byte offsets are converted through checkpoints every 2 KiB, so each conversion decodes
    at most 2 KiB whatever the text's length.
    """

    text: str
    data: bytes = b""  # the UTF-8 of `text`, when the caller has it already
    ascii: bool = field(init=False)
    _bytes: list[int] = field(init=False, default_factory=list, repr=False)
    _chars: list[int] = field(init=False, default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.data and self.text:
            self.data = self.text.encode("utf-8", "surrogatepass")
        self.ascii = len(self.data) == len(self.text)

    def char_offset(self, byte_offset: int) -> int:
        if self.ascii or byte_offset <= 0:
            return byte_offset
        if not self._bytes:
            self._build_checkpoints()
        i = bisect.bisect_right(self._bytes, byte_offset) - 1
        base = self._bytes[i]
        return self._chars[i] + len(self.data[base:byte_offset].decode("utf-8", "surrogatepass"))

    def char_span(self, match: ByteMatch, group: int = 0) -> tuple[int, int]:
        start, end = match.span(group)
        if self.ascii or start < 0:
            return start, end
        return self.char_offset(start), self.char_offset(end)

    def _build_checkpoints(self) -> None:
        position = chars = 0
        self._bytes.append(0)
        self._chars.append(0)
        while position + _CHECKPOINT < len(self.data):
            target = position + _CHECKPOINT
            while target < len(self.data) and (self.data[target] & 0xC0) == 0x80:
                target += 1  # a UTF-8 continuation byte: move to the start of the next character
            chars += len(self.data[position:target].decode("utf-8", "surrogatepass"))
            position = target
            self._bytes.append(position)
            self._chars.append(chars)
