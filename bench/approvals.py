"""`python -m bench.approvals [--quick]`: approval click to updated card, against a bare awakeable; worker memory.

Everything runs on loopback on this machine: the Slack sandbox in this process (rate limiter off), a real
restate-server, the worker (the integration tests' worker: real task workflow and Approval object, a scripted model
that proposes the high-risk `restart_service`, a tool that counts its executions on disk), the real bot, and the
baseline: a bare Bolt app and a one-handler Restate service (`bench._approvals_apps`).

1. Round trip: N approvals pending in opsgate and N in the baseline, their tasks suspended in Restate; then one
   click at a time, alternating opsgate and baseline, each timed from sending the signed click until the card in
   the sandbox shows "Approved by" (woken by the sandbox's state changes, no polling). After an opsgate click the
   next click waits for that task's answer in the thread (the approved action ran), so each click starts quiet.
2. Memory: the worker's RSS (VmRSS) before creating M more tasks that each stop at an approval, sent in two halves:
   once the first half is suspended in Restate, at the last card (the latest tasks' streams still open), and once
   Restate reports all M suspended. The second half's growth is the cost of more suspended tasks alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench._approvals_apps import BASELINE_ACTION
from bench._approvals_report import BASELINE_SERVICE, TASK_WORKFLOW, Click, Memory, Run, Shape, figures, render
from bench._approvals_stack import CHANNEL, ApprovalStack, approved, rss_kb
from bench._apps import SERVERS
from bench._load import Sample
from bench._restate import RestateProbe
from bench._run import run_bench
from bot.cards import APPROVE_ACTION
from bot.sandbox import SandboxState
from bot.sandbox.payloads import find_button

__all__ = ["main"]

APPS = ("opsgate", "baseline")
REQUESTER, APPROVER = "U0ALICE", "U0BOB"
CLICK_TIMEOUT = 15.0
ANSWER_TIMEOUT = 10.0
CLICKS_BUDGET = 4.0  # seconds per clicked pair at most, then the phase stops (a broken stack must not run for ever)
DEFAULT_SERVER = "uvicorn"  # as in bench.ack, and as `opsgate bot` serves Slack
_WAITING = "SELECT target_service_name AS s, status, count(*) AS n FROM sys_invocation_status GROUP BY s, status"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def bounded(count: int, concurrency: int, one: Callable[[int], Awaitable[bool]]) -> int:
    """Run `one(0..count-1)` with at most `concurrency` in flight; returns how many answered False."""
    numbers = iter(range(count))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for n in numbers:
            if not await one(n):
                failures += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


class Bench:
    def __init__(self, stack: ApprovalStack, probe: RestateProbe, client: httpx.AsyncClient) -> None:
        self.stack = stack
        self.sandbox = stack.sandbox
        self.board = stack.board
        self.probe = probe
        self.client = client

    # --- creating pending approvals ----------------------------------------------------------------

    async def request_opsgate(self, name: str) -> bool:
        """`/ops [act:NAME:restart_service] go` from the requester: the task proposes the action and waits."""
        self.sandbox.bot_url = self.stack.urls["opsgate"]
        text = f"[act:{name}:restart_service] go"
        reply = await self.sandbox.send_slash_command(user_id=REQUESTER, channel_id=CHANNEL, text=text)
        return reply.status == 200 and reply.error is None and "On it" in reply.body

    async def request_baseline(self, name: str) -> bool:
        url = f"{self.stack.ingress_url}/{BASELINE_SERVICE}/run/send"
        try:
            response = await self.client.post(url, json={"name": name, "channel": CHANNEL})
        except httpx.HTTPError:
            return False
        return response.status_code < 300

    async def create(self, app: str, names: list[str], concurrency: int) -> int:
        request = self.request_opsgate if app == "opsgate" else self.request_baseline
        return await bounded(len(names), concurrency, lambda n: request(names[n]))

    async def wait_cards(self, prefix: str, count: int, timeout: float) -> int:
        """Wait (woken by sandbox changes) until `count` cards of names `prefix-N` are posted, or the timeout."""
        with contextlib.suppress(TimeoutError):
            await self.sandbox.wait_for(lambda _: self.board.count(prefix) >= count, timeout=timeout)
        return self.board.count(prefix)

    async def waiting(self) -> dict[str, dict[str, int]]:
        """Invocations per service and status, as Restate reports them."""
        result: dict[str, dict[str, int]] = {}
        for row in await self.probe.rows(_WAITING):
            result.setdefault(str(row["s"]), {})[str(row["status"])] = int(row["n"])
        return result

    async def wait_suspended(self, wanted: dict[str, int], timeout: float) -> dict[str, dict[str, int]]:
        """Poll Restate's status table until each service has at least `wanted` suspended invocations."""
        deadline = time.monotonic() + timeout
        while True:
            counts = await self.waiting()
            done = all(counts.get(service, {}).get("suspended", 0) >= n for service, n in wanted.items())
            if done or time.monotonic() >= deadline:
                return counts
            await asyncio.sleep(0.25)

    async def wait_quiet(self, timeout: float) -> None:
        """Until nothing runs in Restate: only completed, suspended and scheduled (approval timers) remain."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = await self.waiting()
            busy = sum(
                n
                for statuses in counts.values()
                for status, n in statuses.items()
                if status not in ("completed", "suspended", "scheduled")
            )
            if busy == 0:
                return
            await asyncio.sleep(0.25)

    # --- clicking ----------------------------------------------------------------------------------

    async def click(self, app: str, name: str, run: Run | None) -> None:
        """Click Approve on `name`'s card as the approver; record the round trip in `run` (None: warm-up)."""
        card = self.board.card(name)
        if card is None:
            if run is not None:
                run.add(app, Sample(float("nan"), False, "no card", name))
            return
        self.sandbox.bot_url = self.stack.urls["opsgate" if app == "opsgate" else "bolt"]
        action = APPROVE_ACTION if app == "opsgate" else BASELINE_ACTION
        button = find_button(card.blocks, action)
        approval_id = str(button[1].get("value", "")) if button else ""

        def edited(_: SandboxState) -> tuple[float, float] | None:
            return (time.perf_counter(), time.time()) if approved(card) else None

        sent_wall, started = time.time(), time.perf_counter()
        sending = asyncio.create_task(
            self.sandbox.click_button(user_id=APPROVER, channel_id=CHANNEL, message_ts=card.ts, action_id=action)
        )
        why = ""
        try:
            updated, updated_wall = await self.sandbox.wait_for(edited, timeout=CLICK_TIMEOUT)
        except TimeoutError:
            updated, updated_wall, why = time.perf_counter(), time.time(), "card not updated"
        reply = await sending
        if not why and (reply.status != 200 or reply.error):
            why = reply.error or f"HTTP {reply.status}"
        if why:
            log(f"  {app} click on {name}: {why}")
        if run is not None:
            run.add(app, Sample((updated - started) * 1000, not why, why, name))
        if app != "opsgate":
            return
        if run is not None:
            run.clicked.append(name)
            if not why:
                run.clicks[name] = Click(approval_id, sent_wall, updated_wall)
        try:
            await self.sandbox.wait_for(lambda _: self.board.answered(name), timeout=ANSWER_TIMEOUT)
            answer = Sample((time.perf_counter() - started) * 1000, True, "", name)
        except TimeoutError:
            log(f"  {name}: no answer within {ANSWER_TIMEOUT:.0f}s")
            answer = Sample(float("nan"), False, "no answer", name)
        if run is not None:
            run.answers.samples.append(answer)

    async def clicks(self, names: dict[str, list[str]], run: Run | None) -> None:
        """One click at a time, alternating apps (the order flips every pair)."""
        started = time.monotonic()
        deadline = started + 30.0 + CLICKS_BUDGET * len(names["opsgate"])
        for n in range(len(names["opsgate"])):
            if time.monotonic() > deadline:
                log(f"  click phase over its time budget after {n} pairs: stopping")
                return
            for app in APPS if n % 2 == 0 else APPS[::-1]:
                await self.click(app, names[app][n], run)
            self.stack.check_alive()
            if run is not None and (n + 1) % 50 == 0:
                failed = {app: summary.failures for app, summary in run.cards.items()}
                log(f"  {n + 1} clicks per app in {time.monotonic() - started:.1f}s, failed so far: {failed}")

    async def approval_invocations(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Restate's records of the Approval `get` and `vote` calls, and the journal entries of the votes."""
        calls = (
            "SELECT id, target_service_key AS k, target_handler_name AS h, created_at, completed_at FROM "
            "sys_invocation_status WHERE target_service_name = 'Approval' AND target_handler_name IN ('get', 'vote')"
        )
        journal = (
            "SELECT j.id AS id, j.index AS i, j.entry_type AS t, j.name AS name, j.appended_at AS at "
            "FROM sys_journal j JOIN sys_invocation_status s ON j.id = s.id "
            "WHERE s.target_service_name = 'Approval' AND s.target_handler_name = 'vote'"
        )
        try:
            return await self.probe.rows(calls), await self.probe.rows(journal)
        except (httpx.HTTPError, KeyError) as failure:
            log(f"could not read Restate's invocation records ({failure!r}): no breakdown")
            return [], []


def _names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n}" for n in range(count)]


