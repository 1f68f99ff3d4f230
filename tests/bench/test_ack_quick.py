"""`python -m bench.ack --quick` runs end to end and ends with its JSON line; latency ratios are not asserted."""

from __future__ import annotations

import pytest

from tests.bench.runs import run_bench

KEYS = {
    "bench",
    "concurrency",
    "requests",
    "p50_ms",
    "p99_ms",
    "baseline_p99_ms",
    "ratio_p99",
    "ack_only_p99_ms",
    "p99_ms_c50",
    "failures_c50",
    "baseline_failures_c50",
    "baseline_p99_ms_c50",
    "server",
}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_quick_run_prints_figures_and_fails_no_ack_at_50_concurrent() -> None:
    run = run_bench("ack", "--quick", timeout=230)
    assert run.code == 0, run.err[-3000:]
    figures = run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "ack"
    assert figures["requests"] > 0
    assert figures["failures_c50"] == 0, run.out[-3000:]
    assert figures["lost_acks"] == 0, run.out[-3000:]
