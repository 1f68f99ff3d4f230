"""The public data sets of the guardrails benchmark and the figures computed on them.

Shared by `bench.guardrails` and the data-set test, so both report the same numbers. Data is read in place from
`../shared/data/guardrails/` relative to the project root, never copied. A span counts as found when a predicted
span of the same type overlaps it with an intersection-over-union of at least 0.5.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_DIR",
    "EXPLICIT_VARIANTS",
    "PII_TYPES",
    "InjectionCase",
    "PiiScores",
    "injection_cases",
    "nl2bash_requests",
    "pii_scores",
    "pii_sentences",
    "sample_texts",
]

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "guardrails"
EXPLICIT_VARIANTS = ("ignore_previous_instructions", "system_mode")
# Presidio's entity names -> opsgate's, for the types both cover.
PII_TYPES = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
}

Spans = list[tuple[str, int, int]]


@dataclass(frozen=True)
class InjectionCase:
    text: str
    variant: str
    injection_type: str  # "direct" or "indirect"

    @property
    def explicit(self) -> bool:
        return self.variant in EXPLICIT_VARIANTS


def _read(name: str) -> str:
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the shared data sets live in ../shared/data next to the project")
    return path.read_text(encoding="utf-8")


def injection_cases() -> list[InjectionCase]:
    raw: list[dict[str, Any]] = json.loads(_read("cyberseceval_prompt_injection.json"))
    return [InjectionCase(item["user_input"], item["injection_variant"], item["injection_type"]) for item in raw]


def nl2bash_requests() -> list[str]:
    return [line for line in _read("nl2bash_requests.txt").splitlines() if line.strip()]


def pii_sentences() -> list[tuple[str, Spans]]:
    """(text, gold spans) with opsgate's type names, for the types both opsgate and Presidio cover."""
    raw: list[dict[str, Any]] = json.loads(_read("presidio_synth_dataset_v2.json"))
    return [
        (
            item["full_text"],
            [
                (PII_TYPES[span["entity_type"]], span["start_position"], span["end_position"])
                for span in item["spans"]
                if span["entity_type"] in PII_TYPES
            ],
        )
        for item in raw
    ]


@dataclass
class PiiScores:
    found: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)

    def recall(self, kind: str) -> float:
        total = self.found[kind] + self.missed[kind]
        return self.found[kind] / total if total else 1.0

    def precision(self, kind: str) -> float:
        total = self.predicted[kind]
        return (total - self.wrong[kind]) / total if total else 1.0


def _overlap(a: tuple[str, int, int], b: tuple[str, int, int]) -> float:
    inter = max(0, min(a[2], b[2]) - max(a[1], b[1]))
    union = max(a[2], b[2]) - min(a[1], b[1])
    return inter / union if union else 0.0


def pii_scores(sentences: Iterable[tuple[str, Spans]], detect: Callable[[str], Spans]) -> PiiScores:
    """Recall and precision per type of `detect` (text -> spans with opsgate's type names)."""
    scores = PiiScores()
    kinds = set(PII_TYPES.values())
    for text, gold in sentences:
        predicted = [span for span in detect(text) if span[0] in kinds]
        for span in gold:
            hit = any(p[0] == span[0] and _overlap(p, span) >= 0.5 for p in predicted)
            (scores.found if hit else scores.missed)[span[0]] += 1
        for span in predicted:
            scores.predicted[span[0]] += 1
            if not any(g[0] == span[0] and _overlap(g, span) >= 0.5 for g in gold):
                scores.wrong[span[0]] += 1
    return scores


def sample_texts(size: int, count: int, seed: int) -> list[str]:
    """`count` texts of exactly `size` characters: ops requests mixed with sentences that carry personal data."""
    rnd = random.Random(seed)
    requests = nl2bash_requests()
    sentences = [text for text, _ in pii_sentences()]
    texts = []
    for _ in range(count):
        parts: list[str] = []
        length = 0
        while length < size:
            part = rnd.choice(sentences) if rnd.random() < 0.3 else rnd.choice(requests)
            parts.append(part)
            length += len(part) + 1
        texts.append("\n".join(parts)[:size])
    return texts