async def _pending(bench: Bench, phase: str, shape: Shape, count: int) -> dict[str, list[str]]:
    names = {app: _names(f"{phase}-{app[:2]}", count) for app in APPS}
    failures = await asyncio.gather(*(bench.create(app, names[app], shape.concurrency) for app in APPS))
    if any(failures):
        log(f"{phase}: {dict(zip(APPS, failures, strict=True))} requests failed")
    for app in APPS:
        posted = await bench.wait_cards(f"{phase}-{app[:2]}", count, timeout=60.0)
        if posted < count:
            raise RuntimeError(f"{phase}: only {posted} of {count} {app} cards were posted within 60 s")
    return names


async def _latency(bench: Bench, shape: Shape, run: Run) -> None:
    warm = await _pending(bench, "warm", shape, shape.warmup)
    await bench.wait_suspended({TASK_WORKFLOW: shape.warmup, BASELINE_SERVICE: shape.warmup}, shape.suspend_after + 30)
    await bench.clicks(warm, None)
    started = time.monotonic()
    names = await _pending(bench, "lat", shape, shape.clicks)
    log(f"{2 * shape.clicks} approvals pending in {time.monotonic() - started:.1f}s; waiting for them to suspend")
    run.waiting_before_clicks = await bench.wait_suspended(
        {TASK_WORKFLOW: shape.clicks, BASELINE_SERVICE: shape.clicks}, shape.suspend_after + 60
    )
    started = time.monotonic()
    await bench.clicks(names, run)
    log(f"{2 * shape.clicks} clicks in {time.monotonic() - started:.1f}s")
    run.clicked = [*warm["opsgate"], *run.clicked]
    run.executed_once = sum(bench.stack.executions(name) == 1 for name in run.clicked)
    run.invocations, run.vote_journal = await bench.approval_invocations()


