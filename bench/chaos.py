"""`python -m bench.chaos [--quick]`: tasks with approvals while the worker is SIGKILLed and restate-server restarts.

Everything runs on loopback: the Slack sandbox in this process, a real restate-server, and the production worker
and bot on the example `opsgate.yml` with the offline model (`bench._chaos_stack`): what `make demo` runs. Each task
is `/ops restart chaos-N in staging`: the lead hands it to the `ops` specialist, whose built-in `restart_service`
(over the in-process MCP server) is high risk and posts a card; a person approves it, clicking again when the card
has not changed within a few seconds (as people do), and the tool restarts `chaos-N` in the inventory, once per
idempotency key (its ledger, in the same transaction as the change). Requests refused while Restate is down
("nothing was started, send it again") are sent again, as the answer says. Meanwhile the worker is SIGKILLed at
random moments (and restarted, as a supervisor would) and restate-server is restarted a few times, each fault at
least `MIN_UP_S` after the stack recovered from the last one (a worker takes several seconds to start here: faults
any denser would keep it down for good). Restate retries as patiently as in production (`PATIENT_ATTEMPTS`); with
the tests' 60 attempts, invocations that find the worker down for two minutes pause and wait for a person (an early
full run here lost 57 of 200 tasks that way). Then every accepted task is awaited.

The figures (last line, JSON): `tasks` accepted; `tasks_lost`: accepted but not done at the end; `side_effects_
repeated`: restarts of a task's service beyond the first, as the inventory's change log records them (what the
tool did, not what the platform believes it did); `approvals_lost`: cards that showed "Approved by" whose service
was never restarted. Goal: 0, 0, 0. `deliveries_absorbed` is null: a delivery repeated under the same key is
answered from the tool's ledger without a trace, so it cannot be counted from outside the tool.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import httpx

from bench._approvals_stack import _TARGET, CHANNEL, approved
from bench._chaos_stack import ENVIRONMENT, ChaosStack
from bench._restate import RestateProbe
from bench._run import run_bench
from bot.cards import APPROVE_ACTION
from bot.sandbox.records import Message
from handlers.contracts import TASK_WORKFLOW, task_id_for

__all__ = ["main"]

REQUESTER, APPROVER = "U0ALICE", "U0BOB"
SUBMIT_ATTEMPTS = 40
RECLICK_AFTER = 6.0  # seconds without "Approved by" on the card before the person clicks again
DRAIN_TIMEOUT = 240.0
MIN_UP_S = 3.0  # seconds the stack serves between two faults


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Shape:
    tasks: int
    kills: int
    restarts: int
    window_s: float  # requests and faults are spread over this many seconds

    @classmethod
    def for_run(cls, quick: bool) -> Shape:
        return cls(tasks=24, kills=3, restarts=1, window_s=20.0) if quick else cls(200, 20, 3, 150.0)


@dataclass
class Task:
    name: str
    task_id: str | None = None
    accepted: bool = False
    uncertain: bool = False
    refusals: int = 0
    clicks: int = 0
    card: Message | None = None
    phase: str | None = None


@dataclass
class Figures:
    bench: str = "chaos"
    tasks: int = 0
    tasks_lost: int = 0
    side_effects_repeated: int = 0
    approvals_lost: int = 0
    worker_kills: int = 0
    restate_restarts: int = 0
    requests_sent_again: int = 0
    clicks_again: int = 0
    deliveries_absorbed: int | None = None
    undecided_cards: int = 0
    cards_duplicated: int = 0
    wall_s: float = 0.0
    lost: list[str] = field(default_factory=list)


class Run:
    def __init__(self, stack: ChaosStack, shape: Shape, rng: random.Random) -> None:
        self.stack = stack
        self.shape = shape
        self.rng = rng
        self.kills = 0
        self.restarts = 0

    async def one(self, task: Task, at: float) -> None:
        await asyncio.sleep(at)
        sandbox = self.stack.sandbox
        text = f"restart {task.name} in {ENVIRONMENT}"
        for _ in range(SUBMIT_ATTEMPTS):
            reply = await sandbox.send_slash_command(user_id=REQUESTER, channel_id=CHANNEL, text=text)
            answer = json.dumps(reply.json) if reply.json is not None else reply.body
            if reply.status == 200 and ("On it" in answer or "Already on it" in answer):
                task.task_id, task.accepted = task_id_for("T0SANDBOX", reply.trigger_id), True
                break
            if reply.status == 200 and "could not confirm" in answer:  # may have started: count it if it did
                task.task_id, task.uncertain = task_id_for("T0SANDBOX", reply.trigger_id), True
                break
            task.refusals += 1
            await asyncio.sleep(0.5)
        if task.task_id is None:
            return
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while task.card is None and time.monotonic() < deadline:
            task.card = self.stack.board.card(task.name)
            if task.card is None:
                await asyncio.sleep(0.1)
        while task.card is not None and not approved(task.card) and time.monotonic() < deadline:
            task.clicks += 1
            await sandbox.click_button(
                user_id=APPROVER, channel_id=CHANNEL, message_ts=task.card.ts, action_id=APPROVE_ACTION
            )
            try:
                await sandbox.wait_for(partial(_approved, task.card), timeout=RECLICK_AFTER)
            except TimeoutError:
                continue

    async def faults(self) -> None:
        window = self.shape.window_s
        events = [("kill", self.rng.uniform(1.0, window)) for _ in range(self.shape.kills)]
        events += [("restart", self.rng.uniform(2.0, window)) for _ in range(self.shape.restarts)]
        started = recovered = time.monotonic()
        for kind, at in sorted(events, key=lambda event: event[1]):
            # A random moment while the stack serves: never before it has run MIN_UP_S since the last fault.
            now = time.monotonic()
            await asyncio.sleep(max(0.0, at - (now - started), recovered + MIN_UP_S - now))
            if kind == "kill":
                await self.stack.kill_worker()
                self.kills += 1
            else:
                await self.stack.restart_restate()
                self.restarts += 1
            recovered = time.monotonic()
            log(f"  {recovered - started:5.1f} s  {kind} ({self.kills} kills, {self.restarts} restarts)")


def _approved(card: Message, _state: object) -> bool:
    return approved(card)


async def attach(client: httpx.AsyncClient, ingress: str, task_id: str, deadline: float) -> str | None:
    """The task's final phase, retrying through restarts until `deadline`; None if it never finished."""
    url = f"{ingress}/restate/workflow/{TASK_WORKFLOW}/{task_id}/attach"
    while time.monotonic() < deadline:
        try:
            response = await client.get(url, timeout=max(1.0, deadline - time.monotonic()))
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
            continue
        if response.status_code == 200:
            return str(response.json().get("phase"))
        if response.status_code == 404:
            return None
        await asyncio.sleep(0.5)
    return None


