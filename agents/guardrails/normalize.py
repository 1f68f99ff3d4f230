"""Unicode normalization that every guardrail sees first, with a map back to the offsets of the input.

`normalize` applies NFKC (fullwidth and mathematical letters become plain ones), removes invisible characters
(zero-width, bidi controls, tag and variation characters, control codes other than tab and newline), and folds
look-alike letters inside words that mix Latin with another script (`pаypal` with a Cyrillic `а`). Words
written wholly in another script are left alone: Greek or Russian text stays readable. Injection matching folds
every look-alike on its own copy (see `views`). Work is proportional to the non-ASCII part of the text.

The normalized text is for matching only: NFKC folds a fullwidth `＜!channel＞` into a live Slack broadcast.
What is passed on is `visible(original)`: the text as received, less the invisible characters (which hide text
from a reader and smuggle it to a model), with nothing substituted.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterator

from agents.guardrails._regex import BytePattern, compile_bytes
from agents.guardrails.confusables import CONFUSABLES, HOMOGLYPH_TABLE

__all__ = ["Normalized", "normalize", "visible"]

_SPECIAL = compile_bytes(r"[^\x09\x0a\x0d\x20-\x7e]+")
_CONFUSABLE_RUN = compile_bytes("[" + "".join(sorted(CONFUSABLES)) + "]+")
_PRINTABLE_ASCII = bytes([9, 10, 13, *range(32, 127)])
_HIDDEN = compile_bytes(
    r"[\p{Cf}\p{Zl}\p{Zp}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x{9F}\x{FE00}-\x{FE0F}\x{E0100}-\x{E01EF}"
    r"\x{115F}\x{1160}\x{3164}\x{FFA0}\x{2800}]"
)
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


def _invisible(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or ch in _FILLERS:
        return True
    return unicodedata.category(ch) in ("Cf", "Cc")


def _clean(cluster: str) -> str:
    kept = "".join(
        _LINE_BREAKS.get(ch, "\ufffd" if "\ud800" <= ch <= "\udfff" else ch)
        for ch in cluster
        if ch in _LINE_BREAKS or not _invisible(ch)
    )
    return unicodedata.normalize("NFKC", kept) if kept else kept


class Normalized:
    """The normalized text, what changed, and how its offsets map to the input's."""

    __slots__ = ("_in_ends", "_in_starts", "_out_ends", "_out_starts", "changes", "original", "text")

    def __init__(
        self,
        text: str,
        original: str,
        changes: tuple[str, ...] = (),
        edits: tuple[list[int], list[int], list[int], list[int]] | None = None,
    ) -> None:
        self.text = text
        self.original = original
        self.changes = changes
        # Edits as parallel lists: output start, output end, input start, input end; between them text is copied.
        self._out_starts, self._out_ends, self._in_starts, self._in_ends = edits or ([], [], [], [])

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Input offsets of the normalized span `[start, end)`; an edited character maps to its whole source."""
        if not self._out_starts:
            return start, end
        i = bisect.bisect_right(self._out_starts, start) - 1
        if i < 0:
            first = start
        elif start < self._out_ends[i]:
            first = self._in_starts[i]
        else:
            first = self._in_ends[i] + start - self._out_ends[i]
        j = bisect.bisect_left(self._out_starts, end) - 1
        last = end if j < 0 else self._in_ends[j] + max(0, end - self._out_ends[j])
        return first, max(first, last)


def visible(text: str) -> str:
    """`text` without invisible characters, line separators as newlines and lone surrogates as U+FFFD; no NFKC."""
    if text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII):
        return text  # printable ASCII, tabs and newlines
    pieces: list[str] = []
    copied = 0
    # Only the runs other than printable ASCII are read character by character: a loop over every character of
    # a 4 KB message with a few accents cost a millisecond on the ack path.
    for start, end in _char_spans(_SPECIAL, text, text.encode("utf-8", "surrogatepass")):
        pieces.append(text[copied:start])
        pieces.extend(
            _LINE_BREAKS.get(ch, "\ufffd" if "\ud800" <= ch <= "\udfff" else ch)
            for ch in text[start:end]
            if ch in _LINE_BREAKS or not _invisible(ch)
        )
        copied = end
    pieces.append(text[copied:])
    return "".join(pieces)


def normalize(text: str) -> Normalized:
    try:
        data = text.encode("utf-8")
        surrogates = False
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
        surrogates = True
    if len(data) == len(text) and not data.translate(None, _PRINTABLE_ASCII):
        return Normalized(text, text)  # printable ASCII, tabs and newlines: nothing to do
    if not surrogates and _HIDDEN.search(data) is None and unicodedata.is_normalized("NFKC", text):
        folded = _fold_mixed_words(text)  # the common case for other scripts: nothing hidden, already NFKC
        return Normalized(folded, text, ("folded look-alike characters",) if folded != text else ())
    pieces: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    in_starts: list[int] = []
    in_ends: list[int] = []
    out_len = 0
    copied = 0
    invisible = nfkc = 0
    for run_start, run_end in _special_runs(text, data):
        run = text[run_start:run_end]
        if run.isprintable() and unicodedata.is_normalized("NFKC", run) and not any(map(_invisible, run)):
            continue
        for start, end in _clusters(run):
            cluster = run[start:end]
            cleaned = _clean(cluster)
            if cleaned == cluster:
                continue
            visible = sum(1 for ch in cluster if ch in _LINE_BREAKS or not _invisible(ch))
            invisible += len(cluster) - visible
            nfkc += visible > 0
            at = run_start + start
            pieces.append(text[copied:at])
            out_len += at - copied
            out_starts.append(out_len)
            in_starts.append(at)
            pieces.append(cleaned)
            out_len += len(cleaned)
            out_ends.append(out_len)
            in_ends.append(run_start + end)
            copied = run_start + end
    pieces.append(text[copied:])
    normalized = "".join(pieces)
    changes: list[str] = []
    if invisible:
        changes.append("removed invisible characters")
    if nfkc:
        changes.append("normalized Unicode (NFKC)")
    folded = _fold_mixed_words(normalized)
    if folded != normalized:
        changes.append("folded look-alike characters")
    return Normalized(folded, text, tuple(changes), (out_starts, out_ends, in_starts, in_ends))


def _char_spans(pattern: BytePattern, text: str, data: bytes) -> Iterator[tuple[int, int]]:
    """Character spans of the matches, converting byte offsets incrementally (linear in the text)."""
    if len(data) == len(text):
        for match in pattern.finditer(data):
            yield match.span()
        return
    position = byte_position = 0
    for match in pattern.finditer(data):
        start_b, end_b = match.span()
        start = position + len(data[byte_position:start_b].decode("utf-8", "surrogatepass"))
        end = start + len(data[start_b:end_b].decode("utf-8", "surrogatepass"))
        position, byte_position = end, end_b
        yield start, end


def _special_runs(text: str, data: bytes) -> Iterator[tuple[int, int]]:
    """Runs of characters other than printable ASCII, each widened to include the base letter of a first mark."""
    for start, end in _char_spans(_SPECIAL, text, data):
        yield (start - 1 if start > 0 and unicodedata.combining(text[start]) else start), end


def _clusters(run: str) -> list[tuple[int, int]]:
    """A character with the combining marks that follow it, so NFKC composes them as one unit."""
    bounds: list[tuple[int, int]] = []
    i = 0
    while i < len(run):
        j = i + 1
        while j < len(run) and unicodedata.combining(run[j]):
            j += 1
        bounds.append((i, j))
        i = j
    return bounds


def _fold_mixed_words(text: str) -> str:
    if text.isascii():
        return text
    chars: list[str] | None = None
    done = 0
    for start, end in _char_spans(_CONFUSABLE_RUN, text, text.encode("utf-8", "surrogatepass")):
        if start < done:
            continue
        left, right = start, end
        while left > done and text[left - 1].isalnum():
            left -= 1
        while right < len(text) and text[right].isalnum():
            right += 1
        done = right
        word = text[left:right]
        if any("a" <= ch <= "z" or "A" <= ch <= "Z" for ch in word):
            chars = chars if chars is not None else list(text)
            chars[left:right] = word.translate(HOMOGLYPH_TABLE)
    return "".join(chars) if chars is not None else text