async def _memory(bench: Bench, shape: Shape, memory: Memory) -> None:
    stack = bench.stack
    worker_pid = stack.worker.pid if stack.worker else None
    restate_pid = stack.restate.pid

    def sample(stage: str) -> None:
        memory.worker_kb[stage] = rss_kb(worker_pid)
        memory.restate_kb[stage] = rss_kb(restate_pid)

    await bench.wait_quiet(60.0)
    sample("before")
    suspended_before = (await bench.waiting()).get(TASK_WORKFLOW, {}).get("suspended", 0)
    memory.requested = shape.suspended
    names = _names("mem-og", shape.suspended)
    half = shape.suspended // 2
    started = time.monotonic()
    # In two halves, each left to suspend: what the second half adds is the cost of more suspended tasks alone,
    # without the worker's first climb to the working set of this load.
    for stage, batch, posted_before in (("half", names[:half], 0), ("suspended", names[half:], half)):
        creating = asyncio.create_task(bench.create("opsgate", batch, shape.concurrency))
        left = shape.pending_deadline - (time.monotonic() - started)
        memory.cards = await bench.wait_cards("mem-og", posted_before + len(batch), timeout=max(1.0, left))
        memory.creation_failures += await creating
        if stage == "suspended":
            memory.created_in = time.monotonic() - started
            sample("cards")
            at_cards = (await bench.waiting()).get(TASK_WORKFLOW, {})
            memory.open_at_cards = sum(n for status, n in at_cards.items() if status not in ("completed", "suspended"))
        log(
            f"{memory.cards} of {shape.suspended} cards posted in {time.monotonic() - started:.1f}s; "
            "waiting for them to suspend"
        )
        counts = await bench.wait_suspended({TASK_WORKFLOW: suspended_before + memory.cards}, shape.suspend_after + 60)
        memory.suspended = counts.get(TASK_WORKFLOW, {}).get("suspended", 0) - suspended_before
        await asyncio.sleep(1.0)  # let the worker finish closing the streams it was asked to suspend
        sample(stage)
        if stage == "half":
            memory.half = memory.suspended
    memory.suspended_in = time.monotonic() - started
    memory.worker_kb["peak"] = rss_kb(worker_pid, "VmHWM")
    memory.executed = sum(stack.executions(name) for name in names)


