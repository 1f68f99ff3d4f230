"""The guard's goals table marks each goal met or not from the run's figures, in the direction the goal points."""

from __future__ import annotations

from typing import Any

from testkit.guard_goals import goals, render_goals


def _figures(**changes: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "chatops_heldout": {"recall": 0.91, "fp_requests": 0.02},
        "cross_source": {
            "recall": {"garak/direct": 0.59},
            "false_positives": {"garak/benign": 0.021, "nlu_eval/benign": 0.0},
        },
        "pii": {"EMAIL": {"recall": 1.0}, "PHONE": {"recall": 0.89}},
        "p99_us_4KB_rules": 999.0,
        "p99_us_4KB_detector": 500.0,
        "p99_us_4KB": 1_400.0,
    }
    figures.update(changes)
    return figures


def test_each_goal_is_judged_in_its_direction() -> None:
    met = {row.measure: row.met for row in goals(_figures())}
    assert met == {
        "recall, held-out chat-ops injections (requests and tool output)": True,
        "recall, hijacking attacks (garak/direct, cross-source)": False,
        "false positives, benign prompts with trigger words (garak/benign, cross-source)": False,
        "false positives, held-out chat-ops requests": True,  # ≤ 2 %: the boundary counts
        "false positives, assistant intents (nlu_eval, cross-source)": True,
        "personal data found (Presidio synthetic), lowest recall of a type": False,
        "p99 µs at 4 KB, rules alone": True,
        "p99 µs at 4 KB, learned detector alone": False,  # < 0.5 ms: the boundary does not
        "p99 µs at 4 KB, rules and detector (the ack path)": True,
    }


def test_the_fresh_set_is_a_row_only_when_measured() -> None:
    assert not any("fresh" in row.measure for row in goals(_figures()))
    rows = goals(_figures(chatops_fresh={"recall": 0.5}))
    fresh = [row for row in rows if "fresh" in row.measure]
    assert [(row.value, row.met) for row in fresh] == [(0.5, False)]
    table = render_goals(rows)
    assert any("fresh" in line and line.endswith("no") for line in table)
    assert any("2.0%" in line and "≤" in line for line in table)
