"""What the durable benchmark records per side, and what it prints: the table, the load shape, the JSON figures.

`steps` is what Restate journaled for one invocation (`count(*)` of `sys_journal`: commands and their completion
notifications, input and output included). The breakdown by kind of step is read from the same journal: each
entry's `appended_at` minus the previous entry's, summed per kind (the kind of the step the entry belongs to), so
it counts the handler's own code before a step as part of that step.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Shape", "Side", "figures", "kind_of", "render"]

LABELS = {"opsgate": "opsgate TaskWorkflow", "baseline": "bare restate.Workflow"}


@dataclass(frozen=True)
class Shape:
    turns: int
    runs: int
    warmup: int
    budget_s: float

    @classmethod
    def for_run(cls, quick: bool, turns: int | None = None, runs: int | None = None) -> Shape:
        default = cls(turns=8, runs=5, warmup=2, budget_s=60.0) if quick else cls(8, 20, 3, 240.0)
        return cls(turns or default.turns, runs or default.runs, default.warmup, default.budget_s)


@dataclass
class Side:
    """The measured runs of one side: wall times, journal lengths, CPU per process, time per kind of step."""

    name: str
    times_ms: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, list[float]] = field(default_factory=dict)
    """kind → [entries, ms] summed over the runs."""
    run_commands: int = 0
    """`ctx.run_typed` steps the baseline was asked for (0 for opsgate)."""

    @property
    def runs(self) -> int:
        return len(self.times_ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    def quantile(self, q: float) -> float:
        if not self.times_ms:
            return float("nan")
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def step_count(self) -> int:
        """The journal length of one run (the most common one, if runs ever differ)."""
        return statistics.mode(self.steps) if self.steps else 0

    @property
    def ms_per_step(self) -> float:
        return self.median_ms / self.step_count if self.step_count else float("nan")

    def add_cpu(self, process: str, seconds: float) -> None:
        self.cpu_s[process] = self.cpu_s.get(process, 0.0) + seconds

    def add_journal(self, rows: list[dict[str, Any]]) -> None:
        """Attribute each gap between consecutive journal entries to the kind of step of the later entry."""
        previous: datetime | None = None
        current = "input"
        for row in rows:
            entry_type = str(row.get("entry_type") or "")
            if entry_type.startswith("Command: "):
                current = kind_of(entry_type, str(row.get("name") or ""))
            at = datetime.fromisoformat(str(row["appended_at"]))
            counted = self.kinds.setdefault(current, [0.0, 0.0])
            counted[0] += 1
            if previous is not None:
                counted[1] += (at - previous).total_seconds() * 1000
            previous = at


def kind_of(entry_type: str, name: str) -> str:
    """`db: status` → `db`, `step 3` → `step`, `timestamp` (ctx.time) → `ctx.time`, a call → `call`."""
    command = entry_type.removeprefix("Command: ")
    if command == "Run":
        prefix = name.split(":", 1)[0] if ":" in name else (name.split() or ["run"])[0]
        return "ctx.time" if prefix == "timestamp" else prefix
    return {"Input": "input", "Output": "output", "Call": "call", "SetState": "state"}.get(command, command.lower())


def figures(opsgate: Side, baseline: Side) -> dict[str, Any]:
    ratio = opsgate.ms_per_step / baseline.ms_per_step if baseline.ms_per_step else float("nan")
    return {
        "bench": "durable",
        "steps": opsgate.step_count,
        "ms_per_step": round(opsgate.ms_per_step, 3),
        "baseline_steps": baseline.step_count,
        "baseline_ms_per_step": round(baseline.ms_per_step, 3),
        "ratio": round(ratio, 2),
        "runs": min(opsgate.runs, baseline.runs),
        "p50_ms": round(opsgate.median_ms, 1),
        "baseline_p50_ms": round(baseline.median_ms, 1),
        "failures": len(opsgate.failures) + len(baseline.failures),
    }


def _cpu_ms(side: Side, process: str) -> float:
    return side.cpu_s.get(process, float("nan")) * 1000 / side.runs if side.runs else float("nan")


def _table(sides: tuple[Side, Side]) -> list[str]:
    header = (
        f"{'side':<24} {'runs':>4} {'steps':>5} {'p50 ms':>8} {'min ms':>8} {'p90 ms':>8} {'ms/step':>8} "
        f"{'worker CPU ms':>13} {'restate CPU ms':>14} {'failures':>8}"
    )
    lines = [header]
    for side in sides:
        lines.append(
            f"{LABELS[side.name]:<24} {side.runs:>4} {side.step_count:>5} {side.median_ms:>8.1f} "
            f"{side.quantile(0.0):>8.1f} {side.quantile(0.9):>8.1f} {side.ms_per_step:>8.3f} "
            f"{_cpu_ms(side, 'worker'):>13.1f} {_cpu_ms(side, 'restate'):>14.1f} {len(side.failures):>8}"
        )
    return lines


def _breakdown(side: Side) -> list[str]:
    runs = max(side.runs, 1)
    total = sum(ms for _, ms in side.kinds.values()) or float("nan")
    lines = [f"  {'kind of step':<14} {'entries/run':>11} {'ms/run':>8} {'share':>6} {'ms/entry':>8}"]
    for kind, (entries, ms) in sorted(side.kinds.items(), key=lambda item: -item[1][1]):
        per_entry = ms / entries if entries else float("nan")
        lines.append(f"  {kind:<14} {entries / runs:>11.1f} {ms / runs:>8.1f} {ms / total:>6.0%} {per_entry:>8.3f}")
    return lines


def render(opsgate: Side, baseline: Side, shape: Shape, *, load: tuple[float, float], switches: int) -> str:
    ratio = figures(opsgate, baseline)["ratio"]
    lines = [
        "",
        *_table((opsgate, baseline)),
        "",
        f"ratio ms/step opsgate/baseline: {ratio:.2f} (goal ≤ 1.5)",
        "",
        "where opsgate's time goes (per run, from the journal's appended_at: the gap before each entry, by the kind "
        "of step it belongs to):",
        *_breakdown(opsgate),
        "baseline:",
        *_breakdown(baseline),
        "",
        "load shape:",
        f"  one request at a time; {shape.runs} measured runs per side after {shape.warmup} uncounted warm-up runs "
        "each, alternating sides (the order flips every round)",
        "  each run: `POST {ingress}/{Workflow}/{key}/run` (request-response, a fresh key), timed from sending the "
        "request to its response, on one keep-alive connection opened before the clock starts",
        f"  opsgate: a TaskWorkflow task of {shape.turns} model steps (a scripted model, no network) and "
        f"{shape.turns - 1} calls of a read-only in-memory tool, with its fixed steps (SQLite record and status, "
        "thread root, status updates, answer, trace summary, spans); Slack is the sandbox in this process, rate "
        f"limit off; each tool call also reads the freeze switch (a `Switches` call: {switches} invocations per run)",
        f"  baseline: a bare restate.Workflow `run` doing {baseline.run_commands} `ctx.run_typed` steps (as many as "
        "opsgate's durable commands besides input and output), each returning an int",
        "  steps = count(*) of the invocation's rows in sys_journal (commands and completion notifications, input "
        "and output included), read for every run; ms/step = median run time / steps",
        "  both workflows on one worker process (hypercorn, HTTP/2) and one restate-server, all on loopback; CPU ms "
        "are per run, read from /proc",
        f"  machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} before and {load[1]:.1f} after "
        "(other processes on the machine add noise)",
    ]
    for side in (opsgate, baseline):
        if side.failures:
            lines.append(f"  {LABELS[side.name]} failures: " + "; ".join(side.failures[:5]))
        if len(set(side.steps)) > 1:
            lines.append(f"  {LABELS[side.name]}: journal lengths differ between runs: {sorted(set(side.steps))}")
    return "\n".join(lines)
