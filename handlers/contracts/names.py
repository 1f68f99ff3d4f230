"""Every Restate service and handler name opsgate registers, in one place.

The worker registers each handler with `name=` one of these constants, and every caller (the bot's client, the
worker's calls to itself, the tests) addresses it through the same constant, so renaming a handler is one edit here
and a typo is a name error, not a click that fails in production. `SERVICES` lists each service's handlers; the
architecture test compares it with what the worker's services register.
"""

from __future__ import annotations

__all__ = [
    "AGENT_RUN",
    "AGENT_WORKER",
    "APPROVAL_ANSWER",
    "APPROVAL_CANCEL",
    "APPROVAL_EXPIRE",
    "APPROVAL_GET",
    "APPROVAL_OBJECT",
    "APPROVAL_OPEN",
    "APPROVAL_OUTCOME",
    "APPROVAL_REMIND",
    "APPROVAL_REWAIT",
    "APPROVAL_VOID",
    "APPROVAL_VOTE",
    "BREAKERS",
    "DIGEST_OBJECT",
    "DIGEST_POST",
    "FROZEN",
    "IS_FROZEN",
    "OPS_ALERT",
    "OPS_ALERT_NOTIFY",
    "PAUSED_ALERT",
    "PAUSED_NOTIFY",
    "SERVICES",
    "SET_FROZEN",
    "SWITCHES_KEY",
    "SWITCHES_OBJECT",
    "TASK_CANCEL",
    "TASK_DONE",
    "TASK_INFO",
    "TASK_ROOT",
    "TASK_ROOT_APPLY",
    "TASK_ROOT_RELEASE",
    "TASK_ROOT_RESERVE",
    "TASK_RUN",
    "TASK_WORKFLOW",
    "WORKER_HEALTH",
]

TASK_WORKFLOW = "TaskWorkflow"
TASK_RUN = "run"
TASK_INFO = "info"
"""The task as `/ops status <id>` shows it: verified."""
TASK_CANCEL = "cancel"
"""`/ops cancel` and the Cancel button: verified; the workflow cancels its own run."""
TASK_DONE = "done"
"""A follow-up's parent learns its child ended: ingress-private."""

AGENT_WORKER = "AgentWorker"
AGENT_RUN = "run"

TASK_ROOT = "TaskRoot"
TASK_ROOT_APPLY = "apply"
TASK_ROOT_RESERVE = "reserve"
"""A gate asks for one of the task's approval slots before it opens an approval: ingress-private."""
TASK_ROOT_RELEASE = "release"
"""A gate gives its slot back once the approval is decided: ingress-private."""

APPROVAL_OBJECT = "Approval"
APPROVAL_OPEN = "open"
"""The gate (or an outcome question) opens an approval: ingress-private."""
APPROVAL_VOTE = "vote"
"""A person's vote: verified (the bot's envelope names the voter)."""
APPROVAL_ANSWER = "answer"
"""A person's answer to an outcome question: verified (the bot's envelope names who answered)."""
APPROVAL_GET = "get"
"""The card as the bot shows it before a vote: verified."""
APPROVAL_OUTCOME = "outcome"
"""The decision as the waiting gate reads it after a wake-up: ingress-private."""
APPROVAL_REWAIT = "rewait"
"""The gate's new awakeable after a wake-up the object did not send: ingress-private."""
APPROVAL_REMIND = "remind"
APPROVAL_EXPIRE = "expire"
APPROVAL_CANCEL = "cancel"
APPROVAL_VOID = "void"
"""The gate found the action or its rule changed after approval: ingress-private."""

DIGEST_OBJECT = "Digest"
DIGEST_POST = "post"

WORKER_HEALTH = "WorkerHealth"
BREAKERS = "breakers"

SWITCHES_OBJECT = "Switches"
SWITCHES_KEY = "global"
SET_FROZEN = "set_frozen"
FROZEN = "frozen"
"""The switch as the bot reads it for `/ops freeze status`: verified."""
IS_FROZEN = "is_frozen"
"""The switch as the gate reads it: ingress-private."""

PAUSED_ALERT = "PausedAlert"
PAUSED_NOTIFY = "notify"
OPS_ALERT = "OpsAlert"
OPS_ALERT_NOTIFY = "notify"

SERVICES: dict[str, frozenset[str]] = {
    TASK_WORKFLOW: frozenset({TASK_RUN, TASK_INFO, TASK_CANCEL, TASK_DONE}),
    AGENT_WORKER: frozenset({AGENT_RUN}),
    TASK_ROOT: frozenset({TASK_ROOT_APPLY, TASK_ROOT_RESERVE, TASK_ROOT_RELEASE}),
    APPROVAL_OBJECT: frozenset(
        {
            APPROVAL_OPEN,
            APPROVAL_VOTE,
            APPROVAL_ANSWER,
            APPROVAL_GET,
            APPROVAL_OUTCOME,
            APPROVAL_REWAIT,
            APPROVAL_REMIND,
            APPROVAL_EXPIRE,
            APPROVAL_CANCEL,
            APPROVAL_VOID,
        }
    ),
    DIGEST_OBJECT: frozenset({DIGEST_POST}),
    WORKER_HEALTH: frozenset({BREAKERS}),
    SWITCHES_OBJECT: frozenset({SET_FROZEN, FROZEN, IS_FROZEN}),
    PAUSED_ALERT: frozenset({PAUSED_NOTIFY}),
    OPS_ALERT: frozenset({OPS_ALERT_NOTIFY}),
}
"""Every service the worker registers and the handlers each one has."""
