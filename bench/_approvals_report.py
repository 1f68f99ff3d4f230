"""What the approvals benchmark prints: the tables, the load shape, and the figures of its last JSON line."""

from __future__ import annotations

import itertools
import os
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench._approvals_apps import BASELINE_SERVICE
from bench._load import Sample, Summary
from handlers.contracts import TASK_WORKFLOW

__all__ = ["BASELINE_SERVICE", "TASK_WORKFLOW", "Click", "Memory", "Run", "Shape", "figures", "render"]


@dataclass(frozen=True)
class Shape:
    clicks: int  # approvals clicked and timed, per app
    warmup: int  # uncounted clicks per app first
    suspended: int  # tasks left waiting on an approval for the memory figure
    concurrency: int  # requests in flight while creating pending approvals
    suspend_after: float  # seconds of inactivity after which Restate suspends a waiting invocation
    pending_deadline: float  # seconds to wait for the memory phase's cards

    @classmethod
    def for_run(cls, quick: bool) -> Shape:
        if quick:
            return cls(clicks=40, warmup=3, suspended=100, concurrency=8, suspend_after=3.0, pending_deadline=60.0)
        return cls(clicks=200, warmup=10, suspended=1000, concurrency=12, suspend_after=3.0, pending_deadline=240.0)


@dataclass(frozen=True)
class Click:
    """One timed opsgate click, in wall-clock seconds, to line up with Restate's invocation timestamps."""

    approval_id: str
    sent: float
    updated: float


@dataclass
class Memory:
    requested: int = 0
    cards: int = 0
    open_at_cards: int = 0  # tasks whose stream was still open when the last card was posted
    suspended: int = 0
    half: int = 0  # tasks suspended after the first half
    created_in: float = float("nan")
    suspended_in: float = float("nan")
    creation_failures: int = 0
    executed: int = 0
    worker_kb: dict[str, int] = field(default_factory=dict)
    restate_kb: dict[str, int] = field(default_factory=dict)

    def growth_mb(self, kb: dict[str, int], stage: str, since: str = "before") -> float:
        if kb.get(stage, -1) < 0 or kb.get(since, -1) < 0:
            return float("nan")
        return (kb[stage] - kb[since]) / 1024


@dataclass
class Run:
    shape: Shape
    server: str
    cards: dict[str, Summary] = field(default_factory=dict)
    answers: Summary = field(default_factory=lambda: Summary("answer", 1))
    clicks: dict[str, Click] = field(default_factory=dict)
    invocations: list[dict[str, Any]] = field(default_factory=list)  # Approval get/vote rows from Restate
    vote_journal: list[dict[str, Any]] = field(default_factory=list)  # journal entries of the votes
    waiting_before_clicks: dict[str, dict[str, int]] = field(default_factory=dict)
    clicked: list[str] = field(default_factory=list)
    executed_once: int = 0
    memory: Memory = field(default_factory=Memory)
    lifted: list[str] = field(default_factory=list)  # rates the bench's team configuration lifted
    load_average: tuple[float, float] = (0.0, 0.0)

    def add(self, app: str, sample: Sample) -> None:
        self.cards.setdefault(app, Summary(app, 1)).samples.append(sample)


def _r(value: float, digits: int = 1) -> float:
    return round(value, digits)


def _p(summary: Summary, q: float) -> float:
    """Percentile over the successful samples (a failure has no meaningful latency; failures are counted apart)."""
    return Summary(summary.app, summary.concurrency, [s for s in summary.samples if s.ok]).p(q)


def _epoch(stamp: Any) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def breakdown(run: Run) -> dict[str, float]:
    """Median ms of each leg of an opsgate click, from Restate's invocation timestamps (1 ms resolution).

    Legs: click sent → the bot's `get` of the card reaches Restate (Slack delivery, Bolt, ack, lazy listener);
    the `get` call; `get` done → `vote` reaches Restate (the bot); `vote` start → card edited in the sandbox (the
    Approval object: authz step, vote and decision audit rows, awakeable resolved, chat.update step); card edited
    → `vote` done.
    """
    rows: dict[tuple[str, str], tuple[float, float]] = {}
    for row in run.invocations:
        created, completed = _epoch(row.get("created_at")), _epoch(row.get("completed_at"))
        if created is not None and completed is not None:
            # One vote and one get per approval here; keep the first (earliest) if there were more.
            key = (str(row.get("k")), str(row.get("h")))
            if key not in rows or created < rows[key][0]:
                rows[key] = (created, completed)
    legs: dict[str, list[float]] = {}
    for click in run.clicks.values():
        get, vote = rows.get((click.approval_id, "get")), rows.get((click.approval_id, "vote"))
        if get is None or vote is None:
            continue
        for leg, ms in (
            ("to_bot_get", get[0] - click.sent),
            ("get", get[1] - get[0]),
            ("get_to_vote", vote[0] - get[1]),
            ("vote_to_card", click.updated - vote[0]),
            ("card_to_vote_done", vote[1] - click.updated),
        ):
            legs.setdefault(leg, []).append(ms * 1000)
    return {leg: statistics.median(values) for leg, values in legs.items()}


