"""The gate's wait for a person's decision, read from the Approval object, never from whoever wakes the task.

The awakeable only wakes the gate: anyone who reaches Restate's ingress with its id can resolve it, so its payload
is never read. A wake-up the object does not confirm (no final outcome for this very action) is audited as forged,
and the gate waits again on a new awakeable that the object alone is told about. After `MAX_FORGED_WAKEUPS` of those
it stops listening for wake-ups and asks the object on durable timers: an attacker who floods wake-ups costs the
approval some latency, never its decision.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import restate
from pydantic import ValidationError
from restate import RestateDurableFuture
from restate.serde import BytesSerde

from agents.messages import ToolUseBlock
from handlers.contracts import (
    APPROVAL_CANCEL,
    APPROVAL_OBJECT,
    APPROVAL_OUTCOME,
    APPROVAL_REWAIT,
    ApprovalOutcome,
    ApprovalStatus,
)
from handlers.deps import AuditWriter
from handlers.gate_decision import GateReview
from handlers.steps import SERVER_RETRY

__all__ = ["MAX_FORGED_WAKEUPS", "POLL_CEILING", "POLL_FIRST", "POLL_LIMIT", "ApprovalWait"]

log = logging.getLogger(__name__)

MAX_FORGED_WAKEUPS = 20
"""Wake-ups the Approval object does not confirm before the gate stops listening for wake-ups on that approval
(anyone who reaches the ingress can send them) and asks the object itself, on durable timers, instead."""
POLL_FIRST = timedelta(seconds=1)
POLL_CEILING = timedelta(minutes=1)
POLL_LIMIT = 8 * 24 * 60
"""Asks of the object after that: at the one-minute ceiling, eight days, longer than any approval's expiry the
object ends the wait by (an approval expires by its own timer, and the ask after that reads it expired)."""


class ApprovalWait:
    """The waits of one task's gate: `decision` for an approval or an outcome question it opened."""

    def __init__(self, ctx: restate.Context, audit: AuditWriter, task_id: str) -> None:
        self._ctx = ctx
        self._audit = audit
        self._task_id = task_id

    async def decision(
        self, call: ToolUseBlock, review: GateReview, approval_id: str, wake_up: RestateDurableFuture[bytes]
    ) -> ApprovalOutcome:
        """The approval's decision, as the Approval object states it (see the module's docstring)."""
        for attempt in range(1, MAX_FORGED_WAKEUPS + 1):
            await wake_up
            if (stated := await self._stated(review, approval_id)) is not None:
                return stated
            await self._audit_forged(call, approval_id, attempt)
            if attempt == MAX_FORGED_WAKEUPS:
                break
            awakeable_id, wake_up = self._ctx.awakeable(serde=BytesSerde())
            self._ctx.generic_send(APPROVAL_OBJECT, APPROVAL_REWAIT, json.dumps(awakeable_id).encode(), key=approval_id)
        # Woken too often by someone else: nothing they send is listened to any more. The decision stays the
        # people's; the gate asks the object on durable timers until it is final (at worst, its own expiry).
        log.warning("task %s: approval %s is read on timers from now on", self._task_id, approval_id)
        delay = POLL_FIRST
        for _ in range(POLL_LIMIT):
            await self._ctx.sleep(delay)
            if (stated := await self._stated(review, approval_id)) is not None:
                return stated
            delay = min(delay * 2, POLL_CEILING)
        self._ctx.generic_send(APPROVAL_OBJECT, APPROVAL_CANCEL, b'"opsgate"', key=approval_id)
        reason = "the approval was not decided within eight days"
        return ApprovalOutcome(status=ApprovalStatus.CANCELLED, reason=reason, action_hash=review.action_hash)

    async def _stated(self, review: GateReview, approval_id: str) -> ApprovalOutcome | None:
        """The object's final outcome for this very action, or None (none yet, or one for another action)."""
        raw = await self._ctx.generic_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, b"null", key=approval_id)
        try:
            stated = ApprovalOutcome.model_validate_json(raw) if raw and raw != b"null" else None
        except ValidationError:
            return None
        if stated is not None and stated.status.final and stated.action_hash == review.action_hash:
            return stated
        return None

    async def _audit_forged(self, call: ToolUseBlock, approval_id: str, attempt: int) -> None:
        task_id = self._task_id
        detail: dict[str, object] = {"approval_id": approval_id, "tool": call.name, "what": "awakeable resolved"}

        async def write() -> None:
            log.warning("task %s: a wake-up of approval %s did not come from the approval", task_id, approval_id)
            await asyncio.to_thread(self._audit, task_id, "forged", f"{approval_id}:forged:{attempt}", None, detail)

        await self._ctx.run_typed(f"audit: forged wake-up {approval_id} #{attempt}", write, SERVER_RETRY.options())