async def measure(stack: ApprovalStack, shape: Shape, started: float, *, keep_logs: bool = False) -> Run:
    run = Run(shape, stack.server)
    load_before = os.getloadavg()[0]
    try:
        await stack.start()
        log(f"stack up in {time.monotonic() - started:.1f}s")
        run.lifted = stack.lifted
        probe = RestateProbe(stack.restate.admin_url)
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                bench = Bench(stack, probe, client)
                await _latency(bench, shape, run)
                await _memory(bench, shape, run.memory)
                stack.check_alive()
        finally:
            await probe.aclose()
        run.load_average = (load_before, os.getloadavg()[0])
        return run
    finally:
        await stack.close(keep=keep_logs)
        if keep_logs:
            log(f"logs kept in {stack.dir}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.approvals", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of the same measurement, for CI")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every process's log")
    parser.add_argument("--clicks", type=int, help="approvals clicked per app (default: 40 quick, 200 full)")
    parser.add_argument("--suspended", type=int, help="tasks left suspended (default: 100 quick, 1000 full)")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER, help="ASGI server of the Slack apps")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    shape = Shape.for_run(args.quick)
    if args.clicks is not None or args.suspended is not None:
        shape = dataclasses.replace(
            shape, clicks=args.clicks or shape.clicks, suspended=args.suspended or shape.suspended
        )
    started = time.monotonic()
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    stack = ApprovalStack(args.server, suspend_after=shape.suspend_after)

    def interrupt() -> None:
        # Cancel again until the clean-up starts: a single cancel can be swallowed inside an HTTP client's
        # shielded section (httpcore under anyio), and the run would go on to its end.
        if not task.done() and not stack.closing:
            task.cancel()
            loop.call_later(0.5, interrupt)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)
    run = await measure(stack, shape, started, keep_logs=args.keep_logs)
    print(render(run))
    print(f"wall time {time.monotonic() - started:.0f} s")
    return figures(run)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(lambda: _main(args), lambda _: True)


if __name__ == "__main__":
    sys.exit(main())
