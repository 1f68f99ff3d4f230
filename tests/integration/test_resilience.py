"""The invariants under failure: Restate down, worker killed mid-step, restate-server restarted mid-task."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest

from bot.cards import OUTCOME_HAPPENED_ACTION
from handlers.contracts import TaskPhase, task_id_for
from tests.integration.flows import attach, wait_for_lines
from tests.integration.harness import Stack
from tests.integration.test_approvals import click
from tests.integration.test_outcomes import wait_card_with

pytestmark = pytest.mark.integration


async def test_ops_answers_within_3s_when_restate_is_stopped(own_stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        ready = await client.get(f"http://127.0.0.1:{own_stack.bot.port}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"ready": True, "checks": {"restate": "ok", "database": "ok", "slack": "ok"}}
        worker_ready = await client.get(f"{own_stack.worker.url}/readyz")
        assert worker_ready.status_code == 200 and worker_ready.json()["checks"] == {"database": "ok"}
    own_stack.restate.stop()
    async with httpx.AsyncClient(timeout=10) as client:  # not ready, said in bounded time; still alive
        not_ready = await client.get(f"http://127.0.0.1:{own_stack.bot.port}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json() == {"ready": False, "checks": {"restate": "fail", "database": "ok", "slack": "ok"}}
        assert (await client.get(f"http://127.0.0.1:{own_stack.bot.port}/healthz")).status_code == 200
    started = time.monotonic()
    reply = await own_stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
    )
    elapsed = time.monotonic() - started
    assert reply.status == 200
    assert "could not accept" in reply.ack_message["text"] and "safe to send it again" in reply.ack_message["text"]
    assert elapsed < 3.0


async def test_ops_answers_within_3s_when_restate_hangs(own_stack: Stack) -> None:
    """A Restate that accepts connections but never answers must not hold the ack past Slack's 3 s."""
    own_stack.restate.stop()
    with socket.socket() as hang:
        hang.bind(("127.0.0.1", own_stack.restate.ports.ingress))
        hang.listen(64)
        started = time.monotonic()
        reply = await own_stack.sandbox.send_slash_command(
            user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
        )
        elapsed = time.monotonic() - started
    assert reply.status == 200
    assert "could not confirm" in reply.ack_message["text"]
    assert elapsed < 3.0


@pytest.mark.slow
async def test_worker_killed_mid_step_resumes_without_repeating_completed_steps(
    own_stack: Stack, probe_name: str
) -> None:
    reply = await own_stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[probe:{probe_name}] run the probe"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await wait_for_lines(own_stack, probe_name, "tool", 1)
    await own_stack.restart_worker()
    own_stack.release(probe_name)
    outcome = await attach(own_stack, task_id)
    assert outcome["phase"] == "done"
    assert own_stack.probe_lines(probe_name, "model") == ["turn 1", "turn 2"]  # each model call ran once
    assert 1 <= len(own_stack.probe_lines(probe_name, "tool")) <= 2  # the interrupted step at most twice
    record = own_stack.store.get(task_id)
    assert record is not None and record.status == TaskPhase.DONE


@pytest.mark.slow
async def test_restate_server_restarted_mid_task_completes(own_stack: Stack, probe_name: str) -> None:
    reply = await own_stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[probe:{probe_name}] run the probe"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await wait_for_lines(own_stack, probe_name, "tool", 1)
    await asyncio.to_thread(own_stack.restate.stop)
    await asyncio.to_thread(own_stack.restate.start)
    own_stack.release(probe_name)
    outcome = await attach(own_stack, task_id)
    assert outcome["phase"] == "done"
    assert own_stack.probe_lines(probe_name, "model") == ["turn 1", "turn 2"]
    assert 1 <= len(own_stack.probe_lines(probe_name, "tool")) <= 2


async def test_health_endpoint(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{stack.bot.port}/healthz")
    assert response.status_code == 200


async def test_overloaded_model_is_retried_by_restate_and_the_task_completes(stack: Stack, probe_name: str) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[flaky:{probe_name}:2] summarize the incidents"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert outcome["answer"] == "recovered after the model was overloaded"
    assert stack.probe_lines(probe_name, "model") == ["attempt"] * 3  # two failures, one success, no more


async def test_model_that_refuses_the_key_fails_the_task_visibly(stack: Stack, probe_name: str) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[down:{probe_name}] summarize the incidents"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "failed"
    assert stack.probe_lines(probe_name, "model") == ["attempt"]  # a final error is not retried
    thread_ts = outcome["thread_ts"]
    replies = [m.text for m in stack.sandbox.state.thread("C0OPS", thread_ts) if m.ts != thread_ts]
    [failure] = [text for text in replies if text.startswith("The task failed")]
    assert failure.startswith("The task failed: the model is unavailable. Error id `e-"), failure
    assert "x-api-key" not in failure, "the provider's words go to the log, not to the channel"
    error_id = failure.split("`")[1]
    logged = [line for line in stack.worker.log_file.read_text().splitlines() if f"[{error_id}]" in line]
    assert any("invalid x-api-key" in line for line in logged), logged
    root = stack.sandbox.state.find_message("C0OPS", thread_ts)
    assert root is not None
    assert "*Failed*" in str(root.blocks)
    record = stack.store.get(task_id)
    assert record is not None
    assert record.status == TaskPhase.FAILED


async def test_slack_rate_limits_are_waited_out_and_every_task_finishes(stack: Stack) -> None:
    """Slack answers 429 with Retry-After; the Slack steps retry after it instead of failing or spinning."""
    stack.sandbox.set_rate_limit(True)
    try:
        replies = [
            await stack.sandbox.send_slash_command(
                user_id="U0CAROL", channel_id="C0DEPLOY", text=f"what services are running in staging? ({n})"
            )
            for n in range(4)
        ]
        outcomes = [await attach(stack, task_id_for("T0SANDBOX", r.trigger_id), timeout=60) for r in replies]
    finally:
        stack.sandbox.set_rate_limit(False)
    assert [o["phase"] for o in outcomes] == ["done"] * 4
    assert stack.sandbox.state.rate_limited.get("C0DEPLOY", 0) > 0  # the limit really was hit
    roots = [m for m in stack.sandbox.state.messages_in("C0DEPLOY") if m.thread_ts in (None, m.ts)]
    assert len(roots) >= 4


@pytest.mark.slow
async def test_interrupted_at_most_once_call_is_not_repeated_but_reported(own_stack: Stack, probe_name: str) -> None:
    """A non-idempotent effect interrupted by a crash is never re-run: its outcome goes to a person instead (the
    requester, for this medium action), and the agent is told their answer."""
    reply = await own_stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[once:{probe_name}] run it once"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await wait_for_lines(own_stack, probe_name, "tool", 1)
    await own_stack.restart_worker()
    own_stack.release(probe_name)
    question = await wait_card_with(own_stack, probe_name, OUTCOME_HAPPENED_ACTION)
    assert "The worker stopped while the call was under way" in json.dumps(question.blocks)
    await click(own_stack, "U0ALICE", question, OUTCOME_HAPPENED_ACTION)
    outcome = await attach(own_stack, task_id)
    assert len(own_stack.probe_lines(probe_name, "tool")) == 1  # at most once, even across the crash
    assert "says the call to probe_once did happen" in outcome["answer"]
    thread = own_stack.sandbox.state.thread("C0OPS", outcome["thread_ts"])
    assert any("outcome is" in m.text and "unknown" in m.text for m in thread)
