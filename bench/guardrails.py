"""`python -m bench.guardrails [--quick]`: accuracy and speed of the input guardrails on public data.

Load shape: one process, one thread, no network. Generalization (`testkit.guardrail_eval`): the project's held-out
chat-ops set (recall per family and channel, false positives, off-topic requests refused), cross-source figures
on the shared training data (the learned detector retrained without each fold of sources, the whole guard
measured on that fold), and each rule family's contribution. Accuracy: every CyberSecEval prompt-injection
case (recall per `injection_variant`, counting block or escalate as a detection), every nl2bash request (false
positives: block or escalate; redaction is not one), every sentence of the Presidio synthetic set (PII recall
and precision per type, for opsgate and for Presidio's pattern recognizers). Speed: the full opsgate pipeline
(normalize, injection rules, learned detector, secrets, PII, pseudonymisation) and Presidio's pattern
recognizers (no NLP model) on the same texts of 200 B, 4 KB and 40 KB, after a warm-up on other texts; each call
timed on its own; at 4 KB also the rules alone (no learned detector) and the learned detector alone, each guard
after the same history (the accuracy texts above: RE2 builds its automata from the text it meets, as in a running
bot), and new guards, the whole pipeline and the rules alone, cold (new but for the warm-up texts: the first
messages after a restart); these 4 KB guards take turns by rounds of the texts. Last line: the JSON figures, and
before them how they stand against the goals (`testkit.guard_goals`).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from agents.guardrails import GuardrailsConfig, InputGuardrails
from agents.guardrails.detector import load_detector
from bench._run import run_bench
from testkit.guard_goals import goals, render_goals
from testkit.guardrail_data import (
    PII_TYPES,
    injection_cases,
    nl2bash_requests,
    pii_scores,
    pii_sentences,
    sample_texts,
)
from testkit.guardrail_eval import (
    FRESH,
    Guards,
    cross_source,
    family_contributions,
    heldout_chatops,
    heldout_figures,
)

__all__ = ["main"]

SIZES = {"200B": 200, "4KB": 4_000, "40KB": 40_000}
# ((texts, rounds) for opsgate, (texts, rounds) for Presidio) per size; Presidio is slower, so it gets fewer calls.
FULL = {"200B": ((200, 10), (200, 3)), "4KB": ((100, 6), (60, 3)), "40KB": ((30, 4), (15, 2))}
QUICK = {"200B": ((100, 4), (60, 2)), "4KB": ((40, 3), (20, 2)), "40KB": ((8, 2), (5, 1))}
WARMUP = 20
BLOCK = 20  # texts per turn when opsgate and Presidio take turns


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _timings(
    ours: Callable[[str], object],
    theirs: Callable[[str], object] | None,
    texts: list[str],
    shape: tuple[tuple[int, int], tuple[int, int]],
    warmup: list[str],
) -> tuple[list[float], list[float]]:
    """Per-call latencies in µs. opsgate and the baseline take turns by blocks of texts, so both see the same
    machine load over the run, while neither has its caches flushed by the other on every call."""
    (_, our_rounds), (their_count, their_rounds) = shape
    for text in warmup:
        ours(text)
        if theirs is not None:
            theirs(text)
    samples: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(max(our_rounds, their_rounds)):
        for first in range(0, len(texts), BLOCK):
            block = texts[first : first + BLOCK]
            turns: list[tuple[bool, Callable[[str], object], list[str]]] = []
            if round_ < our_rounds:
                turns.append((True, ours, block))
            if theirs is not None and round_ < their_rounds:
                turns.append((False, theirs, block[: max(0, their_count - first)]))
            for is_ours, check, items in turns:
                for text in items:
                    started = time.perf_counter_ns()
                    check(text)
                    samples[is_ours].append((time.perf_counter_ns() - started) / 1000)
    return samples[True], samples[False]


def _taking_turns(
    checks: tuple[tuple[str, Callable[[str], object]], ...], texts: list[str], rounds: int, warmup: list[str]
) -> dict[str, list[float]]:
    """Per-call latencies in µs of several checks that take turns, a round of the texts each, in an order that
    rotates: each sees the same machine load over the run (on a shared machine it moves 2x within a minute), and a
    turn long enough that the others' automata are out of the CPU caches only at its start, as in a process that
    runs one guard."""
    for _, check in checks:
        for text in warmup:
            check(text)
    samples: dict[str, list[float]] = {name: [] for name, _ in checks}
    for turn in range(rounds):
        for name, check in checks[turn % len(checks) :] + checks[: turn % len(checks)]:
            for text in texts:
                started = time.perf_counter_ns()
                check(text)
                samples[name].append((time.perf_counter_ns() - started) / 1000)
    return samples


def measure(quick: bool) -> dict[str, Any]:
    guard = InputGuardrails(GuardrailsConfig(max_chars=64_000))
    figures: dict[str, Any] = {"bench": "guardrails", "quick": quick}

    cases = injection_cases()
    served = [case.text for case in cases]  # what `guard` has checked before it is timed, for the other guards
    detected = Counter[str]()
    totals = Counter[str]()
    for case in cases:
        totals[case.variant] += 1
        detected[case.variant] += guard.check(case.text).action in ("block", "escalate")
    explicit = [c for c in cases if c.explicit]
    explicit_hits = sum(guard.check(c.text).action in ("block", "escalate") for c in explicit)
    figures["injection_recall_explicit"] = round(explicit_hits / len(explicit), 4)
    figures["injection_recall_all"] = round(sum(detected.values()) / len(cases), 4)
    figures["injection_recall_by_variant"] = {v: round(detected[v] / totals[v], 4) for v in sorted(totals)}

    requests = nl2bash_requests()
    served += requests
    false_positives = sum(guard.check(text).action in ("block", "escalate") for text in requests)
    figures.update(nl2bash_requests=len(requests), nl2bash_false_positives=false_positives)
    figures["nl2bash_fp_rate"] = round(false_positives / len(requests), 5)
    scoped = InputGuardrails(GuardrailsConfig(max_chars=64_000))
    refused = sum(scoped.check(text, scope=True).action == "out_of_scope" for text in requests)
    figures["nl2bash_out_of_scope"] = refused

    sentences = pii_sentences()
    served += [text for text, _ in sentences]
    ours = pii_scores(sentences, lambda text: [(s.type, s.start, s.end) for s in guard.check(text).pii])
    presidio: Callable[[str], list[tuple[str, int, int]]] | None
    try:
        from bench._presidio import presidio_detector

        presidio = presidio_detector()
        figures["presidio"] = "measured: pattern recognizers, NoOpNlpEngine (no model)"
    except ImportError as error:
        presidio = None
        figures["presidio"] = f"not measured: {error} (install with `uv sync --group bench`)"
    theirs = pii_scores(sentences, presidio) if presidio is not None else None
    pii: dict[str, dict[str, float]] = {}
    for kind in PII_TYPES.values():
        pii[kind] = {"recall": round(ours.recall(kind), 4), "precision": round(ours.precision(kind), 4)}
        if theirs is not None:
            pii[kind]["presidio_recall"] = round(theirs.recall(kind), 4)
            pii[kind]["presidio_precision"] = round(theirs.precision(kind), 4)
    figures["pii"] = pii

    shapes = QUICK if quick else FULL
    latency: dict[str, dict[str, float]] = {}
    gc.collect()
    gc.freeze()  # the benchmark's own data (data sets, models) is not the bot's heap: keep it out of GC pauses
    for label, size in SIZES.items():
        texts = sample_texts(size, shapes[label][0][0], seed=size)
        warmup = sample_texts(size, WARMUP, seed=size + 1)
        samples, base = _timings(guard.check, presidio, texts, shapes[label], warmup)
        row = {"p50_us": round(statistics.median(samples), 1), "p99_us": round(_percentile(samples, 0.99), 1)}
        if presidio is not None:
            row["presidio_p50_us"] = round(statistics.median(base), 1)
            row["presidio_p99_us"] = round(_percentile(base, 0.99), 1)
            row["ratio_p50"] = round(row["presidio_p50_us"] / row["p50_us"], 1)
            row["ratio_p99"] = round(row["presidio_p99_us"] / row["p99_us"], 1)
        latency[label] = row
        for key in ("p50_us", "p99_us"):
            figures[f"{key.split('_')[0]}_us_{label}"] = row[key]
    figures["latency"] = latency
    texts = sample_texts(4_000, shapes["4KB"][0][0], seed=4_000)
    warmup = sample_texts(4_000, WARMUP, seed=4_001)
    rounds = shapes["4KB"][0][1]
    rules_only = InputGuardrails(GuardrailsConfig(max_chars=64_000, detector=False))
    for text in served:
        rules_only.check(text)
    cold = InputGuardrails(GuardrailsConfig(max_chars=64_000))
    rules_cold = InputGuardrails(GuardrailsConfig(max_chars=64_000, detector=False))
    detector = load_detector()
    guards: tuple[tuple[str, Callable[[str], object]], ...] = (
        ("rules", rules_only.check),
        ("detector", detector.score),
        ("cold", cold.check),
        ("rules_cold", rules_cold.check),
    )
    for name, samples in _taking_turns(guards, texts, rounds, warmup).items():
        figures[f"p50_us_4KB_{name}"] = round(statistics.median(samples), 1)
        figures[f"p99_us_4KB_{name}"] = round(_percentile(samples, 0.99), 1)
    gc.unfreeze()
    rows = heldout_chatops()
    figures["chatops_heldout"] = heldout_figures(Guards.build(), rows)
    figures["chatops_heldout_rules_only"] = heldout_figures(Guards.build(disabled=frozenset({"L1"})), rows)
    fresh = heldout_chatops(FRESH)
    figures["chatops_fresh"] = heldout_figures(Guards.build(), fresh)
    figures["chatops_fresh_rules_only"] = heldout_figures(Guards.build(disabled=frozenset({"L1"})), fresh)
    figures["cross_source"] = cross_source(per_origin=150 if quick else 1_000, log=_log)
    judged = [(row.text, row.channel) for row in rows if row.label == "injection"]
    judged += [(case.text, "request") for case in cases]
    figures["family_contributions"] = family_contributions(judged)
    figures["goals"] = [row.row() for row in goals(figures)]
    if presidio is not None:
        figures["speed_ratio_min"] = min(min(row["ratio_p50"], row["ratio_p99"]) for row in latency.values())
        figures["recall_at_least_presidio"] = all(
            pii[kind]["recall"] >= pii[kind]["presidio_recall"] for kind in PII_TYPES.values()
        )
    return figures


def _log(line: str) -> None:
    print(line, file=sys.stderr)


def _chatops_set(figures: dict[str, Any], key: str, title: str) -> list[str]:
    held, rules = figures[key], figures[f"{key}_rules_only"]
    lines = [
        "",
        f"{title} ({held['rows']} rows, never read by the training; rules only in brackets)",
        f"  recall                 {held['recall']:.3f} [{rules['recall']:.3f}]"
        f"   requests {held['recall_requests']:.3f}   tool output {held['recall_tool_output']:.3f}",
    ]
    lines += [
        f"  {family:<22} {value:.3f} [{rules['recall_by_family'][family]:.3f}]"
        for family, value in held["recall_by_family"].items()
    ]
    lines += [
        f"  false positives        requests {held['fp_requests']:.3%} [{rules['fp_requests']:.3%}]"
        f"   tool output {held['fp_tool_output']:.3%} [{rules['fp_tool_output']:.3%}]",
        f"  off-topic refused      {held['off_topic_refused']:.3f}",
    ]
    return lines


def _generalization(figures: dict[str, Any]) -> list[str]:
    lines = _chatops_set(figures, "chatops_heldout", "held-out chat-ops set")
    lines += _chatops_set(figures, "chatops_fresh", "fresh chat-ops set, another hand, measurement only")
    lines += ["", "cross-source (detector trained without the source; whole guard measured on it)"]
    cross = figures["cross_source"]
    lines += [f"  recall   {name:<34} {value:.3f}" for name, value in cross["recall"].items()]
    lines += [f"  fp       {name:<34} {value:.3%}" for name, value in cross["false_positives"].items()]
    lines += [f"  off-topic {name:<33} {value:.3f}" for name, value in cross["out_of_scope"].items()]
    lines += ["", "rule families (flags on held-out attacks and CyberSecEval; detections lost with the family off)"]
    lines += [
        f"  {rule:<4} flags {row['flags']:>4}   only catch {row['only_catch']:>3}"
        for rule, row in figures["family_contributions"].items()
    ]
    return lines


def render(figures: dict[str, Any]) -> str:
    lines = ["", "prompt injection (CyberSecEval user_input; detected = block or escalate)"]
    lines += [
        f"  {variant:<34} recall {value:.2f}" for variant, value in figures["injection_recall_by_variant"].items()
    ]
    lines.append(f"  {'explicit classes':<34} recall {figures['injection_recall_explicit']:.3f}")
    lines.append(
        f"false positives on nl2bash: {figures['nl2bash_false_positives']} of {figures['nl2bash_requests']} "
        f"({figures['nl2bash_fp_rate']:.3%}); refused as out of scope: {figures['nl2bash_out_of_scope']}"
    )
    lines += _generalization(figures)
    lines += ["", f"{'PII type':<12} {'recall':>7} {'precision':>9} {'presidio recall':>16} {'presidio precision':>19}"]
    for kind, row in figures["pii"].items():
        base = f"{row.get('presidio_recall', float('nan')):>16.3f} {row.get('presidio_precision', float('nan')):>19.3f}"
        lines.append(f"{kind:<12} {row['recall']:>7.3f} {row['precision']:>9.3f} {base}")
    lines += [
        "",
        f"{'size':<6} {'p50 µs':>9} {'p99 µs':>9} {'presidio p50':>13} {'presidio p99':>13} {'x p50':>7} {'x p99':>7}",
    ]
    for label, row in figures["latency"].items():
        lines.append(
            f"{label:<6} {row['p50_us']:>9.1f} {row['p99_us']:>9.1f} {row.get('presidio_p50_us', float('nan')):>13.1f} "
            f"{row.get('presidio_p99_us', float('nan')):>13.1f} {row.get('ratio_p50', float('nan')):>7.1f} "
            f"{row.get('ratio_p99', float('nan')):>7.1f}"
        )
    lines.append(
        f"4KB p99 µs: rules alone {figures['p99_us_4KB_rules']:.1f}, learned detector alone "
        f"{figures['p99_us_4KB_detector']:.1f}, both (the ack path) {figures['p99_us_4KB']:.1f}; "
        f"both, cold (a new guard) {figures['p99_us_4KB_cold']:.1f}"
    )
    lines.append(f"4KB p99 µs, a new guard: rules alone {figures['p99_us_4KB_rules_cold']:.1f}")
    lines.append(f"presidio: {figures['presidio']}")
    lines += render_goals(goals(figures))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.guardrails", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed calls, for CI")
    args = parser.parse_args(argv)

    async def body() -> dict[str, Any]:
        started = time.perf_counter()
        figures = measure(args.quick)
        figures["seconds"] = round(time.perf_counter() - started, 1)
        print(render(figures))
        return figures

    return run_bench(body, lambda _: True)


if __name__ == "__main__":
    sys.exit(main())
