"""A task cancelled while its approval waits still leaves the approval's span (outcome cancelled), so the trace
summary and the Details modal show what the task was waiting for when it was stopped."""

from __future__ import annotations

import json

import pytest

from bot.reports import DETAILS_ACTION
from handlers.contracts import task_id_for
from handlers.span_summaries import SpanSummaryStore
from tests.integration.flows import wait_for_lines
from tests.integration.harness import Stack
from tests.integration.test_approvals import request_action, wait_card

pytestmark = pytest.mark.integration


async def test_a_task_cancelled_while_its_approval_waits_leaves_a_cancelled_approval_span(
    stack: Stack, probe_name: str
) -> None:
    task_id = await request_action(stack, probe_name, "restart_service", user="U0ALICE")
    card = await wait_card(stack, probe_name)
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"cancel {task_id}")
    assert reply.ack_message is not None and "Cancelling" in reply.ack_message["text"], reply

    # The trace summary is posted after every span of the task is stored: it is the moment to look.
    summary = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.thread("C0OPS", card.thread_ts or "") if DETAILS_ACTION in json.dumps(m.blocks)), None
        ),
        timeout=30,
    )
    approvals = [row for row in SpanSummaryStore(stack.store.engine).rows(task_id) if row.kind == "approval"]
    assert [(row.name, row.tool, row.outcome) for row in approvals] == [
        ("approval restart_service", "restart_service", "cancelled")
    ]
    assert approvals[0].tier == "high"
    assert "`restart_service` cancelled after" in json.dumps(summary.blocks)


async def test_every_approval_withdrawn_by_a_cancel_leaves_its_span(stack: Stack, probe_name: str) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[multi:{probe_name}] restart both and show staging"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    card = await wait_card(stack, f"{probe_name}-a")
    await wait_card(stack, f"{probe_name}-b")
    await wait_for_lines(stack, probe_name, "model", 1)  # both wait: the first concluded, the second deferred behind it
    cancel = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"cancel {task_id}")
    assert cancel.ack_message is not None and "Cancelling" in cancel.ack_message["text"], cancel

    await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.thread("C0OPS", card.thread_ts or "") if DETAILS_ACTION in json.dumps(m.blocks)), None
        ),
        timeout=30,
    )
    approvals = [row for row in SpanSummaryStore(stack.store.engine).rows(task_id) if row.kind == "approval"]
    assert sorted((row.tool, row.outcome) for row in approvals) == [("restart_service", "cancelled")] * 2
    assert len({row.span_id for row in approvals}) == 2
