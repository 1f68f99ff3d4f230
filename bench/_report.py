"""What the ack benchmark prints: the table, the load shape, and the figures of its last JSON line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from bench._load import Summary

__all__ = ["Result", "render"]

LABELS = {"opsgate": "opsgate", "baseline": "baseline (naive hand-off)", "ackonly": "ack-only Bolt"}
ORDER = ("opsgate", "baseline", "ackonly")
HANDING_OFF = ("opsgate", "baseline")


@dataclass
class Result:
    summaries: dict[tuple[str, int], Summary]
    server: str
    rounds: int
    warmup: int
    workflows: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    started_keys: set[str] = field(default_factory=set)
    fresh_client_ms: float = 0.0
    load_average: tuple[float, float] = (0.0, 0.0)
    longest_wait: float = 0.0
    unfinished: int = 0

    def get(self, app: str, concurrency: int) -> Summary:
        return self.summaries[(app, concurrency)]

    @property
    def concurrencies(self) -> list[int]:
        return sorted({c for _, c in self.summaries})

    def handoff(self, app: str) -> tuple[int, int]:
        """(acked "On it" but Restate never saw the task, failed ack but the task started anyway) over all phases."""
        samples = [s for (name, _), summary in self.summaries.items() if name == app for s in summary.samples]
        lost = sum(s.ok and s.task_id not in self.started_keys for s in samples)
        started_anyway = sum(not s.ok and s.task_id in self.started_keys for s in samples)
        return lost, started_anyway

    def figures(self) -> dict[str, Any]:
        low = self.concurrencies[0]
        ops, base, ack = self.get("opsgate", low), self.get("baseline", low), self.get("ackonly", low)
        lost, started_anyway = self.handoff("opsgate")
        higher: dict[str, Any] = {}
        for level in self.concurrencies[1:]:  # e.g. p99_ms_c50, failures_c100
            ops_n, base_n, ack_n = self.get("opsgate", level), self.get("baseline", level), self.get("ackonly", level)
            higher |= {
                f"requests_c{level}": ops_n.n,
                f"p50_ms_c{level}": _r(ops_n.p(0.5)),
                f"p99_ms_c{level}": _r(ops_n.p(0.99)),
                f"failures_c{level}": ops_n.failures,
                f"baseline_p99_ms_c{level}": _r(base_n.p(0.99)),
                f"baseline_failures_c{level}": base_n.failures,
                f"ratio_p99_c{level}": _r(ops_n.p(0.99) / base_n.p(0.99), 2),
                f"ack_only_p99_ms_c{level}": _r(ack_n.p(0.99)),
            }
        return {
            "bench": "ack",
            "concurrency": low,
            "requests": ops.n,
            "p50_ms": _r(ops.p(0.5)),
            "p99_ms": _r(ops.p(0.99)),
            "failures": ops.failures,
            "baseline_p50_ms": _r(base.p(0.5)),
            "baseline_p99_ms": _r(base.p(0.99)),
            "ratio_p99": _r(ops.p(0.99) / base.p(0.99), 2),
            "ack_only_p50_ms": _r(ack.p(0.5)),
            "ack_only_p99_ms": _r(ack.p(0.99)),
            "concurrencies": self.concurrencies,
            **higher,
            "cpu_ms_per_ack": _r(ops.cpu_ms_per_request, 2),
            "baseline_cpu_ms_per_ack": _r(base.cpu_ms_per_request, 2),
            "lost_acks": lost,
            "started_despite_failed_ack": started_anyway,
            "server": self.server,
        }


def _r(value: float, digits: int = 1) -> float:
    return round(value, digits)


def _table(result: Result) -> list[str]:
    header = (
        f"{'app':<26} {'conc':>4} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'failures':>8} {'CPU ms/ack':>10}"
    )
    lines = [header]
    for concurrency in result.concurrencies:
        for app in ORDER:
            s = result.get(app, concurrency)
            lines.append(
                f"{LABELS[app]:<26} {concurrency:>4} {s.n:>5} {s.p(0.5):>8.1f} {s.p(0.9):>8.1f} {s.p(0.99):>8.1f} "
                f"{s.p(1.0):>8.1f} {s.failures:>8} {s.cpu_ms_per_request:>10.2f}"
            )
            if s.failures:
                reasons = ", ".join(f"{why}: {n}" for why, n in sorted(s.reasons().items()))
                lines.append(f"{'':<28}failures: {reasons}")
    return lines


def render(result: Result, *, command_text: str, ack_deadline: float) -> str:
    low = result.concurrencies[0]
    ratio = result.get("opsgate", low).p(0.99) / result.get("baseline", low).p(0.99)
    per_app = ", ".join(f"{result.get('opsgate', c).n} at {c} concurrent" for c in result.concurrencies)
    workflows = ", ".join(f"{n} {status}" for status, n in sorted(result.workflows.items())) or "none seen"
    tasks = ", ".join(f"{n} {status}" for status, n in sorted(result.tasks.items())) or "none recorded"
    handoffs = "; ".join(
        f"{LABELS[app]}: {lost} acked but never started, {anyway} failed acks whose task started anyway"
        for app in HANDING_OFF
        for lost, anyway in [result.handoff(app)]
    )
    unfinished = f"; {result.unfinished} still unfinished at the bound" if result.unfinished else ""
    return "\n".join(
        [
            "",
            *_table(result),
            "",
            f"ratio p99 opsgate/baseline at {low} concurrent: {ratio:.2f}",
            f"hand-off check against Restate: {handoffs}",
            "",
            "load shape:",
            f"  closed loop, fixed concurrency; {per_app} per app, in {result.rounds} interleaved rounds "
            f"(app order rotated each round); {result.warmup} uncounted warm-up requests per app",
            f"  each request a signed slash command `/ops {command_text}` with its own trigger id, on keep-alive "
            "connections opened before the clock starts",
            f"  failed = not HTTP 200 within {ack_deadline:.0f} s, or an ack that does not say it was accepted",
            f"  the three apps are served the same way: one process each, {result.server}, HTTP/1.1, loopback; "
            "CPU ms/ack is the app process's own CPU time per request",
            "  baseline: bare Bolt, one fresh httpx.AsyncClient per request (no pool, no bound), sharing one SSL "
            "context so it does not reload the CA bundle each time; building one costs "
            f"{result.fresh_client_ms:.1f} ms CPU here",
            "  behind them, on the same machine and during the measurement: a real restate-server and a real "
            "worker running each task",
            "  (offline model, one read-only tool, posts to the Slack sandbox, whose rate limit is off); each phase "
            f"starts when Restate has no unfinished invocation (longest wait {result.longest_wait:.1f} s{unfinished})",
            f"  TaskWorkflow invocations: {workflows}; tasks recorded by the worker: {tasks}",
            f"  machine: {os.cpu_count()} CPUs, load average {result.load_average[0]:.1f} before and "
            f"{result.load_average[1]:.1f} after (other processes on the machine add noise)",
        ]
    )
