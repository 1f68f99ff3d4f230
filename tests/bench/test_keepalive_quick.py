"""`python -m bench.keepalive --quick`: both sides answer every call, opsgate's connections are never
closed under Restate, and the baseline's are (which is what the benchmark exists to show)."""

from __future__ import annotations

import math

import pytest

from tests.bench.runs import run_bench

KEYS = {
    "bench",
    "invocations",
    "calls_per_s",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "stalls",
    "connections",
    "rt0010",
    "failures",
    "baseline_max_requests",
    "baseline_p99_ms",
    "baseline_stalls",
    "baseline_connections",
    "baseline_rt0010",
    "baseline_failures",
}

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(150)
def test_quick_run_keeps_opsgates_connections_and_the_baselines_are_closed() -> None:
    run = run_bench("keepalive", "--quick", "--invocations", "400", "--baseline-max-requests", "50", timeout=140)
    code, out, figures = run.code, run.out, run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "keepalive"
    assert (figures["failures"], figures["baseline_failures"]) == (0, 0), out[-3000:]
    assert figures["invocations"] == figures["baseline_invocations"] == 400
    assert code == 0
    # Restate spreads the calls over a few connections (one per partition here); none of opsgate's is ever
    # closed under it, while hypercorn's limit (50 here) closes the baseline's several times over.
    assert figures["rt0010"] == 0
    assert figures["baseline_connections"] > figures["connections"] >= 1
    assert figures["baseline_rt0010"] > 0
    for key in ("calls_per_s", "p50_ms", "p99_ms", "max_ms"):
        assert figures[key] > 0 and math.isfinite(figures[key]), (key, figures[key])
    assert "load shape:" in out and "| opsgate | unbounded" in out
