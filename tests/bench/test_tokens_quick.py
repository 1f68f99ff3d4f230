"""`python -m bench.tokens --quick`: the figures line, the saving, the cache, and the task's outcome."""

from __future__ import annotations

import asyncio

import pytest

from testkit.tokens_run import Run, measure
from testkit.tokens_scenario import FACTS, QUICK_TURNS
from tests.bench.runs import run_bench

KEYS = {
    "bench",
    "turns",
    "tokens_managed",
    "tokens_naive",
    "ratio",
    "cached_share",
    "cached_share_naive",
    "task_ok_managed",
    "task_ok_naive",
}


@pytest.fixture(scope="module")
def quick_run() -> tuple[Run, Run]:
    return asyncio.run(measure(QUICK_TURNS))


def test_quick_run_ends_with_its_figures_and_its_exit_code_follows_the_task() -> None:
    run = run_bench("tokens", "--quick", "--verbose", timeout=120)
    code, figures = run.code, run.figures
    assert figures.keys() >= KEYS, sorted(KEYS - figures.keys())
    assert figures["bench"] == "tokens"
    assert figures["turns"] == QUICK_TURNS
    assert all(isinstance(figures[key], bool) for key in ("task_ok_managed", "task_ok_naive"))
    assert code == (0 if figures["task_ok_managed"] else 1)


def test_the_manager_sends_fewer_tokens_than_naive_and_reads_from_the_cache(
    quick_run: tuple[Run, Run],
) -> None:
    managed, naive = quick_run
    assert len(managed.usages) == len(naive.usages) == QUICK_TURNS
    assert managed.tokens < naive.tokens
    assert managed.cached_share > 0


def test_the_naive_run_answers_with_every_fact(quick_run: tuple[Run, Run]) -> None:
    """The scenario is solvable: with the whole history in each request, the answer states every planted fact."""
    _, naive = quick_run
    assert naive.task_ok, naive.answer
    assert all(value in naive.answer for value in FACTS.values())


def test_the_managed_run_answers_with_every_fact(quick_run: tuple[Run, Run]) -> None:
    managed, _ = quick_run
    assert managed.task_ok, f"missing {managed.missing}:\n{managed.answer}"
