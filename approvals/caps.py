"""Caps per task on what approvals cost people: cards waiting at once, and user-group pings.

A task (or a model looping) could otherwise open approval after approval, each card pinging a whole group. Past
the caps, a further high-risk call is refused to the model until some are decided, and later cards and reminders
name the group without pinging it. Counted per task, across the lead and every specialist: each gate reserves a
slot on the task's root object (`handlers.task_root`) before it opens an approval and releases it once decided.
"""

from __future__ import annotations

__all__ = ["GROUP_PINGS_PER_TASK", "MAX_PENDING_APPROVALS", "pending_refusal", "pings_groups"]

MAX_PENDING_APPROVALS = 5
"""Approvals of one task waiting on people at once."""
GROUP_PINGS_PER_TASK = 3
"""Approvals of one task whose card, reminder and escalation ping a user group; later ones name it only."""


def pending_refusal(pending: int, limit: int = MAX_PENDING_APPROVALS) -> str | None:
    """Why one more approval may not be asked for while `pending` wait, for the model; None while under the cap."""
    if pending < limit:
        return None
    return (
        f"Not requested: {pending} approvals of this task are already waiting on people, and at most {limit} may "
        "wait at once. This action has NOT run. Finish your turn without more actions that need approval; you "
        "will be told the outcomes, and may propose it again then."
    )


def pings_groups(ordinal: int, limit: int = GROUP_PINGS_PER_TASK) -> bool:
    """Whether the task's `ordinal`-th approval (1, 2, 3…) pings user groups, or names them without a ping."""
    return ordinal <= limit
