"""`python -m bench.approvals --quick` runs end to end and ends with its JSON line; correctness only, no latency."""

from __future__ import annotations

import pytest

from tests.bench.runs import run_bench

KEYS = {
    "bench",
    "requests",
    "p50_ms",
    "p99_ms",
    "failures",
    "baseline_p50_ms",
    "baseline_p99_ms",
    "baseline_failures",
    "clicked",
    "executed_once",
    "suspended_requested",
    "cards_posted",
    "suspended_tasks",
    "executed_unapproved",
    "rss_growth_mb",
}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_run_approves_each_action_once_and_suspends_the_requested_tasks() -> None:
    run = run_bench("approvals", "--quick", timeout=290)
    assert run.code == 0, run.err[-3000:]
    figures = run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "approvals"
    assert figures["requests"] > 0
    assert figures["failures"] == 0, run.out[-3000:]
    assert figures["baseline_failures"] == 0, run.out[-3000:]
    # Every clicked approval ran its action exactly once; the never-clicked ones ran nothing.
    assert figures["clicked"] >= figures["requests"]
    assert figures["executed_once"] == figures["clicked"], run.out[-3000:]
    assert figures["executed_unapproved"] == 0
    # Every requested task posted its card and was suspended in Restate, waiting on its approval.
    assert figures["cards_posted"] == figures["suspended_requested"] > 0
    assert figures["suspended_tasks"] == figures["suspended_requested"], run.out[-3000:]
    assert figures["rss_growth_mb"] == figures["rss_growth_mb"]  # a number, not NaN: the worker's RSS was read
