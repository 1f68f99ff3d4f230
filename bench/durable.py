"""`python -m bench.durable [--quick]`: per-step overhead of opsgate's durable task against a bare Restate workflow.

Everything runs on loopback on this machine: the Slack sandbox in this process (rate limiter off), a real
restate-server, and one worker process (`bench._durable_worker`) serving both sides on one endpoint:

- opsgate: a `TaskWorkflow` task built by the worker's composition root, whose scripted model calls a read-only
  in-memory tool on each of its first N−1 turns and answers on the N-th: N model steps, N−1 tool steps and the
  task's fixed steps (database record, thread root, status updates, answer, trace summary, spans);
- baseline: a bare `restate.Workflow` whose `run` does as many `ctx.run_typed` steps as the opsgate task has
  durable commands, each returning a small value.

Each side runs R times, one request at a time, alternating sides, after a warm-up; each run is timed from the
ingress request `POST /{Workflow}/{key}/run` to its response. Its steps are counted in Restate's journal
(`sys_journal`), and ms/step is the median run time over that count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._approvals_stack import bench_team_config
from bench._durable_report import Shape, Side, figures, render
from bench._durable_worker import BASELINE_WORKFLOW, BaselineOutcome
from bench._restate import RestateProbe
from bench._run import run_bench
from bench._stack import SECRET, BenchStack
from bot.sandbox import Sandbox
from handlers.contracts import TASK_WORKFLOW, TaskOutcome, TaskPhase, TaskRequest
from handlers.contracts.envelope import Actor, Keyring, sealed_header
from opsgate.keys import envelope_keyring
from opsgate.restate_server import free_port
from opsgate.settings import Settings
from opsgate.stack import Child

__all__ = ["DurableStack", "main", "measure"]

CHANNEL = "C0OPS"
REQUESTER = "U0ALICE"
REQUEST_TIMEOUT = 30.0
FIRST_CALL_TIMEOUT = 15.0  # the first invocation works ~0.1–0.2 s after registration (NOTES)
SIDES = ("opsgate", "baseline")
_INVOCATION_ID = re.compile(r"inv_[0-9A-Za-z]+")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc); NaN if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class DurableStack(BenchStack):
    """Sandbox in process; restate-server and the worker as children of an `opsgate.stack.Stack`. `close()` stops
    them by PID."""

    def __init__(self, turns: int) -> None:
        super().__init__("opsgate-bench-durable-")
        self.turns = turns
        self.sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
        self.worker: Child | None = None

    @property
    def keyring(self) -> Keyring:
        return envelope_keyring(Settings(data_dir=self.dir))

    async def start(self) -> None:
        team_file = self.dir / "opsgate.yml"
        team_file.write_text(bench_team_config()[0])  # one requester sends every task: per-person rates lifted
        await self.sandbox.start()
        self.stack.on_close(self.sandbox.stop)
        await self.stack.start_nodes()
        port = free_port()
        argv = ["bench._durable_worker", "--port", str(port), "--slack-api", self.sandbox.api_url]
        argv += ["--database-url", f"sqlite:///{self.dir / 'opsgate.db'}", "--team-file", str(team_file)]
        argv += ["--turns", str(self.turns)]
        # The stack's directory holds the envelope keys: `keyring` above reads the same file.
        env = {**self.stack.opsgate_env(), "OPSGATE_LOG_LEVEL": "WARNING"}
        self.worker = await self.stack.start_worker(env, argv=argv, port=port, timeout=60)
        await self.stack.register(self.worker.url)

    def cpu(self) -> dict[str, float]:
        return {
            "worker": self.worker.cpu_seconds() if self.worker else float("nan"),
            "restate": cpu_seconds(self.restate.pid),
            "bench+sandbox": time.process_time(),
        }


@dataclass
class Outcome:
    ms: float
    invocation_id: str
    error: str | None
    reached: bool = True
    """False when the request did not reach the workflow (connection refused, unknown service)."""


class Runner:
    """Sends one run of either side and checks its answer; knows how many steps the baseline does."""

    def __init__(self, stack: DurableStack, client: httpx.AsyncClient, prefix: str) -> None:
        self.stack = stack
        self.client = client
        self.prefix = prefix
        self.baseline_steps = 0
        self._count = 0

    def _key(self, side: str) -> str:
        self._count += 1
        return f"{self.prefix}-{side[:2]}-{self._count}"

    async def run(self, side: str) -> Outcome:
        key = self._key(side)
        if side == "opsgate":
            workflow = TASK_WORKFLOW
            body = TaskRequest(
                task_id=key, team_id="T0SANDBOX", channel_id=CHANNEL, user_id=REQUESTER, text="check the services"
            ).model_dump_json()
        else:
            workflow, body = BASELINE_WORKFLOW, json.dumps({"steps": self.baseline_steps})
        url = f"{self.stack.ingress_url}/{workflow}/{key}/run"
        headers = {"content-type": "application/json"}
        if side == "opsgate":  # as the bot sends it: signed for the requester (the worker verifies it first)
            requester = Actor(team="T0SANDBOX", user=REQUESTER)
            signed = sealed_header(
                self.stack.keyring,
                requester,
                service=workflow,
                key=key,
                handler="run",
                body=body,
                nonce=key,
                now=time.time(),
            )
            headers |= signed
        started = time.perf_counter()
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome((time.perf_counter() - started) * 1000, "", f"{key}: {exc!r}", reached=False)
        ms = (time.perf_counter() - started) * 1000
        reached = response.status_code not in (404, 502, 503)
        return Outcome(ms, response.headers.get("x-restate-id", ""), self._check(side, key, response), reached)

    def _check(self, side: str, key: str, response: httpx.Response) -> str | None:
        if response.status_code != 200:
            return f"{key}: HTTP {response.status_code} {response.text[:200]}"
        if side == "opsgate":
            outcome = TaskOutcome.model_validate_json(response.content)
            if outcome.phase != TaskPhase.DONE or "checked" not in outcome.answer:
                return f"{key}: {outcome.phase.value}: {outcome.answer[:200]}"
            return None
        total = BaselineOutcome.model_validate_json(response.content).total
        expected = self.baseline_steps * (self.baseline_steps + 1) // 2
        return None if total == expected else f"{key}: total {total}, expected {expected}"

    async def first(self, side: str) -> Outcome:
        """The first run of a side, retried while the new deployment is not yet reachable through the ingress."""
        deadline = time.monotonic() + FIRST_CALL_TIMEOUT
        while True:
            outcome = await self.run(side)
            if outcome.reached or time.monotonic() >= deadline:
                return outcome
            await asyncio.sleep(0.1)


async def _journal(probe: RestateProbe, invocation_id: str) -> tuple[int, list[dict[str, Any]]]:
    """The exact number of journal entries of one invocation, and the entries themselves (for the breakdown)."""
    if not _INVOCATION_ID.fullmatch(invocation_id):  # it goes into the SQL text
        raise RuntimeError(f"not an invocation id: {invocation_id!r}")
    where = f"WHERE id = '{invocation_id}'"
    count = await probe.rows(f"SELECT count(*) AS n FROM sys_journal {where}")
    rows = await probe.rows(f"SELECT index, entry_type, name, appended_at FROM sys_journal {where} ORDER BY index")
    return int(count[0]["n"]), rows


def _durable_commands(rows: list[dict[str, Any]]) -> int:
    """Commands of an invocation besides its input and output: its runs, calls and state writes."""
    return sum(
        str(row["entry_type"]).startswith("Command: ")
        and row["entry_type"] not in ("Command: Input", "Command: Output")
        for row in rows
    )


async def _warm_up(runner: Runner, probe: RestateProbe, shape: Shape) -> int:
    """Warm both sides; size the baseline from the opsgate task's journal. Returns the Switches calls per task."""
    first = await runner.first("opsgate")
    if first.error is not None:
        raise RuntimeError(f"the first opsgate task failed: {first.error}")
    _, rows = await _journal(probe, first.invocation_id)
    runner.baseline_steps = _durable_commands(rows)
    switches = sum(str(row["entry_type"]) == "Command: Call" for row in rows)
    first = await runner.first("baseline")
    if first.error is not None:
        raise RuntimeError(f"the first baseline run failed: {first.error}")
    for _ in range(shape.warmup - 1):
        for side in SIDES:
            outcome = await runner.run(side)
            if outcome.error is not None:
                log(f"  warm-up {side}: {outcome.error}")
    return switches


