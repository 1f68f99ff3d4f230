"""`python -m bench.chaos --quick`: tasks with approvals through worker SIGKILLs and a restate restart."""

from __future__ import annotations

import pytest

from tests.bench.runs import run_bench

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(420)
def test_quick_chaos_loses_and_repeats_nothing() -> None:
    run = run_bench("chaos", "--quick", timeout=400)
    code, out, figures = run.code, run.out, run.figures
    assert figures["bench"] == "chaos"
    assert (figures["worker_kills"], figures["restate_restarts"]) == (3, 1)  # the faults happened
    assert figures["tasks"] == 24, out[-3000:]
    assert (figures["tasks_lost"], figures["side_effects_repeated"], figures["approvals_lost"]) == (0, 0, 0), out
    assert figures["undecided_cards"] == 0
    assert code == 0
    assert "tasks lost" in out and "deliveries absorbed" in out