def vote_steps(run: Run) -> dict[str, float]:
    """Median ms of each durable step inside `Approval.vote` over the timed clicks, from the journal's timestamps.

    A step lasts from its command's entry (appended as the step starts) to the next entry (its result, appended
    once Restate stored it): the work itself plus one round trip to Restate. Steps of the same kind in one vote
    (two `timestamp` steps) are added up; "between steps" is the rest of the vote (handler code, state, the
    awakeable's completion).
    """
    timed = {click.approval_id for click in run.clicks.values()}
    keys = {str(row.get("id")): str(row.get("k")) for row in run.invocations if row.get("h") == "vote"}
    entries: dict[str, list[tuple[int, str, str, float]]] = {}
    for row in run.vote_journal:
        at = _epoch(row.get("at"))
        if at is not None and keys.get(str(row.get("id"))) in timed:
            name = str(row.get("name") or "").split(": U", 1)[0]  # "authz: U0BOB" → "authz"
            entries.setdefault(str(row.get("id")), []).append((int(row.get("i", 0)), str(row.get("t")), name, at))
    per_step: dict[str, list[float]] = {}
    for journal in entries.values():
        journal.sort()
        steps: dict[str, float] = {}
        for (_, kind, name, at), (_, _, _, following) in itertools.pairwise(journal):
            if kind == "Command: Run":
                steps[name] = steps.get(name, 0.0) + (following - at) * 1000
        whole = (journal[-1][3] - journal[0][3]) * 1000
        steps["between steps"] = whole - sum(steps.values())
        steps["whole vote"] = whole
        for name, ms in steps.items():
            per_step.setdefault(name, []).append(ms)
    return {name: statistics.median(values) for name, values in per_step.items()}


def figures(run: Run) -> dict[str, Any]:
    ops, base, memory = run.cards["opsgate"], run.cards["baseline"], run.memory
    legs = breakdown(run)
    return {
        "bench": "approvals",
        "concurrency": 1,
        "requests": ops.n,
        "p50_ms": _r(_p(ops, 0.5)),
        "p99_ms": _r(_p(ops, 0.99)),
        "failures": ops.failures,
        "baseline_p50_ms": _r(_p(base, 0.5)),
        "baseline_p99_ms": _r(_p(base, 0.99)),
        "baseline_failures": base.failures,
        "ratio_p50": _r(_p(ops, 0.5) / _p(base, 0.5), 2),
        "answer_p50_ms": _r(_p(run.answers, 0.5)),
        "answer_p99_ms": _r(_p(run.answers, 0.99)),
        "vote_to_card_p50_ms": _r(legs.get("vote_to_card", float("nan"))),
        "clicked": len(run.clicked),
        "executed_once": run.executed_once,
        "suspended_requested": memory.requested,
        "cards_posted": memory.cards,
        "suspended_tasks": memory.suspended,
        "executed_unapproved": memory.executed,
        "rss_before_mb": _r(memory.worker_kb.get("before", -1) / 1024),
        "rss_after_mb": _r(memory.worker_kb.get("suspended", -1) / 1024),
        "rss_growth_mb": _r(memory.growth_mb(memory.worker_kb, "suspended")),
        "rss_growth_at_last_card_mb": _r(memory.growth_mb(memory.worker_kb, "cards")),
        "rss_growth_second_half_mb": _r(memory.growth_mb(memory.worker_kb, "suspended", "half")),
        "restate_rss_growth_mb": _r(memory.growth_mb(memory.restate_kb, "suspended")),
        "suspend_after_s": run.shape.suspend_after,
        "server": run.server,
    }


def _row(label: str, s: Summary) -> str:
    return (
        f"{label:<46} {s.n:>5} {_p(s, 0.5):>8.1f} {_p(s, 0.9):>8.1f} {_p(s, 0.99):>8.1f} {_p(s, 1.0):>8.1f} "
        f"{s.failures:>8}"
    )


def _latency_table(run: Run) -> list[str]:
    ops, base = run.cards["opsgate"], run.cards["baseline"]
    lines = [
        f"{'click → card shows Approved by':<46} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'failures':>8}",
        _row("opsgate (bot → Approval object → card)", ops),
        _row("baseline (Bolt → bare awakeable → update)", base),
        _row("opsgate, click → action's result in thread", run.answers),
    ]
    for summary in (ops, base, run.answers):
        if summary.failures:
            reasons = ", ".join(f"{why}: {n}" for why, n in sorted(summary.reasons().items()))
            lines.append(f"  {summary.app} failures: {reasons}")
    legs = breakdown(run)
    if legs:
        names = {
            "to_bot_get": "click → bot asks for the card",
            "get": "Approval.get",
            "get_to_vote": "→ Approval.vote starts",
            "vote_to_card": "vote → card edited",
            "card_to_vote_done": "card → vote returns",
        }
        parts = ", ".join(f"{names[leg]} {ms:.1f}" for leg, ms in legs.items())
        lines.append(f"  opsgate, where the time goes (median ms; Restate's timestamps have 1 ms resolution): {parts}")
    steps = vote_steps(run)
    if steps:
        parts = ", ".join(f"{name} {ms:.1f}" for name, ms in steps.items())
        lines.append(f"  inside Approval.vote (median ms per durable step, work + its round trip to Restate): {parts}")
    return lines


