"""Block Kit for what people see of a task; kept within Slack's limits (see NOTES: section text 3000).

The request and the status detail are escaped here (agents.slack_text); a thread reply arrives composed, its
untrusted parts escaped where the worker put them in.
"""

from __future__ import annotations

from typing import Any

from agents.slack_text import escape, inline_code, mention, quote
from handlers.contracts import TaskPhase, TaskView

__all__ = ["CANCEL_ACTION", "RETRY_ACTION", "SECTION_LIMIT", "clip", "reply_blocks", "root_blocks"]

SECTION_LIMIT = 3000
CANCEL_ACTION = "task_cancel"
RETRY_ACTION = "task_retry"
_RUNNING = {TaskPhase.QUEUED, TaskPhase.PLANNING, TaskPhase.RUNNING, TaskPhase.WAITING_APPROVAL}
_RETRYABLE = {TaskPhase.FAILED, TaskPhase.CANCELLED}
_PHASE = {
    TaskPhase.QUEUED: (":hourglass_flowing_sand:", "Queued"),
    TaskPhase.PLANNING: (":thinking_face:", "Planning"),
    TaskPhase.RUNNING: (":gear:", "Running"),
    TaskPhase.WAITING_APPROVAL: (":raised_hand:", "Waiting for approval"),
    TaskPhase.DONE: (":white_check_mark:", "Done"),
    TaskPhase.FAILED: (":x:", "Failed"),
    TaskPhase.CANCELLED: (":no_entry_sign:", "Cancelled"),
}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def root_blocks(view: TaskView) -> tuple[str, list[dict[str, Any]]]:
    emoji, label = _PHASE[view.phase]
    status = f"{emoji} *{label}*"
    if view.phase in (TaskPhase.PLANNING, TaskPhase.RUNNING) and view.max_steps:
        status += f" · step {view.step}/{view.max_steps}"
    if view.detail:  # worker-composed around the model's tool name: its backticks kept, no `<…>` or fence live
        status += f" · {escape(view.detail)}"
    fallback = f"{label}: {escape(view.request, 3000 - len(label) - 2)}"
    requested = f"requested by {mention(view.requester)} · task {inline_code(view.task_id)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": quote(view.request, SECTION_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(status, SECTION_LIMIT)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": requested}]},
    ]
    # Slash commands do not work inside threads: the root carries what one can do about the task.
    if view.phase in _RUNNING:
        blocks.append(_actions(_button("Cancel", CANCEL_ACTION, view.task_id, "danger", confirm=True)))
    elif view.phase in _RETRYABLE:
        blocks.append(_actions(_button("Retry", RETRY_ACTION, view.task_id, "primary")))
    return fallback, blocks


def _actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def _button(text: str, action_id: str, value: str, style: str, *, confirm: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
        "style": style,
    }
    if confirm:
        button["confirm"] = {
            "title": {"type": "plain_text", "text": "Cancel this task?"},
            "text": {"type": "mrkdwn", "text": "Its pending approvals are withdrawn; actions that ran stay done."},
            "confirm": {"type": "plain_text", "text": "Cancel the task"},
            "deny": {"type": "plain_text", "text": "Keep it running"},
        }
    return button


def reply_blocks(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A long answer split over several sections, each within the section limit; `text` arrives escaped."""
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, min(len(text), SECTION_LIMIT * 10), SECTION_LIMIT)]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks or [" "]]
    return clip(text, 3000), blocks
