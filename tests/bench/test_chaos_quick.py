"""`python -m bench.chaos --quick` in process: tasks with approvals through worker SIGKILLs and a restate restart."""

from __future__ import annotations

import json

import pytest

from bench import chaos

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(420)
def test_quick_chaos_loses_and_repeats_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code = chaos.main(["--quick"])
    out = capsys.readouterr().out
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["bench"] == "chaos"
    assert (figures["worker_kills"], figures["restate_restarts"]) == (3, 1)  # the faults happened
    assert figures["tasks"] == 24, out[-3000:]
    assert (figures["tasks_lost"], figures["side_effects_repeated"], figures["approvals_lost"]) == (0, 0, 0), out
    assert figures["undecided_cards"] == 0
    assert code == 0
    assert "tasks lost" in out and "deliveries absorbed" in out