async def measure(shape: Shape, seed: int, keep_logs: bool) -> Figures:
    started = time.monotonic()
    tasks = [Task(f"chaos-{n}") for n in range(shape.tasks)]
    stack = ChaosStack([task.name for task in tasks])
    try:
        await stack.start()
        log(f"stack up in {time.monotonic() - started:.0f} s; {shape.tasks} tasks over {shape.window_s:.0f} s")
        run = Run(stack, shape, random.Random(seed))
        spacing = shape.window_s / max(1, shape.tasks)
        await asyncio.gather(run.faults(), *(run.one(task, n * spacing) for n, task in enumerate(tasks)))
        stack.check_alive()
        log("faults done; waiting for every accepted task")
        probe = RestateProbe(stack.restate.admin_url)
        known = await probe.keys("TaskWorkflow")
        await probe.aclose()
        for task in tasks:
            if task.uncertain and task.task_id in known:
                task.accepted = True
        deadline = time.monotonic() + DRAIN_TIMEOUT
        async with httpx.AsyncClient() as client:
            phases = await asyncio.gather(
                *(
                    attach(client, stack.restate.ingress_url, t.task_id, deadline)
                    for t in tasks
                    if t.accepted and t.task_id
                )
            )
        for task, phase in zip([t for t in tasks if t.accepted and t.task_id], phases, strict=True):
            task.phase = phase
        # The tasks are done; card edits in the Approval objects may still be retrying.
        waited, busy = await settle(stack.restate.admin_url, DRAIN_TIMEOUT)
        log(f"settled in {waited:.0f} s ({busy} invocations still running)")
        figures = tally(stack, tasks, run)
    finally:
        await stack.close(keep=keep_logs)
        if keep_logs:
            log(f"logs kept in {stack.dir}")
    figures.wall_s = round(time.monotonic() - started, 1)
    return figures


BUSY = "SELECT count(*) AS n FROM sys_invocation_status WHERE status NOT IN ('completed', 'scheduled')"


async def settle(admin_url: str, timeout: float) -> tuple[float, int]:
    """Until no invocation runs, waits or backs off (the approvals' expiry timers stay scheduled for hours)."""
    probe = RestateProbe(admin_url)
    started, busy = time.monotonic(), -1
    try:
        while time.monotonic() - started < timeout:
            with contextlib.suppress(httpx.HTTPError):
                busy = int((await probe.rows(BUSY))[0]["n"])
            if busy == 0:
                break
            await asyncio.sleep(0.5)
    finally:
        await probe.aclose()
    return time.monotonic() - started, busy


