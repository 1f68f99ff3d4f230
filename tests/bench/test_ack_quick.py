"""`python -m bench.ack --quick` runs end to end and ends with its JSON line; latency ratios are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
    run = subprocess.run(
        [sys.executable, "-m", "bench.ack", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=230,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "ack"
    assert figures["requests"] > 0
    assert figures["failures_c50"] == 0, run.stdout[-3000:]
    assert figures["lost_acks"] == 0, run.stdout[-3000:]
