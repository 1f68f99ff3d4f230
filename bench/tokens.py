"""`python -m bench.tokens [--quick] [--verbose]`: input tokens the context manager sends against naive stuffing.

Load shape: one process, no Restate, loopback only. A fixed incident investigation (`testkit.tokens_scenario`: 20
turns, one read-only tool call a turn with long logs, metrics and records, then the answer) runs twice through
`run_agent` and the real `anthropic` SDK (`ClaudeModel`) against the loopback Messages-API fake: once with the
default `ContextManager`, once sending the full history every turn (the same cache markers in both). Tokens are
the fake's proxy (ceil(JSON chars / 4) a block) and its prompt-cache accounting (breakpoints, the 20-block
look-back, 1,024 tokens at least); "sent" is input + cache read + cache write. The scripted model's final answer
states only the facts its last request contains, so the task succeeds only if the early facts survived.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from agents.context import ContextConfig
from bench._run import run_bench
from testkit.tokens_run import MODEL, Run, measure
from testkit.tokens_scenario import FULL_TURNS, QUICK_TURNS

__all__ = ["main"]

GOALS = {"ratio": 0.40, "cached_share": 0.5}


def figures(managed: Run, naive: Run, turns: int) -> dict[str, Any]:
    return {
        "bench": "tokens",
        "turns": turns,
        "tokens_managed": managed.tokens,
        "tokens_naive": naive.tokens,
        "ratio": round(managed.tokens / naive.tokens, 3),
        "cached_share": round(managed.cached_share, 3),
        "cached_share_naive": round(naive.cached_share, 3),
        "task_ok_managed": managed.task_ok,
        "task_ok_naive": naive.task_ok,
        "cost_ratio": round(managed.cost_usd / naive.cost_usd, 3),
    }


def _per_turn(managed: Run, naive: Run) -> list[str]:
    lines = [
        f"{'turn':>4} | {'managed sent':>12} {'read':>7} {'write':>6} {'fresh':>6} | "
        f"{'naive sent':>10} {'read':>7} {'write':>6} {'fresh':>6}"
    ]
    for turn, (m, n) in enumerate(zip(managed.usages, naive.usages, strict=True), start=1):
        lines.append(
            f"{turn:>4} | {Run.sent(m):>12,} {m.cache_read_tokens:>7,} {m.cache_write_tokens:>6,} {m.input_tokens:>6,}"
            f" | {Run.sent(n):>10,} {n.cache_read_tokens:>7,} {n.cache_write_tokens:>6,} {n.input_tokens:>6,}"
        )
    return lines


def render(managed: Run, naive: Run, turns: int, *, verbose: bool) -> str:
    header = (
        f"{'strategy':<8} {'requests':>8} {'tokens sent':>11} {'cache read':>10} {'cache write':>11} "
        f"{'uncached':>8} {'cached share':>12} {'list price':>10} {'task':>6}"
    )
    lines = ["", *([*_per_turn(managed, naive), ""] if verbose else []), header]
    for run in (managed, naive):
        lines.append(
            f"{run.label:<8} {len(run.usages):>8} {run.tokens:>11,} {sum(u.cache_read_tokens for u in run.usages):>10,}"
            f" {sum(u.cache_write_tokens for u in run.usages):>11,} {sum(u.input_tokens for u in run.usages):>8,}"
            f" {run.cached_share:>12.1%} {f'${run.cost_usd:.3f}':>10} {'ok' if run.task_ok else 'FAILED':>6}"
        )
    ratio = managed.tokens / naive.tokens
    lines += [
        "",
        f"ratio managed/naive: {ratio:.3f} (goal <= {GOALS['ratio']:.2f}); cached share of managed input after the "
        f"first turn: {managed.cached_share:.1%} (goal >= {GOALS['cached_share']:.0%}); list-price ratio "
        f"{managed.cost_usd / naive.cost_usd:.3f} ({MODEL})",
    ]
    for run in (managed, naive):
        if run.missing:
            lines.append(f"{run.label}: the final answer lacks {', '.join(run.missing)} ({run.status})")
    lines += [
        "",
        "load shape:",
        f"  {turns} model turns ({turns - 1} tool calls, then the answer), one agent, in process; run_agent -> "
        "ClaudeModel (anthropic SDK) -> loopback Messages-API fake, each strategy against a fresh fake",
        f"  managed: ContextManager() defaults {ContextConfig().model_dump()}",
        "  naive: the full history every turn, results uncut; both put cache_control on the system prompt, the last "
        "tool, the end of the first message and the end of the last",
        "  tokens: the fake's proxy, ceil(compact JSON chars / 4) per block; sent = input + cache read + cache write",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.tokens", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_TURNS} turns instead of {FULL_TURNS}, for CI")
    parser.add_argument("--verbose", action="store_true", help="a row per turn")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    turns = QUICK_TURNS if args.quick else FULL_TURNS

    async def body() -> dict[str, Any]:
        started = time.monotonic()
        managed, naive = await measure(turns)
        print(render(managed, naive, turns, verbose=args.verbose))
        print(f"wall time {time.monotonic() - started:.1f} s")
        return figures(managed, naive, turns)

    return run_bench(body, lambda result: bool(result["task_ok_managed"]))


if __name__ == "__main__":
    sys.exit(main())