async def measure(shape: Shape, *, keep_logs: bool = False) -> tuple[Side, Side, int, tuple[float, float]]:
    """Start the stack, run both sides, read their journals, stop everything; (opsgate, baseline, switches, load)."""
    load_before = os.getloadavg()[0]
    stack = DurableStack(shape.turns)
    sides = {name: Side(name) for name in SIDES}
    ids: dict[str, list[str]] = {name: [] for name in SIDES}
    try:
        await stack.start()
        probe = RestateProbe(stack.admin_url)
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as client:
            runner = Runner(stack, client, f"dur{int(time.time())}")
            switches = await _warm_up(runner, probe, shape)
            sides["baseline"].run_commands = runner.baseline_steps
            log(f"warmed up; baseline does {runner.baseline_steps} ctx.run_typed steps; measuring {shape.runs} runs")
            deadline = time.monotonic() + shape.budget_s
            for n in range(shape.runs):
                if time.monotonic() > deadline:
                    log(f"  over the time budget ({shape.budget_s:.0f} s) after {n} rounds: stopping")
                    break
                for name in SIDES if n % 2 == 0 else SIDES[::-1]:
                    side = sides[name]
                    before = stack.cpu()
                    outcome = await runner.run(name)
                    after = stack.cpu()
                    if outcome.error is not None:
                        side.failures.append(outcome.error)
                        continue
                    side.times_ms.append(outcome.ms)
                    ids[name].append(outcome.invocation_id)
                    for process, seconds in after.items():
                        side.add_cpu(process, seconds - before[process])
                stack.check_alive()
        for name, invocations in ids.items():
            for invocation_id in invocations:
                count, rows = await _journal(probe, invocation_id)
                sides[name].steps.append(count)
                sides[name].add_journal(rows)
        await probe.aclose()
    finally:
        await stack.close(keep=keep_logs)
        if keep_logs:
            log(f"logs kept in {stack.dir}")
    return sides["opsgate"], sides["baseline"], switches, (load_before, os.getloadavg()[0])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.durable", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of the same measurement, for CI")
    parser.add_argument("--turns", type=int, help="model steps per opsgate task (default 8: 7 tool calls)")
    parser.add_argument("--runs", type=int, help="measured runs per side (default: 5 quick, 20 full)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every process's log")
    args = parser.parse_args(argv)
    if args.turns is not None and not 1 <= args.turns <= 50:
        parser.error("--turns must be between 1 and 50 (an agent's max_turns)")
    return args


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    shape = Shape.for_run(args.quick, turns=args.turns, runs=args.runs)
    started = time.monotonic()
    opsgate, baseline, switches, load = await measure(shape, keep_logs=args.keep_logs)
    print(render(opsgate, baseline, shape, load=load, switches=switches))
    print(f"wall time {time.monotonic() - started:.0f} s")
    return figures(opsgate, baseline)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(lambda: _main(args), lambda result: result["failures"] == 0)


if __name__ == "__main__":
    sys.exit(main())
