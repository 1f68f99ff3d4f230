"""`python -m bench.keepalive [--quick]`: one worker carries thousands of invocations without a stall.

Everything runs on loopback on this machine: a real restate-server and two worker processes
(`bench._keepalive_worker`), each serving the same minimal Restate service (one handler that journals one
`ctx.run_typed` step) with hypercorn over HTTP/2:

- opsgate: served by `opsgate.serving.serve_asgi`, as the worker serves its endpoint (`keep_alive_max_requests`
  unbounded, so Restate's connections live as long as Restate wants them);
- baseline: the same configuration with hypercorn's default `keep_alive_max_requests` of 1,000 (100 with
  `--quick`, so that a short run reaches it too): hypercorn closes a connection after that many requests, and
  Restate logs RT0010 for the invocations that were on it and retries them.

`C` closed-loop clients send `N` request-response invocations per side through Restate's ingress, the sides taking
turns in rounds (after a warm-up of each) so both see the same machine. Per side: throughput, p50/p99/max latency,
the calls over 1 s and over 5 s (stalls), the HTTP/2 connections that carried invocations (counted by the worker),
and the RT0010 lines in Restate's log. It passes when no call failed and opsgate's side had no RT0010.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench._keepalive_worker import HANDLER
from bench._run import run_bench
from bench._stack import BenchStack
from opsgate.processes import wait_until
from opsgate.restate_server import free_port
from opsgate.stack import Child

__all__ = ["Phase", "main", "measure"]

SERVICES = {"opsgate": "KeepAlive", "baseline": "KeepAliveDefault"}
HYPERCORN_DEFAULT = 1_000
"""hypercorn's `keep_alive_max_requests`: the baseline's, unless `--baseline-max-requests` says otherwise."""
STALL_S = 1.0
LONG_STALL_S = 5.0  # the stalls measured before the fix lasted 7 to over 30 s
CALL_TIMEOUT_S = 60.0
FIRST_CALL_TIMEOUT_S = 15.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Shape:
    invocations: int
    """Per side."""
    concurrency: int
    rounds: int
    """The sides take turns, `invocations / rounds` calls at a time, so both see the same machine."""
    baseline_max_requests: int
    warmup: int
    budget_s: float
    """For the whole measurement: past it, no new call is sent, and the table says so."""

    @classmethod
    def for_run(cls, quick: bool, args: argparse.Namespace | None = None) -> Shape:
        default = cls(1_200, 8, 4, 100, 20, 120.0) if quick else cls(6_000, 8, 6, HYPERCORN_DEFAULT, 50, 600.0)
        given = vars(args) if args is not None else {}
        return cls(
            given.get("invocations") or default.invocations,
            given.get("concurrency") or default.concurrency,
            default.rounds,
            given.get("baseline_max_requests") or default.baseline_max_requests,
            default.warmup,
            default.budget_s,
        )

    def max_requests(self, side: str) -> int | None:
        """hypercorn's `keep_alive_max_requests` on this side's worker; None: opsgate's own configuration."""
        return None if side == "opsgate" else self.baseline_max_requests


@dataclass
class Phase:
    side: str
    latencies_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    connections: int = 0
    requests: int = 0
    rt0010: int = 0
    stopped_early: bool = False

    def quantile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def over(self, seconds: float) -> int:
        return sum(latency > seconds for latency in self.latencies_s)

    @property
    def stalls(self) -> int:
        return self.over(STALL_S)

    @property
    def throughput(self) -> float:
        return len(self.latencies_s) / self.wall_s if self.wall_s else 0.0


