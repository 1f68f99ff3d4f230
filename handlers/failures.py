"""Failures as Slack sees them: a generic line with a short error id; the detail goes to the log and the trace.

The text of a failed step (a tool's exception, the model provider's, Slack's, the database's) may name hosts, SQL,
stack details or secrets, and a thread is read by everyone in its channel. The id derives from the invocation id and
the step's name, both journaled, so a replay shows the same id and an operator finds the detail by searching the
worker's log (or the trace) for it. Texts written for people (refusals, approval outcomes) do not come here.
"""

from __future__ import annotations

import hashlib

__all__ = ["PUBLIC_CAUSES", "error_id_for", "failure_text", "logged_detail"]

PUBLIC_CAUSES = ("the model is unavailable", "the model refused the request")
"""Openings of failure messages that opsgate writes itself (`model_failure`): shown, without what follows."""
_UNKNOWN_CAUSE = "a step could not be completed"


def error_id_for(invocation_id: str, step: str) -> str:
    """`e-` and 10 hex digits of sha256(invocation id, step): short enough to read out, the same on every replay."""
    return "e-" + hashlib.sha256(f"{invocation_id}\n{step}".encode()).hexdigest()[:10]


def failure_text(what: str, message: str, error_id: str) -> str:
    """ "The task failed: the model is unavailable. Error id `e-…`; …": the cause only when opsgate wrote it."""
    cause = next((cause for cause in PUBLIC_CAUSES if message.startswith(cause)), _UNKNOWN_CAUSE)
    return f"{what}: {cause}. Error id `{error_id}`; the details are in opsgate's log."


def logged_detail(message: str, error_id: str) -> str:
    """The full message as the log and the trace keep it, findable by the id shown in Slack."""
    return f"[{error_id}] {message}"
