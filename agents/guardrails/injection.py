"""Prompt-injection and jailbreak detection: the rule set run over every view of a text, scored.

All patterns of all rules are compiled into one RE2 set, so one pass over a text's views answers which
patterns occur. Decoded base64/hex/binary blobs are scanned the same way and their hits say so in the reason.
The learned detector (`agents.guardrails.detector`) reads the same view and counts as one more rule, L1: it
catches paraphrase the patterns miss, and the patterns explain what they catch. A trigger phrase that is only
mentioned (quoted in a question, advised against: `agents.guardrails.mentions`) does not count. Repetition (one
word or phrase over and over, a known way to derail a model) is looked for only when the start of the text uses few
distinct words.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from agents.guardrails._regex import PatternSet
from agents.guardrails.confusables import CONFUSABLES
from agents.guardrails.detector import Channel, Detector, Level
from agents.guardrails.injection_rules import RULES
from agents.guardrails.mentions import masked_mentions
from agents.guardrails.rule import Rule
from agents.guardrails.views import Views, decoded_blobs, squeezed, views_of

__all__ = ["LEARNED", "REPETITION", "InjectionResult", "InjectionScanner", "RuleHit"]

REPETITION = Rule("R11", "repetition", "repeats the same words over and over", ())
LEARNED = Rule("L1", "learned-detector", "reads like instructions to the assistant (learned detector)", ())
# The learned detector alone flags (a person looks); when sure, with any rule's weak signal it refuses. It never
# blocks alone. Below its flag level, a hint weighs less than a weak rule (0.3): the two together flag, either alone
# does nothing.
_LEARNED_LEVELS: tuple[tuple[Level, float], ...] = (("block", 0.75), ("flag", 0.5), ("hint", 0.2))
_REPEAT_WEIGHT = 0.5
_REPEAT_RUN = 8
_REPEAT_MIN_CHARS = 256  # repetition derails a model by volume; short texts are left to the phrase rules
_REPEAT_MAX_DISTINCT = 0.4
_REPEAT_SAMPLE = 2048


@dataclass(frozen=True)
class RuleHit:
    rule: Rule
    weight: float
    origin: str = "text"

    @property
    def reason(self) -> str:
        hidden = "" if self.origin == "text" else f", hidden in {self.origin}"
        return f"{self.rule.reason} (rule {self.rule.id}{hidden})"


@dataclass(frozen=True)
class InjectionResult:
    hits: tuple[RuleHit, ...]
    score: float = 0.0
    off_topic: float = 0.0  # the learned detector's probability that a request is not ops work, when asked

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(hit.rule.label for hit in self.hits)


_NOTHING = InjectionResult(())


class InjectionScanner:
    def __init__(
        self,
        rules: tuple[Rule, ...] = RULES,
        *,
        disabled: frozenset[str] = frozenset(),
        detector: Detector | None = None,
        channel: Channel = "request",
    ) -> None:
        active = [rule for rule in rules if rule.id not in disabled and rule.label not in disabled]
        learned = detector is not None and LEARNED.id not in disabled and LEARNED.label not in disabled
        self._detector = detector if learned else None
        self._channel = channel
        self._repetition = REPETITION.id not in disabled and REPETITION.label not in disabled
        # Word patterns run over the word view, squeezed ones over the squeezed view (no spaces or punctuation):
        # each set reads only the bytes it can match, since RE2's cost here is building DFA states per byte read.
        self._words: list[tuple[Rule, float]] = [(r, w) for r in active for _, w in r.patterns]
        self._squeezed: list[tuple[Rule, float]] = [(r, w) for r in active for _, w in r.squeezed]
        words = [pattern for rule in active for pattern, _ in rule.patterns]
        self._word_set = PatternSet(words)
        # Text with look-alikes folded is also matched as written, for the patterns of other scripts (a Cyrillic
        # or Greek word is folded into Latin nonsense): only they can match there what the word view misses.
        scripts = [i for i, pattern in enumerate(words) if _names_other_scripts(pattern)]
        self._scripts: list[tuple[Rule, float]] = [self._words[i] for i in scripts]
        self._script_set = PatternSet([words[i] for i in scripts])
        self._squeezed_set = PatternSet([pattern for rule in active for pattern, _ in rule.squeezed])
        self._order = {rule.id: i for i, rule in enumerate((*active, REPETITION, LEARNED))}

    def scan(self, text: str, data: bytes = b"", *, decode: bool = True, scope: bool = False) -> InjectionResult:
        """Hits of every rule on `text` (whose UTF-8 is `data`, when the caller has it). `decode=False` skips
        looking for encoded blobs, for a caller that already knows there are none; `scope=True` also asks the
        learned detector whether the text is ops work."""
        data = data or text.encode("utf-8", "surrogatepass")
        best: dict[str, RuleHit] = {}
        views = views_of(text, data=data)
        self._scan_views(views, best)
        if best and (rest := masked_mentions(views.word)) is not None:
            best.clear()  # what matched only inside a mention ("what does '…' mean?") is discounted
            self._match(rest, squeezed(rest), views.origin, best)
        off_topic = 0.0
        if self._detector is not None:
            scored = self._detector.score_view(views.word, scope=scope)
            off_topic = scored.off_topic
            for level, weight in _LEARNED_LEVELS:
                if scored.injection >= self._detector.threshold(self._channel, level):
                    best[LEARNED.id] = RuleHit(LEARNED, weight)
                    break
        if views.folded is not data:  # look-alikes were folded: also match the text as written (other scripts)
            self._keep([self._scripts[i] for i in self._script_set.matches(data)], "text", best)
        for origin, decoded in decoded_blobs(text, data) if decode else ():
            self._scan_views(views_of(decoded, origin), best)
        if self._repetition and _is_repetitive(text):
            best[REPETITION.id] = RuleHit(REPETITION, _REPEAT_WEIGHT)
        if not best:
            return InjectionResult((), off_topic=off_topic) if off_topic else _NOTHING
        hits = sorted(best.values(), key=lambda hit: (-hit.weight, self._order[hit.rule.id]))
        return InjectionResult(tuple(hits), round(sum(hit.weight for hit in hits), 3), off_topic)

    def _scan_views(self, views: Views, best: dict[str, RuleHit]) -> None:
        self._match(views.word, views.squeezed, views.origin, best)

    def _match(self, word: bytes, squeezed: bytes, origin: str, best: dict[str, RuleHit]) -> None:
        hits = [self._words[i] for i in self._word_set.matches(word)]
        hits += [self._squeezed[i] for i in self._squeezed_set.matches(squeezed)] if squeezed else []
        self._keep(hits, origin, best)

    @staticmethod
    def _keep(hits: list[tuple[Rule, float]], origin: str, best: dict[str, RuleHit]) -> None:
        for rule, weight in hits:
            current = best.get(rule.id)
            if current is None or weight > current.weight or (weight == current.weight and origin == "text"):
                best[rule.id] = RuleHit(rule, weight, origin)


def _names_other_scripts(pattern: str) -> bool:
    """Whether a pattern can match letters the word view folds away: a look-alike letter written in it, or a
    Unicode class (`\\p{L}`, `\\p{Cyrillic}`, ...)."""
    return "\\p" in pattern or "\\P" in pattern or any(char in CONFUSABLES for char in pattern)


def _is_repetitive(text: str) -> bool:
    """True when one word or short phrase repeats back to back `_REPEAT_RUN` times or more."""
    if len(text) < _REPEAT_MIN_CHARS:
        return False
    sample = text[:_REPEAT_SAMPLE].lower().split()
    if len(sample) < _REPEAT_RUN or len(set(sample)) > _REPEAT_MAX_DISTINCT * len(sample):
        return False  # varied wording (a sample is enough to tell) has no long runs of one phrase
    words = text.lower().split()
    if not all(map(str.isalnum, words)):  # drop what holds no letter or digit ("--", "|"), as a reader skips it
        words = [word for word in words if word.isalnum() or any(ch.isalnum() for ch in word)]
    for size in range(1, 5):
        # A phrase of `size` words repeated back to back `_REPEAT_RUN` times is a streak of (run - 1) * size words
        # each equal to the word `size` before it; the comparisons and the search for the streak run in C.
        same = bytes(map(operator.eq, words[size:], words))
        if b"\x01" * ((_REPEAT_RUN - 1) * size) in same:
            return True
    return False
