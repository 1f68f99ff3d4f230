"""`python -m bench.durable --quick`: the figures line, both sides' journaled steps, positive timings."""

from __future__ import annotations

import math

import pytest

from tests.bench.runs import run_bench

KEYS = {"bench", "steps", "ms_per_step", "baseline_steps", "baseline_ms_per_step", "ratio", "runs", "failures"}

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(90)
def test_quick_run_ends_with_its_figures_and_counts_both_sides_steps() -> None:
    run = run_bench("durable", "--quick", timeout=85)
    code, out, figures = run.code, run.out, run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "durable"
    assert figures["failures"] == 0, out[-3000:]
    assert code == 0
    assert figures["runs"] == 5
    # The task journals its model and tool steps and its fixed ones; the baseline about as many.
    assert figures["steps"] > 2 * 8
    assert figures["baseline_steps"] > 0
    for key in ("ms_per_step", "baseline_ms_per_step", "ratio"):
        assert figures[key] > 0 and math.isfinite(figures[key]), (key, figures[key])
    assert "kind of step" in out and "load shape:" in out
