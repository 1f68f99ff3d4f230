"""The agent team on the real restate-server: an orchestrator hands typed subtasks to specialists, which run as
their own durable invocations, in parallel, each with a budget for its own work."""

from __future__ import annotations

import asyncio
import json

import pytest

from handlers.contracts import task_id_for
from tests.integration.flows import attach, wait_for_lines
from tests.integration.harness import Stack

pytestmark = pytest.mark.integration


async def test_an_orchestrated_request_fans_out_to_two_specialists_in_parallel(stack: Stack, probe_name: str) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[team:{probe_name}] restart api if the runbook says so"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    outcome = await attach(stack, task_id, timeout=60)

    assert outcome["phase"] == "done"
    answer = outcome["answer"]
    assert answer.startswith("synthesis: ")
    results = json.loads(answer.removeprefix("synthesis: "))["results"]
    # The rendezvous tool only returns once both specialists are inside it: they ran at the same time.
    assert [(r["agent"], r["status"], r["summary"]) for r in results] == [
        ("research", "done", "specialist got: met the other specialist"),
        ("data", "done", "specialist got: met the other specialist"),
    ]
    assert [r["task_id"] for r in results] == [f"{task_id}.1.1", f"{task_id}.1.2"]
    assert len(stack.probe_lines(probe_name, "arrive")) == 2
    thread = stack.sandbox.state.thread("C0OPS", outcome["thread_ts"])
    handoff = next(m.text for m in thread if m.text.startswith("Handing off"))
    assert "*research*: [meet:" in handoff and "*data*: [meet:" in handoff


async def test_a_specialist_past_its_work_budget_stops_between_steps_and_is_never_cancelled(
    stack: Stack, probe_name: str
) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[team:{probe_name}:5] look this up"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    try:
        await wait_for_lines(stack, probe_name, "tool", 1, timeout=30)
        await asyncio.sleep(6)  # the probe's one step outlives the specialist's 5 s budget
    finally:
        (stack.probe_dir / f"{probe_name}.release").touch()
    outcome = await attach(stack, task_id, timeout=60)
    [result] = json.loads(outcome["answer"].removeprefix("synthesis: "))["results"]
    # The step in flight finished (nothing cancels a specialist on a timer); the budget stopped it before its
    # next model turn, and it said so.
    assert result["status"] == "timed_out"
    assert "work budget of 5 s" in result["summary"]
    assert len(stack.probe_lines(probe_name, "tool")) == 1
    assert outcome["phase"] == "done"  # the orchestrator was told and answered; nothing hangs