def cards_per_task(stack: ChaosStack) -> Counter[str]:
    """Every approval card in the channel, pending or decided, by the task name in its target."""
    found: Counter[str] = Counter()
    for message in stack.sandbox.state.messages_in(CHANNEL):
        if "restart_service needs approval" in message.text or message.text.startswith("restart_service: "):
            target = _TARGET.search(json.dumps(message.blocks))
            if target:
                found[target.group(1)] += 1
    return found


def tally(stack: ChaosStack, tasks: list[Task], run: Run) -> Figures:
    figures = Figures(worker_kills=run.kills, restate_restarts=run.restarts)
    cards = cards_per_task(stack)
    figures.cards_duplicated = sum(count - 1 for count in cards.values() if count > 1)
    restarts, keys = stack.restarts(), stack.keys()
    if restarts != keys:  # the tool records each key with its change, in one transaction: they must agree
        figures.lost.append(f"inventory changes {dict(restarts)} differ from the ledger's keys {dict(keys)}")
    for task in tasks:
        figures.requests_sent_again += task.refusals
        figures.clicks_again += max(0, task.clicks - 1)
        if not task.accepted:
            continue
        figures.tasks += 1
        applied = restarts[task.name]
        figures.side_effects_repeated += max(0, applied - 1)
        if task.phase != "done":
            figures.tasks_lost += 1
            figures.lost.append(f"{task.name} ({task.task_id}): {task.phase or 'never finished'}")
        if task.card is not None and approved(task.card) and not applied:
            figures.approvals_lost += 1
            figures.lost.append(f"{task.name}: approved, never ran")
        if task.card is None or not approved(task.card):
            figures.undecided_cards += 1
    return figures


def render(figures: Figures, shape: Shape) -> str:
    rows = [
        ("tasks accepted", figures.tasks, f"of {shape.tasks} sent"),
        ("tasks lost", figures.tasks_lost, "goal 0"),
        ("side effects repeated", figures.side_effects_repeated, "goal 0"),
        ("approvals lost", figures.approvals_lost, "goal 0"),
        ("worker SIGKILLs", figures.worker_kills, ""),
        ("restate-server restarts", figures.restate_restarts, ""),
        ("requests sent again", figures.requests_sent_again, "refused while Restate was down"),
        ("clicks again", figures.clicks_again, f"card unchanged after {RECLICK_AFTER:.0f} s"),
        ("deliveries absorbed", "n/a", "repeated under the same key: answered from the tool's ledger, untraced"),
        ("undecided cards", figures.undecided_cards, "no card, or its card never said Approved"),
        ("cards posted twice", figures.cards_duplicated, "goal 0"),
    ]
    lines = [f"{label:<26}{value:>6}  {note}" for label, value, note in rows]
    lines += [f"  lost: {what}" for what in figures.lost[:20]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="24 tasks, 3 kills, 1 restart: for CI")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault moments (default 7)")
    parser.add_argument("--tasks", type=int, help="tasks to send (default: 24 quick, 200 full)")
    parser.add_argument("--kills", type=int, help="worker SIGKILLs (default: 3 quick, 20 full)")
    parser.add_argument("--restarts", type=int, help="restate-server restarts (default: 1 quick, 3 full)")
    parser.add_argument("--window", type=float, help="seconds over which requests and faults are spread")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every process's log")
    args = parser.parse_args(argv)
    for name in ("tasks", "kills", "restarts"):
        value = getattr(args, name)
        if value is not None and not 0 <= value <= 5000:
            parser.error(f"--{name} must be between 0 and 5000")
    if args.window is not None and not 1 <= args.window <= 3600:
        parser.error("--window must be between 1 and 3600 seconds")
    return args


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    shape = Shape.for_run(args.quick)
    overrides = {"tasks": args.tasks, "kills": args.kills, "restarts": args.restarts, "window_s": args.window}
    shape = dataclasses.replace(shape, **{k: v for k, v in overrides.items() if v is not None})
    figures = await measure(shape, args.seed, args.keep_logs)
    print(render(figures, shape))
    print(f"wall time {figures.wall_s:.0f} s")
    return asdict(figures)


def _clean(result: dict[str, Any]) -> bool:
    lost = int(result["tasks_lost"]) + int(result["side_effects_repeated"]) + int(result["approvals_lost"])
    return lost == 0 and int(result["tasks"]) > 0


def main(argv: list[str] | None = None) -> int:
    return run_bench(partial(_main, parse_args(argv)), _clean)


if __name__ == "__main__":
    sys.exit(main())
