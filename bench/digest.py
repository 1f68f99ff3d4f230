"""`python -m bench.digest [--quick] [--postgres URL]`: building a channel's digest from SQL aggregates.

Load shape: one process, no Restate. A fresh database (SQLite file, or PostgreSQL with `--postgres`) is seeded
with 90 days of activity in two channels: 100,000 tasks (60 % in the digest's channel), six span summaries per
task (lead and specialist chats with usage, tool calls with ~8 % errors, an invoke_agent and a task span), an
approval on every fifth task (20,000: requested, then approved, rejected or expired, some left pending) and
guardrail verdicts. Measured: `build_digest` of one channel for the last day (the scheduled digest: `ms`, goal
under 500 ms), the last week and the whole history, each against the baseline a first version would write: read
the rows into Python and count there. Both must agree on the numbers (tasks by outcome, tool calls and errors,
tokens by agent, pending approvals).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bench._run import run_bench
from handlers.contracts import DigestReport
from handlers.digest_report import build_digest
from opsgate.db import create_db_engine, upgrade_database

__all__ = ["main", "naive_digest", "seed"]

CHANNEL, OTHER = "C0OPS", "C0DEPLOY"
PERIODS = (("day", 24), ("week", 7 * 24), ("all", 90 * 24))
END = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TOOLS = ["list_services", "restart_service", "search_runbooks", "query_inventory", "scale_service", "post_message"]
AGENTS = ["lead", "research", "data", "ops", "comms"]
DAYS = 90
GOAL_MS = 500.0
"""The daily digest over 100,000 tasks and 20,000 approvals, on this machine."""


def seed(engine: Engine, tasks: int, *, rng: random.Random) -> None:
    tables = SQLModel.metadata.tables
    task_rows: list[dict[str, Any]] = []
    span_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for n in range(tasks):
        task_id = f"t-{n:020x}"
        created = END - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        channel = CHANNEL if rng.random() < 0.6 else OTHER
        status = rng.choices(["done", "failed", "cancelled", "running"], weights=[85, 8, 4, 3])[0]
        task_rows.append(
            {
                "id": task_id,
                "team_id": "T0",
                "requester": f"U{n % 40:04d}",
                "channel": channel,
                "thread_ts": None,
                "text": f"request {n}",
                "status": status,
                "outcome": None,
                "created_at": created,
                "updated_at": created,
                "steps": 3,
            }
        )
        specialist = rng.choice(AGENTS[1:])
        for k, (kind, agent) in enumerate(
            [
                ("task", None),
                ("agent", "lead"),
                ("chat", "lead"),
                ("chat", specialist),
                ("tool", specialist),
                ("chat", "lead"),
            ]
        ):
            tool = rng.choice(TOOLS) if kind == "tool" else None
            failed = kind == "tool" and rng.random() < 0.08
            span_rows.append(
                {
                    "span_id": f"{n:012x}{k:04x}",
                    "trace_id": f"{n:032x}",
                    "parent_id": None,
                    "task_id": task_id,
                    "name": f"{kind} {tool or agent or task_id}",
                    "kind": kind,
                    "agent": agent,
                    "task_type": "request" if agent == "lead" else agent,
                    "tool": tool,
                    "model": "claude-sonnet-4-6",
                    "started_at": created + timedelta(seconds=k),
                    "duration_ms": rng.uniform(5, 30_000),
                    "status": "error" if failed else "ok",
                    "error": "ToolError: boom" if failed else None,
                    "outcome": None,
                    "actors": None,
                    "input_tokens": rng.randint(500, 9000) if kind == "chat" else 0,
                    "output_tokens": rng.randint(20, 800) if kind == "chat" else 0,
                    "cache_read_tokens": 0,
                    "cache_write_tokens": 0,
                    "cost_usd": rng.uniform(0.001, 0.05) if kind == "chat" else 0.0,
                }
            )
        if n % 5 == 0:
            approval = f"a-{n:020x}"
            asked = created + timedelta(seconds=2)
            audit_rows.append(_audit(task_id, 1, approval, "requested", asked, {"tool": "restart_service"}))
            if rng.random() < 0.9:
                outcome = rng.choices(["approved", "rejected", "expired"], weights=[80, 15, 5])[0]
                decided = asked + timedelta(seconds=rng.uniform(10, 3600))
                audit_rows.append(_audit(task_id, 2, approval, outcome, decided, {}))
        if n % 37 == 0:
            verdict = {
                "stage": "input",
                "action": "block",
                "rules": [rng.choice(["R3 instruction-override", "R4 prompt-extraction"])],
            }
            audit_rows.append(_audit(f"t-g{n:019x}", 1, None, "guardrail", created, verdict))
    with engine.begin() as connection:
        for table, rows in (("tasks", task_rows), ("span_summaries", span_rows), ("audit_log", audit_rows)):
            for start in range(0, len(rows), 2000):
                connection.execute(tables[table].insert(), rows[start : start + 2000])
    with engine.begin() as connection:  # statistics, as autovacuum (or a long-lived SQLite file) would have
        connection.execute(sa.text("ANALYZE"))


def _audit(
    task_id: str, seq: int, approval: str | None, event: str, at: datetime, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "seq": seq,
        "approval_id": approval,
        "event": event,
        "actor": "opsgate",
        "detail": json.dumps(detail),
        "dedupe_key": f"{task_id}:{seq}",
        "at": at,
        "prev_hash": "0" * 64,
        "row_hash": "0" * 64,
    }


def naive_digest(engine: Engine, channel: str, start: datetime, end: datetime) -> dict[str, Any]:
    """The baseline: every row of the channel's tasks in the period, read into Python and counted there."""
    tables = SQLModel.metadata.tables
    tasks, spans, audit = tables["tasks"], tables["span_summaries"], tables["audit_log"]
    with engine.connect() as connection:
        task_rows = connection.execute(sa.select(tasks).where(tasks.c.channel == channel)).mappings().all()
        span_rows = connection.execute(sa.select(spans)).mappings().all()
        audit_rows = connection.execute(sa.select(audit)).mappings().all()
    in_channel = {row["id"] for row in task_rows}
    outcomes = Counter(row["status"] for row in task_rows if start <= _aware(row["created_at"]) < end)
    tools: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    agents: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for row in span_rows:
        if row["task_id"] not in in_channel or not start <= _aware(row["started_at"]) < end:
            continue
        if row["kind"] == "tool":
            tools[row["tool"]][0] += 1
            tools[row["tool"]][1] += row["status"] == "error"
        elif row["kind"] == "chat":
            line = agents[row["agent"]]
            line[0] += 1
            line[1] += row["input_tokens"]
            line[2] += row["output_tokens"]
            line[3] += row["cost_usd"]
    finished = {
        row["approval_id"]
        for row in audit_rows
        if row["event"] in ("approved", "rejected", "expired") and _aware(row["at"]) < end
    }
    pending = sum(
        1
        for row in audit_rows
        if row["event"] == "requested"
        and row["task_id"] in in_channel
        and row["approval_id"] not in finished
        and _aware(row["at"]) < end
    )
    return {
        "tasks": dict(outcomes),
        "tools": {k: tuple(v) for k, v in tools.items()},
        "agents": {k: (int(v[0]), int(v[1]), int(v[2])) for k, v in agents.items()},
        "pending": pending,
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _figures(report: DigestReport) -> dict[str, Any]:
    return {
        "tasks": {count.outcome: count.tasks for count in report.tasks},
        "tools": {tool.tool: (tool.calls, tool.errors) for tool in report.top_tools},
        "agents": {line.name: (line.model_calls, line.input_tokens, line.output_tokens) for line in report.by_agent},
        "pending": report.approvals.pending_total,
    }


def _time(fn: Any, repeats: int) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings), result


