"""The learned detector: two small linear models over word n-grams, LLM-free, pure Python, shipped weights.

The rules explain what they catch; this model catches paraphrase. It reads the same view of a text the rules
read (look-alikes folded, lower case, leetspeak undone), splits it into words and scores word unigrams and bigrams:
each feature has a weight, a window's logit is the bias plus the sum of its features' weights divided by the
square root of their number, and a text's logit is the highest over windows of `WINDOW` words (stride half a
window), so an instruction planted in the middle of a long page is read at the density it was written with.
Two heads share that shape: `injection` (is this text trying to steer the assistant?) and `scope` (is this a
request that is not ops work?). Cost is two dictionary lookups per word and one pass of prefix sums: the texts
are bounded (`MAX_WORDS`), so is the time.

The weights are trained by `training/guard_detector.py` (`make guard-model`) from `../shared/data/guardrails/
training/` and the project's own chat-ops examples; the file records the training parameters, the hashes of the
data it read, and the thresholds chosen on held-out documents, per channel (a request, a tool's output).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, pairwise, repeat
from operator import add
from pathlib import Path
from typing import Any, Literal

from agents.guardrails.views import views_of

__all__ = [
    "MODEL_PATH",
    "WINDOW",
    "Channel",
    "Detector",
    "DetectorScore",
    "Head",
    "Level",
    "features",
    "load_detector",
    "masked",
    "window_logits",
    "words",
]

Channel = Literal["request", "tool_output"]
Level = Literal["hint", "flag", "block"]
MODEL_PATH = Path(__file__).with_name("detector_model.json.gz")
WINDOW = 48
MAX_WORDS = 20_000  # ~100 KB of prose: the longest tool output the worker passes on
# A word is a run of a-z or of bytes of non-ASCII characters; everything else separates words. `translate` and
# `split` do this in C, several times faster than a regular expression over a 4 KB message.
_SEPARATORS = bytes(b if (97 <= b <= 122 or b >= 128) else 32 for b in range(256))


def _split(word_view: bytes) -> list[bytes]:
    return word_view.translate(_SEPARATORS).split()[:MAX_WORDS]


def words(text: str) -> list[bytes]:
    """The words the model reads: from the rules' view of the text (folded, lower case, leetspeak undone)."""
    return _split(views_of(text).word)


# What a request acts on is the risk policy's business, not the injection head's: environments, verbs of change and
# the things they change are read as one placeholder word, so "scale api in prod" cannot look like an attack just
# because attacks in the training data often end with a change in prod. The head reads how a text is put.
_ACTED_ON = (
    "prod production prd staging stage stg dev qa sandbox preprod test live eu us "
    "decommission decommissioning decom restart restarts reboot scale scaled scaling rollback roll rolled back "
    "deploy deployed redeploy delete deleted drop dropped kill terminate wipe purge truncate flush failover "
    "disable enable rotate stop start shut shutdown remove promote drain cordon upgrade migrate "
    "service services cluster clusters db dbs database databases table tables pod pods node nodes host hosts "
    "server servers instance instances bucket buckets volume volumes replica replicas namespace namespaces "
    "schema index queue topic worker workers fleet region zone api web billing search auth payments checkout "
    "orders ledger inventory notifications redis kafka postgres mysql nginx"
)
MASKED = b"_"
ACTED_ON: dict[bytes, bytes] = {word.encode(): MASKED for word in _ACTED_ON.split()}


def masked(tokens: list[bytes]) -> list[bytes]:
    """`tokens` with the words of what is acted on replaced by one placeholder (see `_ACTED_ON`)."""
    return list(map(ACTED_ON.get, tokens, tokens))


def features(tokens: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Unigrams, and the bigram starting at each word but the last (built in C: `join` over pairs)."""
    return tokens, list(map(_SPACE.join, pairwise(tokens)))


_SPACE = b" "


def window_logits(values: list[int], window: int = WINDOW) -> list[tuple[int, int, int]]:
    """(start, summed weight, feature count) of each window over per-word values (unigram + following bigram)."""
    count = len(values)
    if count <= window:
        return [(0, sum(values), max(1, 2 * count - 1))]
    prefix = [0, *accumulate(values)]
    stride = window // 2
    starts = list(range(0, count - window + 1, stride))
    if starts[-1] != count - window:
        starts.append(count - window)  # the tail always gets a full window
    return [(start, prefix[start + window] - prefix[start], 2 * window - 1) for start in starts]


@dataclass(frozen=True)
class Head:
    """One linear model: a bias and a weight per word or word pair, in integer steps of `scale` (small integers
    are shared objects in CPython: the table stays compact, and summing them is exact)."""

    bias: float
    scale: float
    weights: dict[bytes, int]

    def logit(self, unigrams: list[bytes], bigrams: list[bytes]) -> float:
        if not unigrams:
            return self.bias
        get = self.weights.get
        values = list(map(get, unigrams, repeat(0)))
        if bigrams:  # every step in C: lookups, then one addition per word
            values[: len(bigrams)] = map(add, values, map(get, bigrams, repeat(0)))
        best = max(total / math.sqrt(n) for _, total, n in window_logits(values))
        return self.bias + self.scale * best


@dataclass(frozen=True)
class DetectorScore:
    injection: float  # probability that the text tries to steer the assistant
    off_topic: float  # probability that a request is not ops work (meaningful for requests only)


@dataclass(frozen=True)
class Detector:
    injection: Head
    scope: Head
    thresholds: dict[str, float]  # "request.hint", "request.flag", "request.block", ..., "scope.off_topic"
    version: str

    def score(self, text: str, *, scope: bool = False) -> DetectorScore:
        return self.score_view(views_of(text).word, scope=scope)

    def score_view(self, word_view: bytes, *, scope: bool = False) -> DetectorScore:
        """`score` on the rules' view of a text, for a caller that has it already."""
        tokens = _split(word_view)
        injection = _sigmoid(self.injection.logit(*features(masked(tokens))))
        unigrams, bigrams = features(tokens[:WINDOW]) if scope else ([], [])
        off_topic = _sigmoid(self.scope.logit(unigrams, bigrams)) if scope else 0.0
        return DetectorScore(injection, off_topic)

    def threshold(self, channel: Channel, level: Level) -> float:
        """`hint` is a weak signal that only adds up with a rule's; a model file without it has no hint level."""
        if level == "hint":
            return self.thresholds.get(f"{channel}.hint", self.thresholds[f"{channel}.flag"])
        return self.thresholds[f"{channel}.{level}"]


def _sigmoid(logit: float) -> float:
    if logit < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-logit))


def _head(raw: dict[str, Any]) -> Head:
    return Head(
        float(raw["bias"]), float(raw["scale"]), {key.encode(): int(value) for key, value in raw["weights"].items()}
    )


def detector_from(raw: dict[str, Any]) -> Detector:
    return Detector(_head(raw["injection"]), _head(raw["scope"]), dict(raw["thresholds"]), str(raw["version"]))


@cache
def load_detector(path: Path = MODEL_PATH) -> Detector:
    """The shipped model, read once per process."""
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return detector_from(json.load(file))
