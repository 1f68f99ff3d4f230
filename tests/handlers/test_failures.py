"""What Slack sees of a failed step: a generic line and an error id that finds the detail in the log."""

from __future__ import annotations

import pytest

from agents.tools import ToolResult
from handlers.failures import error_id_for, failure_text, logged_detail
from handlers.telemetry_attributes import tool_error_notice

LEAKY = "connection to db-prod-3.internal:5432 failed: SELECT * FROM users; password=hunter2 Traceback (most recent"


def test_the_error_id_is_short_and_derived_from_the_invocation_and_the_step() -> None:
    error_id = error_id_for("inv_1abc", "task: failed")

    assert error_id == error_id_for("inv_1abc", "task: failed"), "a replay shows the same id"
    assert error_id.startswith("e-") and len(error_id) == 12
    assert error_id != error_id_for("inv_1abd", "task: failed")
    assert error_id != error_id_for("inv_1abc", "tool: kubectl_get (toolu_1)")
    assert logged_detail(LEAKY, error_id) == f"[{error_id}] {LEAKY}", "the log line carries the id and all of it"


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (LEAKY, "The task failed: a step could not be completed. Error id `e-0123456789`; "),
        (
            "the model is unavailable: Claude is overloaded at api-7.internal",
            "The task failed: the model is unavailable.",
        ),
        (
            "the model refused the request: spend limit of org-42 reached",
            "The task failed: the model refused the request.",
        ),
        ("failed 3 times: the model is unavailable", "The task failed: a step could not be completed."),
    ],
)
def test_the_failure_text_names_only_causes_opsgate_wrote(message: str, shown: str) -> None:
    text = failure_text("The task failed", message, "e-0123456789")

    assert text.startswith(shown)
    assert text.endswith("Error id `e-0123456789`; the details are in opsgate's log.")
    for secret in ("db-prod-3", "SELECT", "hunter2", "Traceback", "api-7", "org-42", "failed 3 times"):
        assert secret not in text


@pytest.mark.parametrize("kind", ["arguments", "unavailable", "internal", "unknown_outcome", None])
def test_tool_error_lines_show_the_id_and_never_the_tools_words(kind: str | None) -> None:
    result = ToolResult(content=LEAKY, is_error=True, error_kind=kind)  # type: ignore[arg-type]

    notice = tool_error_notice("run_sql", result, "e-0123456789")

    assert "`run_sql`" in notice
    assert "Error id `e-0123456789`" in notice
    assert not any(leak in notice for leak in ("db-prod-3", "SELECT", "hunter2", "Traceback"))
