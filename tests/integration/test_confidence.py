"""Confidence and reversibility decide, upward only, through the real stack: restate-server, the worker, the bot and
the sandbox. The test model states the confidence a request names (`[act:NAME:TOOL@0.3]`); `tag_service` is a
medium write that can be undone, `restart_service` a high one."""

from __future__ import annotations

import json

import pytest

from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from tests.integration.flows import attach
from tests.integration.harness import Stack
from tests.integration.test_approvals import APPROVE, audit_rows, click, executions, request_action, wait_card

pytestmark = pytest.mark.integration


async def trace_summary_of(stack: Stack, thread_ts: str) -> str:
    def posted(state: SandboxState) -> Message | None:
        return next((m for m in state.thread("C0OPS", thread_ts) if "task_details" in json.dumps(m.blocks)), None)

    message: Message = await stack.sandbox.wait_for(posted, timeout=15)
    return json.dumps(message.blocks)


async def test_low_confidence_raises_a_medium_write_to_high_and_the_card_says_why(
    stack: Stack, probe_name: str
) -> None:
    task_id = await request_action(stack, probe_name, "tag_service@0.3")

    card = await wait_card(stack, probe_name)
    shown = json.dumps(card.blocks)
    assert executions(stack, probe_name) == 0  # medium would have run at once: it waits for a person
    assert "High risk" in shown
    assert "*Agent confidence*\\n30%" in shown
    assert f"Agent: Test: tag_service on {probe_name} at confidence 0.3." in shown
    assert "for a write that can be undone, the policy's confidence matrix raises the risk from medium to high" in shown
    assert "_opsgate_" not in shown  # the card's arguments are the tool's own
    await click(stack, "U0BOB", card, APPROVE)
    outcome = await attach(stack, task_id)

    assert outcome["phase"] == "done", outcome
    assert executions(stack, probe_name) == 1
    requested, executed = (row for row in audit_rows(stack, task_id) if row.event in ("requested", "executed"))
    asked, ran = json.loads(requested.detail), json.loads(executed.detail)
    assert (ran["tier"], ran["action_hash"]) == ("high", asked["action_hash"])
    summary = await trace_summary_of(stack, outcome["thread_ts"])
    assert "`tag_service` approved by <@U0BOB>" in summary
    assert "high, raised from medium: agent confidence 30%" in summary


async def test_high_confidence_lowers_nothing(stack: Stack, probe_name: str) -> None:
    confident = await request_action(stack, probe_name, "tag_service@0.95")
    outcome = await attach(stack, confident)

    assert outcome["phase"] == "done", outcome
    assert executions(stack, probe_name) == 1  # a medium write with a confident agent: it ran at once, and is logged
    thread = stack.sandbox.state.thread("C0OPS", outcome["thread_ts"])
    assert any(m.text.startswith(":memo: Running `tag_service` (medium risk)") for m in thread)

    sure = f"{probe_name}-sure"
    high = await request_action(stack, sure, "restart_service@1.0")
    card = await wait_card(stack, sure)
    shown = json.dumps(card.blocks)
    assert executions(stack, sure) == 0  # high stays high: a card, whatever the agent says
    assert "High risk" in shown and "*Agent confidence*\\n100%" in shown
    await click(stack, "U0CAROL", card, APPROVE)
    assert (await attach(stack, high))["phase"] == "done"
    assert executions(stack, sure) == 1


async def test_a_write_that_states_no_confidence_counts_as_low(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "tag_service@none")

    card = await wait_card(stack, probe_name)
    shown = json.dumps(card.blocks)
    assert "*Agent confidence*\\nnot stated (counts as low)" in shown
    assert "The agent stated no confidence, which counts as low" in shown
    await click(stack, "U0BOB", card, APPROVE)
    assert (await attach(stack, task_id))["phase"] == "done"
    assert executions(stack, probe_name) == 1
