"""`python -m training.guard_detector [--check]`: trains the learned detector the guardrails ship.

Reads `../shared/data/guardrails/training/*.jsonl` and `training/chatops_examples*.jsonl` (never the held-out chat-ops
set under `tests/`), and writes `agents/guardrails/detector_model.json.gz`: two heads (injection; off-topic
requests) with their thresholds, the parameters below and the SHA-256 of every file read. Same data, same
weights: the training is pure Python, seeded, and iterates in a fixed order, so the file is byte-identical on a
rerun (`--check` retrains and compares instead of writing).

How: documents are grouped by their `source` (`document_group`), and one group in five (by a hash of the
source) is kept out for choosing thresholds, so a clean document and its attacked copies never straddle the
split. Each head is a logistic regression over word unigrams and bigrams (seen in at least `min_df` documents),
trained with AdaGrad, a small L2 decay and a bound on every weight, so no single word decides. The injection
head reads the words of what is acted on as one placeholder (`agents.guardrails.detector.masked`) and is trained
as a multiple-instance model: a text's score is its best window's, and each step updates the window that scored
highest, which is how it is read at run time; within each origin the two labels weigh the same. Thresholds are
set on the held-out groups with the shipped (pruned, rounded) weights: per channel, the lowest score whose
false-positive rate on benign texts stays under the target in every origin; three levels (hint, flag, block), each
with its own target.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.guardrails.detector import (
    MASKED,
    MODEL_PATH,
    WINDOW,
    detector_from,
    features,
    masked,
    window_logits,
    words,
)

__all__ = ["PARAMS", "Row", "load_rows", "main", "train"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "guardrails" / "training"
OWN = ROOT / "training"  # chatops_examples*.jsonl: the project's own chat-ops examples
VERSION = "2026-12-07.1"
PARAMS: dict[str, Any] = {
    "seed": 7,
    "epochs": 4,
    "learning_rate": 0.2,
    "min_df": 10,
    "max_chars": 6000,
    "prune_below": 0.05,
    "digits": 3,
    "validation_share": 5,  # one group in five
    # BIPIA plants ordinary tasks ("translate this", "what is the capital of …") in e-mails: word n-grams cannot
    # tell them from the e-mail, and training on them taught the model that e-mails are attacks (its clean e-mails
    # were flagged as often as the attacked ones, 69 % against 78 %). It is measured, not trained on.
    "exclude_origins": ["bipia"],
    "positive_weight": 2.0,
    # No single word or pair may decide alone: "prod" appears in many attacks of the chat-ops examples, and
    # without a bound "scale api to 6 replicas in prod" read as one.
    "max_weight": 3.0,
    "l2": 0.02,  # decay of a weight each time it is updated
    # highest false-positive rate allowed on held-out benign texts, per threshold
    "fp_request_flag": 0.01,
    "fp_request_block": 0.002,
    "fp_tool_output_flag": 0.01,
    "fp_tool_output_block": 0.002,
    "fp_scope": 0.005,
    # The hint level (a weak signal that flags only beside a rule's weak signal; None: none, the flag level). Off:
    # measured at 5 % per author it caught a few more attacks (held-out recall +0.014), but once the sixth author's
    # examples were trained on, it escalated ordinary requests whose rules give a weak signal ("mark the incident as
    # low severity", 0.509 against a 2 % hint of 0.505). On tool output it cost more false positives than it caught,
    # cross-source and with each chat-ops author left out in turn.
    "fp_request_hint": None,
    "fp_tool_output_hint": None,
    "hint_floor": 0.3,  # a hint may lie below 0.5: the model leans benign there, but a rule's weak signal does not
    "min_threshold_rows": 20,
}
# Sources whose rows are ops work (in scope) or plainly not (off topic), for the scope head.
IN_SCOPE_SOURCES = ("tldr", "cheatsheets", "pagerduty", "runbooks", "chatops")
OFF_TOPIC_SOURCES = ("banking77", "nlu_eval", "self_instruct")


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    kind: str
    source: str

    @property
    def origin(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def injection(self) -> bool:
        return self.label == "injection"

    @property
    def scope_label(self) -> int | None:
        """1 off topic, 0 ops work, None when the row says nothing about scope (attacks, mail, calendars)."""
        if self.injection:
            return None
        if self.kind == "off_topic" or self.origin in OFF_TOPIC_SOURCES:
            return 1
        if self.origin in IN_SCOPE_SOURCES or self.origin.startswith("chatops"):
            return 0
        return None


def data_files() -> list[Path]:
    files = sorted(SHARED.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no training data in {SHARED}: the shared data lives in ../shared next to the project")
    return [*files, *sorted(OWN.glob("chatops_examples*.jsonl"))]


def load_rows(files: Iterable[Path]) -> list[Row]:
    rows: list[Row] = []
    for path in files:
        with path.open(encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    item = json.loads(line)
                    rows.append(Row(item["text"], item["label"], item["kind"], item["source"]))
    return rows


def document_group(source: str) -> str:
    """The group a row is split by: its source, with a clean document and its attacked copies in one group
    (garak marks the clean copy `:clean`; BIPIA's clean emails and their attacked copies share only the split)."""
    if source.startswith("bipia:"):
        return "bipia:test" if "test" in source else "bipia:train"
    return source.removesuffix(":clean")


def held_out(source: str, share: int) -> bool:
    return hashlib.sha256(document_group(source).encode()).digest()[0] % share == 0


@dataclass
class _Encoded:
    """A text as feature ids per word (unigram id, id of the bigram starting there; -1 when not in the vocabulary)."""

    uni: list[int]
    bi: list[int]


@dataclass
class _Vocabulary:
    ids: dict[bytes, int] = field(default_factory=dict)
    names: list[bytes] = field(default_factory=list)


def _vocabulary(tokenized: Sequence[list[bytes]], min_df: int) -> _Vocabulary:
    df: dict[bytes, int] = {}
    for tokens in tokenized:
        unigrams, bigrams = features(tokens)
        for feature in dict.fromkeys([*unigrams, *bigrams]):
            df[feature] = df.get(feature, 0) + 1
    vocabulary = _Vocabulary()
    for feature, count in df.items():  # insertion order: the data's order, not a hash's
        if count >= min_df and not _names_masked(feature):
            vocabulary.ids[feature] = len(vocabulary.names)
            vocabulary.names.append(feature)
    return vocabulary


def _names_masked(feature: bytes) -> bool:
    """A masked word weighs nothing, alone or in a pair: what is acted on says nothing either way (a table of
    service names is not an attack because attacks name services)."""
    return feature == MASKED or feature.startswith(MASKED + b" ") or feature.endswith(b" " + MASKED)


def _encode(tokens: list[bytes], vocabulary: _Vocabulary) -> _Encoded:
    unigrams, bigrams = features(tokens)
    get = vocabulary.ids.get
    return _Encoded([get(word, -1) for word in unigrams], [get(pair, -1) for pair in bigrams])


def _windows(encoded: _Encoded, limit: int | None) -> list[tuple[list[int], float]]:
    """Each window's feature ids and the square root of its feature count, as the detector reads them."""
    uni = encoded.uni if limit is None else encoded.uni[:limit]
    bi = encoded.bi if limit is None else encoded.bi[: max(0, limit - 1)]
    found: list[tuple[list[int], float]] = []
    for start, _, count in window_logits([0] * len(uni)):
        end = start + max(WINDOW, len(uni)) if len(uni) <= WINDOW else start + WINDOW
        ids = [f for f in uni[start:end] if f >= 0] + [f for f in bi[start:end] if f >= 0]
        found.append((ids, math.sqrt(count)))
    return found


_Example = tuple[list[tuple[list[int], float]], int, float]  # windows, label, weight


def _balanced(labels: Sequence[tuple[str, int]]) -> list[float]:
    """A weight per example so that, within each origin holding both labels, either label weighs half: attacked
    copies of a document then cannot outvote its clean copy, and the model learns the attack, not the document."""
    counts: dict[tuple[str, int], int] = {}
    for key in labels:
        counts[key] = counts.get(key, 0) + 1
    weights = []
    for origin, label in labels:
        mine, other = counts[(origin, label)], counts.get((origin, 1 - label), 0)
        weights.append((mine + other) / (2 * mine) if other else 1.0)
    return weights


def _fit(examples: list[_Example], size: int, rnd: random.Random) -> tuple[float, list[float]]:
    """Logistic regression with AdaGrad; each step updates the example's best-scoring window."""
    weights = [0.0] * size
    squares = [1e-8] * size
    bias, bias_square = 0.0, 1e-8
    rate: float = PARAMS["learning_rate"]
    limit: float = PARAMS["max_weight"]
    l2: float = PARAMS["l2"]
    positive_weight: float = PARAMS["positive_weight"]
    order = list(range(len(examples)))
    for _ in range(PARAMS["epochs"]):
        rnd.shuffle(order)
        for index in order:
            windows, label, weight = examples[index]
            best_ids: list[int] = []
            best_norm = 1.0
            best = -math.inf
            for ids, norm in windows:
                value = bias + sum(weights[f] for f in ids) / norm
                if value > best:
                    best, best_ids, best_norm = value, ids, norm
            p = 1.0 / (1.0 + math.exp(-best)) if best > -40 else 0.0
            gradient = (p - label) * weight * (positive_weight if label else 1.0)
            if gradient == 0.0:
                continue
            bias_square += gradient * gradient
            bias -= rate * gradient / math.sqrt(bias_square)
            step = gradient / best_norm
            for f in best_ids:
                squares[f] += step * step
                value = weights[f] - rate * (step + l2 * weights[f]) / math.sqrt(squares[f])
                weights[f] = limit if value > limit else -limit if value < -limit else value
    return bias, weights


def _head(bias: float, weights: list[float], vocabulary: _Vocabulary) -> dict[str, Any]:
    """A head as shipped: weights in steps of `scale` (small integers, so the table stays compact in memory and
    in cache), the ones that round to nothing left out."""
    scale = round(PARAMS["max_weight"] / 127, 6)
    kept = {
        vocabulary.names[i].decode("utf-8", "surrogateescape"): step
        for i, w in enumerate(weights)
        if (step := round(w / scale)) != 0 and abs(w) >= PARAMS["prune_below"]
    }
    return {"bias": round(bias, PARAMS["digits"]), "scale": scale, "weights": dict(sorted(kept.items()))}


def _pooled(origin: str) -> str:
    """The origin a held-out row counts in for thresholds: the project's chat-ops authors are one (`chatops2` ->
    `chatops`). Each holds only 20-150 held-out rows, so at a 1 % target an author's threshold was its single
    highest benign row, and a new author's one odd row moved every threshold."""
    return origin.rstrip("0123456789") if origin.startswith("chatops") else origin


def _threshold(benign_scores: list[float], max_fp: float, floor: float = 0.5) -> float:
    """The lowest threshold (score >= threshold flags), not under `floor`, whose false-positive rate is at most
    `max_fp`."""
    if not benign_scores:
        return floor
    ordered = sorted(benign_scores, reverse=True)
    allowed = int(max_fp * len(ordered))
    return round(min(0.999, max(floor, ordered[allowed] + 1e-4)), 4)


def _strictest(scores: dict[str, list[float]], max_fp: float, floor: float = 0.5) -> float:
    """The highest of the per-origin thresholds, over origins with enough held-out rows to say anything."""
    enough = [values for _, values in sorted(scores.items()) if len(values) >= PARAMS["min_threshold_rows"]]
    return max((_threshold(values, max_fp, floor) for values in enough), default=floor)


def train(rows: Sequence[Row], *, log: Any = None) -> dict[str, Any]:
    """The model file's content, trained on `rows` (thresholds from their held-out groups)."""
    share: int = PARAMS["validation_share"]
    rnd = random.Random(PARAMS["seed"])
    max_chars: int = PARAMS["max_chars"]
    fit_rows = [row for row in rows if not held_out(row.source, share)]
    check_rows = [row for row in rows if held_out(row.source, share)]
    tokenized = [words(row.text[:max_chars]) for row in fit_rows]
    hidden = [masked(tokens) for tokens in tokenized]  # what the injection head reads
    vocabulary = _vocabulary([*tokenized, *hidden], PARAMS["min_df"])
    encoded = [_encode(tokens, vocabulary) for tokens in hidden]
    whole = [_encode(tokens[:WINDOW], vocabulary) for tokens in tokenized]
    if log:
        log(f"{len(fit_rows):,} rows to fit, {len(check_rows):,} held out; {len(vocabulary.names):,} features")
    balance = _balanced([(row.origin, int(row.injection)) for row in fit_rows])
    injection = [
        (_windows(e, None), int(row.injection), weight)
        for e, row, weight in zip(encoded, fit_rows, balance, strict=True)
    ]
    bias, weights = _fit(injection, len(vocabulary.names), rnd)
    injection_head = _head(bias, weights, vocabulary)
    scope = [
        (_windows(e, WINDOW), label, 1.0)
        for e, row in zip(whole, fit_rows, strict=True)
        if (label := row.scope_label) is not None
    ]
    bias, weights = _fit(scope, len(vocabulary.names), rnd)
    scope_head = _head(bias, weights, vocabulary)
    model: dict[str, Any] = {
        "version": VERSION,
        "injection": injection_head,
        "scope": scope_head,
        "thresholds": {},
    }
    detector = detector_from(model)
    # Per origin: a threshold must keep every origin's false positives under the target, so the many easy
    # benign rows (bank questions, alarm clocks) cannot hide the hard ones (ops requests full of trigger words).
    request_benign: dict[str, list[float]] = {}
    document_benign: dict[str, list[float]] = {}
    in_scope: dict[str, list[float]] = {}
    for row in check_rows:
        text = row.text[:max_chars]
        scored = detector.score(text, scope=row.scope_label == 0)
        if not row.injection:
            document = row.kind == "benign_document"
            benign = document_benign if document else request_benign
            # Requests: the chat-ops authors are pooled (`_pooled`). Documents: per author, as before: pooled, the
            # tool-output threshold fell from 0.78 to 0.70, and cross-source PagerDuty's pages were flagged 5.7 %
            # (2.0 % before).
            benign.setdefault(row.origin if document else _pooled(row.origin), []).append(scored.injection)
        if row.scope_label == 0 and row.kind != "benign_document":
            in_scope.setdefault(_pooled(row.origin), []).append(scored.off_topic)
    thresholds: dict[str, float] = {}
    for channel, benign in (("request", request_benign), ("tool_output", document_benign)):
        flag = _strictest(benign, PARAMS[f"fp_{channel}_flag"])
        hint_fp = PARAMS[f"fp_{channel}_hint"]
        hint = flag if hint_fp is None else _strictest(benign, hint_fp, PARAMS["hint_floor"])
        thresholds[f"{channel}.hint"] = min(hint, flag)
        thresholds[f"{channel}.flag"] = flag
        thresholds[f"{channel}.block"] = _strictest(benign, PARAMS[f"fp_{channel}_block"])
    thresholds["scope.off_topic"] = _strictest(in_scope, PARAMS["fp_scope"])
    model["thresholds"] = thresholds
    if log:
        log(f"thresholds {model['thresholds']}")
    return model


def build(files: Sequence[Path], *, log: Any = None) -> bytes:
    """The model file, bytes for bytes: the trained heads plus the parameters and data hashes."""
    excluded = set(PARAMS["exclude_origins"])
    rows = [row for row in load_rows(files) if row.origin not in excluded]
    model = train(rows, log=log)
    model["training"] = {
        "script": "training/guard_detector.py",
        "params": PARAMS,
        "data": {_shown(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files},
        "rows": len(rows),
    }
    text = json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return f"../shared/{path.relative_to(ROOT.parent / 'shared')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.guard_detector", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="retrain and compare with the shipped file")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    content = build(data_files(), log=lambda line: print(line, file=sys.stderr))
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == content
        print("the shipped model matches its training" if same else f"{args.out} differs from a fresh training")
        return 0 if same else 1
    args.out.write_bytes(content)
    print(f"wrote {args.out} ({len(content):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
