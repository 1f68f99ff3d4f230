"""Runbook retrieval: the few passages of a folder of markdown runbooks that answer a query, never whole documents.

Each file is cut at its headings, and a long section into groups of paragraphs (a fenced code block stays whole);
each passage keeps its file and heading path. Passages are ranked with BM25 over lightly stemmed words, the
heading's words counting twice, and returned truncated. The folder is read again when a file in it changes.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_RUNBOOK_DIR", "Passage", "RunbookHit", "RunbookLibrary", "split_passages", "terms"]

DEFAULT_RUNBOOK_DIR = Path(__file__).parent / "runbooks"

_K1 = 1.5
_B = 0.75
_MAX_PASSAGE_WORDS = 120
_WORD = re.compile(r"[a-z0-9]+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_STOPWORD_TEXT = (
    "a an and are as at be by can do does for from has have how i if in into is it its me my no not of on or our "
    "so that the their then there this to up was we what when where which who why will with you your"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Passage:
    file: str
    heading: str
    """The heading path, e.g. `Roll back a deploy › Steps`."""
    text: str


@dataclass(frozen=True)
class RunbookHit:
    passage: Passage
    score: float


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def terms(text: str) -> list[str]:
    """The words BM25 counts: lowercased, stemmed, without stopwords."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs separated by blank lines; a fenced code block is one paragraph even with blank lines inside."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    for line in lines:
        if line.strip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_passages(name: str, markdown: str) -> list[Passage]:
    """The passages of one runbook: one per section, or per group of paragraphs for a long section."""
    passages: list[Passage] = []
    path: list[tuple[int, str]] = []  # (level, title) of the headings above the current line
    body: list[str] = []

    def flush() -> None:
        heading = " › ".join(title for _, title in path) or name
        group: list[str] = []
        for block in _blocks(body):
            if group and len(" ".join([*group, block]).split()) > _MAX_PASSAGE_WORDS:
                passages.append(Passage(name, heading, "\n\n".join(group)))
                group = []
            group.append(block)
        if group:
            passages.append(Passage(name, heading, "\n\n".join(group)))
        body.clear()

    fenced = False
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match is None:
            body.append(line)
            continue
        flush()
        level = len(match.group(1))
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, match.group(2)))
    flush()
    return passages


class RunbookLibrary:
    def __init__(self, directory: Path | str = DEFAULT_RUNBOOK_DIR) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, float, int], ...] | None = None
        self._passages: list[Passage] = []
        self._counts: list[Counter[str]] = []
        self._lengths: list[int] = []
        self._document_frequency: Counter[str] = Counter()

    def search(self, query: str, limit: int = 3) -> list[RunbookHit]:
        """The best `limit` passages for `query`, best first; passages sharing no word with it are left out."""
        with self._lock:
            self._load()
            wanted = set(terms(query))
            if not wanted or not self._passages:
                return []
            count = len(self._passages)
            average = sum(self._lengths) / count
            hits = []
            for passage, counts, length in zip(self._passages, self._counts, self._lengths, strict=True):
                score = 0.0
                for term in wanted & counts.keys():
                    frequency = self._document_frequency[term]
                    idf = math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
                    tf = counts[term]
                    score += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / average))
                if score > 0:
                    hits.append(RunbookHit(passage, round(score, 3)))
            hits.sort(key=lambda hit: -hit.score)
            return hits[:limit]

    def _load(self) -> None:
        files = sorted(self.directory.glob("*.md"))
        signature = tuple((file.name, file.stat().st_mtime, file.stat().st_size) for file in files)
        if signature == self._signature:
            return
        passages = [
            passage for file in files for passage in split_passages(file.name, file.read_text(encoding="utf-8"))
        ]
        self._counts = [Counter(terms(passage.heading) * 2 + terms(passage.text)) for passage in passages]
        self._lengths = [sum(counts.values()) for counts in self._counts]
        self._document_frequency = Counter(term for counts in self._counts for term in counts)
        self._passages = passages
        self._signature = signature