def _memory_table(run: Run) -> list[str]:
    memory = run.memory
    mb = {k: v / 1024 for k, v in memory.worker_kb.items()}
    rs = {k: v / 1024 for k, v in memory.restate_kb.items()}
    last_card = f"  all {memory.cards} cards posted ({memory.open_at_cards} streams still open)"
    return [
        f"{'memory, tasks waiting on approvals':<46} {'worker RSS MiB':>15} {'restate-server RSS MiB':>23}",
        f"{'  before (after warm-up and the clicks)':<46} {mb.get('before', -1):>15.1f} {rs.get('before', -1):>23.1f}",
        f"{f'  first {memory.half} tasks suspended':<46} {mb.get('half', -1):>15.1f} {rs.get('half', -1):>23.1f}",
        f"{last_card:<46} {mb.get('cards', -1):>15.1f} {rs.get('cards', -1):>23.1f}",
        f"{f'  {memory.suspended} tasks suspended in Restate':<46} {mb.get('suspended', -1):>15.1f} "
        f"{rs.get('suspended', -1):>23.1f}",
        f"  growth: worker {memory.growth_mb(memory.worker_kb, 'suspended'):.1f} MiB once suspended "
        f"({memory.growth_mb(memory.worker_kb, 'cards'):.1f} MiB at the last card, "
        f"{memory.growth_mb(memory.worker_kb, 'suspended', 'half'):.1f} MiB for the second "
        f"{memory.suspended - memory.half}); restate-server "
        f"{memory.growth_mb(memory.restate_kb, 'suspended'):.1f} MiB; worker peak RSS of its lifetime "
        f"{memory.worker_kb.get('peak', -1) / 1024:.1f} MiB",
        f"  executions: {run.executed_once} of {len(run.clicked)} clicked approvals ran exactly once; "
        f"the {memory.requested} never-clicked ones ran {memory.executed} times",
    ]


def render(run: Run) -> str:
    shape, memory = run.shape, run.memory
    waiting = ", ".join(
        f"{service}: " + " ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        for service, statuses in sorted(run.waiting_before_clicks.items())
        if service in (TASK_WORKFLOW, BASELINE_SERVICE)
    )
    return "\n".join(
        [
            "",
            *_latency_table(run),
            "",
            *_memory_table(run),
            "",
            "load shape:",
            f"  round trip: {shape.clicks} approvals per app (+{shape.warmup} uncounted warm-up each), one click at "
            "a time (concurrency 1), alternating opsgate and baseline; each click a signed block_actions request "
            "from the sandbox (a new connection per request, as Slack), as the eligible approver U0BOB",
            "  timed from sending the click until the sandbox holds the edited card (woken by its state changes); "
            "after an opsgate click, the next click waits for that task's answer (the approved restart_service ran)",
            f"  before the clicks every pending invocation was suspended in Restate ({waiting})",
            f"  waiting invocations suspend after {shape.suspend_after:.0f} s instead of opsgate's 5 min "
            "(bench._approvals_worker), so clicks and memory see the state of an approval older than 5 min",
            f"  memory: {memory.requested} more `/ops` requests in two halves (the second sent once the first is "
            f"suspended), {shape.concurrency} in flight, each stopping at a high-risk approval: last card "
            f"{memory.created_in:.1f} s and all suspended {memory.suspended_in:.1f} s after the first request; "
            f"{memory.creation_failures} requests failed; VmRSS of the worker process (MiB)",
            "  opsgate: the real bot (Bolt behind opsgate's HTTP layer) acks, reads the card (Approval.get) and casts "
            "the vote (Approval.vote: authz step, audit rows in SQLite, resolves the task's awakeable, chat.update "
            "in a durable step); the task resumes, runs the tool and answers in the thread",
            "  one requester (U0ALICE) sends every request: the team configuration of the integration tests, whose "
            "per-user and per-channel rates are lifted to 1,000,000"
            + (f" (the bench lifted {', '.join(run.lifted)})" if run.lifted else ""),
            "  baseline: bare Bolt acks and POSTs /restate/awakeables/{id}/resolve (the id in the button); a "
            "one-handler Restate service resumes and does one chat.update in ctx.run",
            f"  the Slack-facing apps each in their own process, {run.server}, HTTP/1.1; the worker and the baseline "
            "service on hypercorn HTTP/2 in front of the same restate-server; the sandbox's rate limit is off",
            f"  machine: {os.cpu_count()} CPUs, load average {run.load_average[0]:.1f} before and "
            f"{run.load_average[1]:.1f} after (other processes on the machine add noise)",
        ]
    )