def run(database_url: str, tasks: int, repeats: int) -> dict[str, Any]:
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    seed(engine, tasks, rng=random.Random(7))
    with engine.connect() as connection:
        approvals = connection.execute(sa.text("SELECT count(*) FROM audit_log WHERE event = 'requested'")).scalar()
    figures: dict[str, Any] = {
        "bench": "digest",
        "tasks": tasks,
        "approvals": int(approvals or 0),
        "spans": tasks * 6,
        "database": engine.dialect.name,
    }
    for name, hours in PERIODS:
        start = END - timedelta(hours=hours)
        ms, report = _time(lambda start=start: build_digest(engine, CHANNEL, start, END, label="bench"), repeats)
        baseline_ms, naive = _time(lambda start=start: naive_digest(engine, CHANNEL, start, END), repeats)
        mine = _figures(report)
        agree = (
            mine["tasks"] == naive["tasks"]
            and mine["pending"] == naive["pending"]
            and all(naive["tools"].get(tool) == value for tool, value in mine["tools"].items())
            and all(naive["agents"].get(agent) == value for agent, value in mine["agents"].items())
        )
        figures[f"{name}_ms"] = round(ms, 1)
        figures[f"{name}_baseline_ms"] = round(baseline_ms, 1)
        figures[f"{name}_ratio"] = round(ms / baseline_ms, 3)
        figures[f"{name}_agrees"] = agree
        figures[f"{name}_tasks_in_period"] = report.total_tasks
    engine.dispose()
    figures["ms"] = figures["day_ms"]
    figures["goal_ms"] = GOAL_MS
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tasks instead of 100,000")
    parser.add_argument("--postgres", metavar="URL", help="measure on this (empty) PostgreSQL database")
    args = parser.parse_args(argv)
    tasks, repeats = (2_000, 3) if args.quick else (100_000, 5)

    async def body() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as scratch:
            url = args.postgres or f"sqlite:///{Path(scratch) / 'digest.db'}"
            figures = run(url, tasks, repeats)
        report(figures, tasks, repeats)
        return figures

    return run_bench(body, lambda figures: all(figures[f"{name}_agrees"] for name, _ in PERIODS))


def report(figures: dict[str, Any], tasks: int, repeats: int) -> None:
    print(f"{'period':8} {'digest ms':>10} {'baseline ms':>12} {'ratio':>7}  agrees  tasks")
    for name, _ in PERIODS:
        print(
            f"{name:8} {figures[f'{name}_ms']:>10} {figures[f'{name}_baseline_ms']:>12} {figures[f'{name}_ratio']:>7}"
            f"  {figures[f'{name}_agrees']!s:6}  {figures[f'{name}_tasks_in_period']}"
        )
    print(
        f"load: {tasks:,} tasks over {DAYS} days in two channels, {figures['approvals']:,} approvals, "
        f"{tasks * 6:,} span summaries, {figures['database']}; median of {repeats} runs; goal: day < {GOAL_MS:.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