class KeepAliveStack(BenchStack):
    """restate-server and one worker per side, as children of an `opsgate.stack.Stack`; `close()` stops them by PID
    and removes the temp dir."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        super().__init__("opsgate-bench-keepalive-")
        self.workers: dict[str, Child] = {}
        self.worker_urls: dict[str, str] = {}

    async def start(self) -> None:
        await self.stack.start_nodes()
        for side, service in SERVICES.items():  # both start at once, then each is awaited and registered
            max_requests = self.shape.max_requests(side)
            port = free_port()
            argv = ["bench._keepalive_worker", "--port", str(port), "--service", service]
            argv += ["--max-requests", str(max_requests)] if max_requests is not None else []
            self.workers[side] = self.stack.spawn(side, argv, port=port)
            self.worker_urls[side] = self.workers[side].url
        for worker in self.workers.values():
            await worker.wait_http("/health", timeout=60)
            await self.stack.register(worker.url)

    def rt0010(self) -> int:
        """How many invocations Restate retried with RT0010 so far (a connection to a deployment closed under
        them): one warning each, with the delay before the retry."""
        try:
            return self.restate.log_file.read_text(errors="replace").count("restate.error.code: RT0010")
        except OSError:
            return 0


async def _call(client: httpx.AsyncClient, url: str, n: int) -> str | None:
    """One invocation through the ingress; None when it answered n + 1, else what went wrong."""
    try:
        response = await client.post(url, json=n)
    except httpx.HTTPError as exc:
        return f"{n}: {exc!r}"
    if response.status_code != 200:
        return f"{n}: HTTP {response.status_code} {response.text[:200]}"
    return None if response.json() == n + 1 else f"{n}: answered {response.text[:100]}"


async def _first(client: httpx.AsyncClient, url: str) -> None:
    """The first call of a side, retried while the new deployment is not yet reachable through the ingress."""
    errors = [""]

    async def answered() -> bool:
        errors[0] = await _call(client, url, 0) or ""
        return not errors[0]

    await wait_until(
        answered, timeout=FIRST_CALL_TIMEOUT_S, what=lambda: f"the first call to {url}: {errors[0]}", every=0.1
    )


async def _chunk(client: httpx.AsyncClient, url: str, numbers: range, phase: Phase, shape: Shape, end: float) -> None:
    """`numbers` as invocations from `shape.concurrency` closed-loop clients; latencies and failures go to `phase`."""
    counter = iter(numbers)
    started = time.monotonic()

    async def client_loop() -> None:
        for n in counter:
            if time.monotonic() > end:
                phase.stopped_early = True
                return
            sent = time.perf_counter()
            error = await _call(client, url, n)
            if error is None:
                phase.latencies_s.append(time.perf_counter() - sent)
            else:
                phase.failures.append(error)

    await asyncio.gather(*(client_loop() for _ in range(shape.concurrency)))
    phase.wall_s += time.monotonic() - started


async def _connections(client: httpx.AsyncClient, worker_url: str) -> dict[str, int]:
    """Per connection that carried invocations, how many (the worker counts them)."""
    response = await client.get(f"{worker_url}/bench/connections")
    response.raise_for_status()
    carried: dict[str, int] = response.json()
    return carried


async def _run(stack: KeepAliveStack, client: httpx.AsyncClient, shape: Shape) -> dict[str, Phase]:
    urls = {side: f"{stack.ingress_url}/{service}/{HANDLER}" for side, service in SERVICES.items()}
    for url in urls.values():
        await _first(client, url)
        for n in range(shape.warmup):
            await _call(client, url, n)
    phases = {side: Phase(side) for side in SERVICES}
    before = {side: await _connections(client, stack.worker_urls[side]) for side in SERVICES}
    end = time.monotonic() + shape.budget_s
    per_round = -(-shape.invocations // shape.rounds)
    for r in range(shape.rounds):
        numbers = range(r * per_round, min(shape.invocations, (r + 1) * per_round))
        for side in list(SERVICES) if r % 2 == 0 else list(SERVICES)[::-1]:
            logged = stack.rt0010()
            await _chunk(client, urls[side], numbers, phases[side], shape, end)
            phases[side].rt0010 += stack.rt0010() - logged
            stack.check_alive()
        log(
            f"  round {r + 1}/{shape.rounds}: "
            + ", ".join(
                f"{p.side} {len(p.latencies_s)} calls, {p.stalls} over {STALL_S:.0f} s" for p in phases.values()
            )
        )
    for side, phase in phases.items():
        after = await _connections(client, stack.worker_urls[side])
        phase.connections = sum(count > before[side].get(peer, 0) for peer, count in after.items())
        phase.requests = sum(after.values()) - sum(before[side].values())
    return phases


async def measure(shape: Shape, *, keep_logs: bool = False) -> dict[str, Phase]:
    stack = KeepAliveStack(shape)
    try:
        await stack.start()
        limits = httpx.Limits(max_connections=shape.concurrency + 2, max_keepalive_connections=shape.concurrency + 2)
        async with httpx.AsyncClient(timeout=CALL_TIMEOUT_S, limits=limits) as client:
            log(f"{shape.invocations} invocations per side, {shape.concurrency} clients, {shape.rounds} rounds")
            return await _run(stack, client, shape)
    finally:
        await stack.close(keep=keep_logs)
        if keep_logs:
            log(f"logs kept in {stack.dir}")


def render(phases: dict[str, Phase], shape: Shape) -> str:
    rows = [
        f"load shape: {shape.invocations:,} request-response invocations per side through Restate's ingress, "
        f"{shape.concurrency} closed-loop clients, the sides taking turns in {shape.rounds} rounds; one worker "
        "process per side (hypercorn, HTTP/2), whose handler journals one ctx.run_typed step",
        "",
        f"| side | keep_alive_max_requests | calls/s | p50 ms | p99 ms | max ms | over {STALL_S:.0f} s "
        f"| over {LONG_STALL_S:.0f} s | failures | h2 connections | RT0010 in Restate's log |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for side, phase in phases.items():
        limit = shape.max_requests(side)
        rows.append(
            f"| {side} | {'unbounded (opsgate.serving)' if limit is None else f'{limit:,}'} "
            f"| {phase.throughput:.0f} | {phase.quantile_ms(0.5):.1f} | {phase.quantile_ms(0.99):.1f} "
            f"| {phase.quantile_ms(1.0):.0f} | {phase.stalls} | {phase.over(LONG_STALL_S)} | {len(phase.failures)} "
            f"| {phase.connections} | {phase.rt0010} |"
        )
    for side, phase in phases.items():
        if phase.stopped_early:
            rows.append(f"{side}: stopped at the time budget ({shape.budget_s:.0f} s) after {len(phase.latencies_s)}")
        rows += [f"{side} failure: {failure}" for failure in phase.failures[:5]]
    return "\n".join(rows)


def figures(phases: dict[str, Phase], shape: Shape) -> dict[str, Any]:
    ours, base = phases["opsgate"], phases["baseline"]

    def r(value: float) -> float:
        return round(value, 1)

    return {
        "bench": "keepalive",
        "invocations": len(ours.latencies_s),
        "concurrency": shape.concurrency,
        "calls_per_s": r(ours.throughput),
        "p50_ms": r(ours.quantile_ms(0.5)),
        "p99_ms": r(ours.quantile_ms(0.99)),
        "max_ms": r(ours.quantile_ms(1.0)),
        "stalls": ours.stalls,
        "long_stalls": ours.over(LONG_STALL_S),
        "connections": ours.connections,
        "rt0010": ours.rt0010,
        "failures": len(ours.failures),
        "baseline_max_requests": shape.baseline_max_requests,
        "baseline_invocations": len(base.latencies_s),
        "baseline_calls_per_s": r(base.throughput),
        "baseline_p99_ms": r(base.quantile_ms(0.99)),
        "baseline_max_ms": r(base.quantile_ms(1.0)),
        "baseline_stalls": base.stalls,
        "baseline_long_stalls": base.over(LONG_STALL_S),
        "baseline_connections": base.connections,
        "baseline_rt0010": base.rt0010,
        "baseline_failures": len(base.failures),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.keepalive", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of the same measurement, for CI")
    parser.add_argument("--invocations", type=int, help="per side (default: 1,200 quick, 6,000 full)")
    parser.add_argument("--concurrency", type=int, help="closed-loop clients (default 8)")
    parser.add_argument(
        "--baseline-max-requests",
        type=int,
        help="the baseline's keep_alive_max_requests (default: hypercorn's 1,000; 100 quick, so a short run closes "
        "connections too)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every process's log")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    shape = Shape.for_run(args.quick, args)
    started = time.monotonic()
    phases = await measure(shape, keep_logs=args.keep_logs)
    print(render(phases, shape))
    print(f"wall time {time.monotonic() - started:.0f} s")
    return figures(phases, shape)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(lambda: _main(args), lambda result: result["failures"] == 0 and result["rt0010"] == 0)


if __name__ == "__main__":
    sys.exit(main())
