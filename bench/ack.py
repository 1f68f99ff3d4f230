"""`python -m bench.ack [--quick]`: slash-command ack latency of opsgate against a minimal durable hand-off.

Three apps are served the same way (one process each, the same ASGI server and settings) in front of the same
real restate-server, worker and Slack sandbox: opsgate's bot, a bare Bolt app that does the naive one-way send to
Restate before acking (the baseline), and a bare Bolt app that only acks (for context). Phases are interleaved
(rounds × concurrency × app) and each starts once Restate has no unfinished invocation, so each starts from the
same state; the tasks the acks start really run meanwhile (offline model, a read-only tool, posts to the sandbox).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench._apps import SERVERS
from bench._load import ACK_DEADLINE, COMMAND_TEXT, Phase, client_session, open_connections, run_load, summarize
from bench._report import Result, render
from bench._restate import RestateProbe
from bench._run import run_bench
from bench._stack import SECRET, AckStack

__all__ = ["main"]

APPS = ("baseline", "opsgate", "ackonly")
ROUNDS = 2
DRAIN_TIMEOUT = 60.0
# Chosen by measurement: in same-run comparisons uvicorn served opsgate with lower latency and less CPU per ack
# than hypercorn (`opsgate.serving.serve_asgi`); `--server hypercorn` measures the other.
DEFAULT_SERVER = "uvicorn"


@dataclass(frozen=True)
class Shape:
    """Requests per app at each concurrency, split evenly over the rounds; a few warm-up requests per app."""

    requests: dict[int, int]
    warmup: int
    budget: float

    @classmethod
    def for_run(cls, quick: bool) -> Shape:
        if quick:
            return cls({10: 60, 50: 100}, warmup=10, budget=80.0)
        return cls({10: 400, 50: 500, 100: 600}, warmup=20, budget=420.0)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _phase(stack: AckStack, app: str, requests: int, concurrency: int) -> Phase:
    url = stack.app_urls[app]
    child = stack.app_children[app]
    async with client_session(concurrency) as session:
        await open_connections(session, url.removesuffix("/slack/events") + "/healthz", concurrency)
        cpu_before = child.cpu_seconds()
        samples = await run_load(
            session, url, secret=SECRET, sandbox_url=stack.sandbox_url, requests=requests, concurrency=concurrency
        )
        return Phase(samples, child.cpu_seconds() - cpu_before)


def _task_outcomes(stack: AckStack) -> dict[str, int]:
    """What the worker recorded for the tasks the acks started (read-only look at its SQLite file)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{stack.database}?mode=ro", uri=True)) as db:
            return {str(s): int(n) for s, n in db.execute("SELECT status, count(*) FROM tasks GROUP BY status")}
    except sqlite3.Error:
        return {}


async def _fresh_client_cost(times: int = 10) -> float:
    """CPU ms of building one `httpx.AsyncClient` as the baseline does per request (with its shared SSL context)."""
    from bench._apps import SHARED_SSL

    started = time.process_time()
    for _ in range(times):
        async with httpx.AsyncClient(verify=SHARED_SSL):
            pass
    return (time.process_time() - started) * 1000 / times


@dataclass
class Rounds:
    phases: dict[tuple[str, int], list[Phase]]
    longest_wait: float = 0.0
    unfinished: int = 0


async def _rounds(stack: AckStack, probe: RestateProbe, shape: Shape, started: float) -> Rounds:
    rounds = Rounds({})
    for round_no in range(ROUNDS):
        order = APPS[round_no % len(APPS) :] + APPS[: round_no % len(APPS)]
        for concurrency, total in shape.requests.items():
            for app in order:
                phase = await _phase(stack, app, total // ROUNDS, concurrency)
                rounds.phases.setdefault((app, concurrency), []).append(phase)
                stack.check_alive()
                budget = shape.budget - (time.monotonic() - started)
                waited, left = await probe.drain(max(1.0, min(DRAIN_TIMEOUT, budget)))
                rounds.longest_wait = max(rounds.longest_wait, waited)
                rounds.unfinished += max(left, 0)
                failed = sum(not s.ok for s in phase.samples)
                log(
                    f"round {round_no + 1} c={concurrency:<3} {app:<9} n={len(phase.samples)} failed={failed} "
                    f"next phase after {waited:.1f}s" + (f" ({left} invocations still unfinished)" if left else "")
                )
    return rounds


async def measure(shape: Shape, server: str, started: float, *, keep_logs: bool = False) -> Result:
    client_cost = await _fresh_client_cost()
    load_before = os.getloadavg()[0]
    stack = AckStack(APPS, server)
    try:
        await stack.start()
        probe = RestateProbe(stack.restate.admin_url)
        try:
            log(f"stack up in {time.monotonic() - started:.1f}s; warming up")
            for app in APPS:
                warm = await _phase(stack, app, shape.warmup, min(5, shape.warmup))
                if not all(s.ok for s in warm.samples):
                    raise RuntimeError(f"{app} failed its warm-up: {[s.why for s in warm.samples if not s.ok]}")
            await probe.drain(DRAIN_TIMEOUT)
            rounds = await _rounds(stack, probe, shape, started)
            workflows = await probe.by_status("TaskWorkflow")
            started_keys = await probe.keys("TaskWorkflow")
        finally:
            await probe.aclose()
        summaries = {key: summarize(key[0], key[1], runs) for key, runs in rounds.phases.items()}
        return Result(
            summaries=summaries,
            server=server,
            rounds=ROUNDS,
            warmup=shape.warmup,
            workflows=workflows,
            tasks=_task_outcomes(stack),
            started_keys=started_keys,
            fresh_client_ms=client_cost,
            load_average=(load_before, os.getloadavg()[0]),
            longest_wait=rounds.longest_wait,
            unfinished=rounds.unfinished,
        )
    finally:
        await stack.close(keep=keep_logs)
        if keep_logs:
            log(f"logs kept in {stack.dir}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ack", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of the same measurement, for CI")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every process's log")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER, help="ASGI server for all three apps")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    shape = Shape.for_run(args.quick)
    started = time.monotonic()
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    result = await measure(shape, args.server, started, keep_logs=args.keep_logs)
    print(render(result, command_text=COMMAND_TEXT, ack_deadline=ACK_DEADLINE))
    print(f"wall time {time.monotonic() - started:.0f} s")
    return result.figures()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(lambda: _main(args), lambda _: True)


if __name__ == "__main__":
    sys.exit(main())
