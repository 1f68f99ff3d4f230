"""A specialist's report reaching its lead says what was cut from it, and how much."""

from __future__ import annotations

import json

import pytest

from agents.context.salience import clip_noted
from agents.team import ARTIFACT_CHARS, ERROR_CHARS, SUMMARY_CHARS, AgentResult, Artifact, error_line, render_results

LONG = "".join(f"line {i}: pod api-{i} restarted after OOMKilled\n" for i in range(600))


def test_a_long_summary_reaches_the_lead_cut_with_a_note_of_how_much_was_cut() -> None:
    result = AgentResult(task_id="t.1.1", agent="ops", status="done", summary=LONG)
    [shown] = json.loads(render_results([result]))["results"]
    summary = shown["summary"]
    assert len(summary) <= SUMMARY_CHARS
    head, note = summary.rsplit("\n", 1)
    assert LONG.startswith(head)
    assert note == f"[cut: {len(LONG) - len(head):,} more characters]"
    assert len(LONG) - len(head) > 10_000  # the figure is printed with a thousands separator


def test_more_than_ten_errors_say_how_many_were_left_out_and_short_reports_are_untouched() -> None:
    errors = [f"restart_pod: api-{i} not found" for i in range(13)]
    busy = AgentResult(task_id="t.1.1", agent="ops", status="failed", summary="3 restarts failed", errors=errors)
    calm = AgentResult(task_id="t.1.2", agent="data", status="done", summary="all fine", errors=["q: slow"])
    first, second = json.loads(render_results([busy, calm]))["results"]
    assert first["errors"] == [*errors[:10], "[cut: 3 more errors]"]
    assert first["summary"] == "3 restarts failed"
    assert second == {
        "task_id": "t.1.2",
        "agent": "data",
        "status": "done",
        "summary": "all fine",
        "errors": ["q: slow"],
    }


def test_artifacts_and_error_lines_are_cut_with_a_note_too() -> None:
    artifact = Artifact.of("get_logs (toolu_1)", LONG)
    assert len(artifact.content) <= ARTIFACT_CHARS
    assert artifact.content.endswith(f"[cut: {len(LONG) - artifact.content.rindex(chr(10)):,} more characters]")
    assert Artifact.of("get_logs (toolu_2)", "short").content == "short"
    line = error_line("restart_pod", LONG)
    assert line.startswith("restart_pod: line 0:") and len(line) <= len("restart_pod: ") + ERROR_CHARS
    assert "more characters]" in line


@pytest.mark.parametrize("limit", [40, 300, 2_000])
@pytest.mark.parametrize("size", [0, 39, 40, 41, 299, 5_000, 123_456])
def test_clip_noted_keeps_the_limit_and_its_count_adds_up(limit: int, size: int) -> None:
    text = ("abcdefghij" * (size // 10 + 1))[:size]
    clipped = clip_noted(text, limit)
    assert len(clipped) <= limit
    if size <= limit:
        assert clipped == text
        return
    head, note = clipped.rsplit("\n", 1)
    assert text.startswith(head)
    assert len(head) + int(note.removeprefix("[cut: ").removesuffix(" more characters]").replace(",", "")) == size
