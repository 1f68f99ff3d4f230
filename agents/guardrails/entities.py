"""Finding sensitive values: detectors (an RE2 pattern plus a check), and overlap resolution between them.

A detector proposes candidates with its pattern and confirms each with a plain function (a checksum, a
context window, an entropy bound) that may also narrow the span. Candidates of different detectors that
overlap are resolved by priority: secrets first, then the checksummed types, then the rest. Each detector
looks at no more than `MAX_CANDIDATES` candidates, so the work per text stays bounded.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from agents.guardrails._regex import BytePattern, PatternSet, ScanText, compile_bytes

__all__ = ["MAX_CANDIDATES", "Category", "Detector", "DetectorSet", "Entity", "find_entities"]

MAX_CANDIDATES = 2_000
Category = Literal["secret", "pii", "infrastructure"]
# Confirms a candidate: given the whole text and the candidate's span, returns the span to keep, or None.
Check = Callable[[str, int, int], tuple[int, int] | None]


@dataclass(frozen=True)
class Entity:
    type: str
    category: Category
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Detector:
    type: str
    category: Category
    pattern: BytePattern
    priority: int
    group: int = 0  # the group that holds the value; -n: the first of groups 1..n that matched
    check: Check | None = None
    source: str = ""
    ignore_case: bool = False

    @classmethod
    def of(
        cls,
        type: str,
        category: Category,
        pattern: str,
        priority: int,
        *,
        group: int = 0,
        check: Check | None = None,
        ignore_case: bool = False,
        hint: str | None = None,
    ) -> Detector:
        """`hint`: a looser pattern for the prefilter, when the real one matches far more than it keeps."""
        compiled = compile_bytes(pattern, ignore_case=ignore_case)
        return cls(type, category, compiled, priority, group, check, hint or pattern, ignore_case)

    def candidates(self, scan: ScanText) -> Iterable[Entity]:
        for count, match in enumerate(self.pattern.finditer(scan.data)):
            if count >= MAX_CANDIDATES:
                return
            group = self.group
            if group < 0:  # the first alternative group that took part in the match
                group = next((g for g in range(1, -group + 1) if match.span(g)[0] >= 0), 0)
            start, end = scan.char_span(match, group)
            if start < 0 or start == end:
                continue
            if self.check is not None:
                kept = self.check(scan.text, start, end)
                if kept is None:
                    continue
                start, end = kept
            yield Entity(self.type, self.category, start, end, scan.text[start:end])


class DetectorSet:
    """Detectors with a one-pass prefilter: an RE2 set says which detectors can match before any of them runs.

    `extra` patterns ride along in the same pass for other checks that want a cheap hint about the text; their
    indices in `prefilter`'s answer start at `len(detectors)`.
    """

    def __init__(self, detectors: Iterable[Detector], extra: Iterable[str] = ()) -> None:
        self.detectors = tuple(detectors)
        sources = [f"(?i:{d.source})" if d.ignore_case else d.source for d in self.detectors]
        self._prefilter = PatternSet([*sources, *extra], ignore_case=False)

    def prefilter(self, data: bytes) -> list[int]:
        return self._prefilter.matches(data)

    def find(self, text: str, data: bytes = b"", matched: list[int] | None = None) -> list[Entity]:
        """Non-overlapping entities in `text` (UTF-8: `data`), in text order; on overlap the lower priority wins.
        `matched` is `prefilter(data)` when the caller ran it already."""
        scan = ScanText(text, data)
        ranked: list[tuple[int, Entity]] = []
        for index in self._prefilter.matches(scan.data) if matched is None else matched:
            if index < len(self.detectors):
                detector = self.detectors[index]
                ranked.extend((detector.priority, entity) for entity in detector.candidates(scan))
        return _resolve(ranked)


def find_entities(text: str, detectors: Iterable[Detector]) -> list[Entity]:
    """Non-overlapping entities in `text`, in text order; on overlap the lower priority number wins."""
    scan = ScanText(text)
    ranked: list[tuple[int, Entity]] = []
    for detector in detectors:
        ranked.extend((detector.priority, entity) for entity in detector.candidates(scan))
    return _resolve(ranked)


def _resolve(ranked: list[tuple[int, Entity]]) -> list[Entity]:
    ranked.sort(key=lambda item: (item[0], item[1].start, -item[1].end))
    starts: list[int] = []
    kept: list[Entity] = []
    for _, entity in ranked:
        i = bisect.bisect_left(starts, entity.start)
        if i > 0 and kept[i - 1].end > entity.start:
            continue
        if i < len(kept) and kept[i].start < entity.end:
            continue
        starts.insert(i, entity.start)
        kept.insert(i, entity)
    return kept
