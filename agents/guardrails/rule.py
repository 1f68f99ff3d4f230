"""What a prompt-injection rule is: a stable id, a reason a person can read, and weighted RE2 patterns.

A rule's score is the highest weight among its patterns that match; a text's score is the sum over rules.
Weights near 1.0 are phrasings that have no ordinary ops meaning ("ignore all previous instructions"); weights
of 0.3-0.6 are signals that only add up (a claim of authority plus a request for a password). Patterns say what
an attack does, in general terms; none is keyed to a particular data set. Patterns are case-insensitive and
read the lower-cased, look-alike-folded, leetspeak-undone view of a text. `squeezed` patterns read that view
with everything but letters removed, which defeats spacing and punctuation tricks; keep them to phrases that
cannot form across ordinary word boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Rule"]


@dataclass(frozen=True)
class Rule:
    id: str  # "R3"
    name: str  # "instruction-override"
    reason: str  # "looks like an attempt to override instructions"
    patterns: tuple[tuple[str, float], ...]
    squeezed: tuple[tuple[str, float], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}"
