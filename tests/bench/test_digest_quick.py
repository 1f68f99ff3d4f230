"""`python -m bench.digest --quick`: the figures line, and the digest agreeing with rows counted in Python."""

from __future__ import annotations

from tests.bench.runs import run_bench

KEYS = {
    "bench", "tasks", "approvals", "ms", "spans", "database", "day_ms", "day_baseline_ms", "day_ratio",
    "day_agrees", "week_ms", "all_ms", "all_agrees", "all_tasks_in_period",
}  # fmt: skip


def test_quick_run_ends_with_its_figures_and_agrees_with_the_baseline() -> None:
    run = run_bench("digest", "--quick", timeout=120)
    code, figures = run.code, run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "digest" and figures["tasks"] == 2_000
    assert figures["day_agrees"] and figures["week_agrees"] and figures["all_agrees"]
    assert 0 < figures["day_tasks_in_period"] < figures["all_tasks_in_period"] <= 2_000
    assert figures["approvals"] == 400 and figures["ms"] == figures["day_ms"]
    assert code == 0
