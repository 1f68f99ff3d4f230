"""Claude through the real `anthropic` SDK, the loopback Messages-API fake and the real Restate stack.

The worker subprocess builds its model as production does (`choose_model`: `ClaudeModel` behind `ResilientModel`
and the `model:anthropic` breaker), pointed at a fake started in this process. The fake's request log is the
ground truth for what reached the API: how many calls, and what they carried.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox
from handlers.contracts import TaskPhase, task_id_for
from testkit.fakes.messages_api import MessagesApiFake
from testkit.fakes.messages_script import Failure, text_reply, tool_use_reply
from tests.integration.flows import attach, wait_for_lines
from tests.integration.harness import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration

EPHEMERAL = {"type": "ephemeral"}


@pytest.fixture
async def fake() -> AsyncIterator[MessagesApiFake]:
    async with MessagesApiFake() as api:
        yield api


@pytest.fixture
async def claude_stack(tmp_path: Path, sandbox: Sandbox, fake: MessagesApiFake) -> AsyncIterator[Stack]:
    """A stack of its own whose worker talks to `fake` with the real SDK; a fresh worker, so a fresh breaker.

    Two attempts per call and a breaker that opens after two failures keep the overload test to one backoff.
    """
    previous_bot_url = sandbox.bot_url
    worker_env = {
        "OPSGATE_TEST_MODEL": "claude",
        "ANTHROPIC_API_KEY": "sk-ant-integration-test",  # any string: only the fake sees it
        "ANTHROPIC_BASE_URL": fake.base_url,
        "OPSGATE_MODEL_TIMEOUT": "10",
        "OPSGATE_MODEL_MAX_ATTEMPTS": "2",
        "OPSGATE_BREAKER_FAILURES": "2",
        "OPSGATE_BREAKER_COOLDOWN": "300",
    }
    private = await start_stack(tmp_path / "stack", sandbox, worker_env=worker_env)
    yield private
    await stop_stack(private)
    sandbox.bot_url = previous_bot_url


async def run_task(stack: Stack, text: str) -> dict[str, Any]:
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=text)
    assert reply.status == 200, reply
    return await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id))


def thread_replies(stack: Stack, thread_ts: str) -> list[str]:
    return [m.text for m in stack.sandbox.state.thread("C0OPS", thread_ts) if m.ts != thread_ts]


def assert_failed_visibly(stack: Stack, outcome: dict[str, Any], *needles: str) -> str:
    """The task ended failed: the root says *Failed*, the store agrees, and one thread reply holds every needle."""
    assert outcome["phase"] == "failed", outcome
    thread_ts = outcome["thread_ts"]
    replies = thread_replies(stack, thread_ts)
    failure = next((text for text in replies if text.startswith("The task failed")), None)
    assert failure is not None, replies
    for needle in needles:
        assert needle in failure, failure
    root = stack.sandbox.state.find_message("C0OPS", thread_ts)
    assert root is not None and "*Failed*" in str(root.blocks)
    record = stack.store.get(outcome["task_id"])
    assert record is not None and record.status == TaskPhase.FAILED
    return failure


def cache_markers(body: dict[str, Any]) -> list[str]:
    """Where the request carries `cache_control` markers: "system", "tools", "messages[i]"."""
    found = [name for name in ("system", "tools") if body.get(name) and body[name][-1].get("cache_control")]
    for index, message in enumerate(body.get("messages") or []):
        content = message["content"]
        if isinstance(content, list) and any(block.get("cache_control") == EPHEMERAL for block in content):
            found.append(f"messages[{index}]")
    return found


async def test_tool_use_through_restate_reaches_the_fake_with_tool_results_and_cache_markers(
    claude_stack: Stack, fake: MessagesApiFake
) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token's shape, split so scanners skip it
    fake.enqueue(
        tool_use_reply("list_services", {"environment": "staging"}, call_id="toolu_inv", text="Checking staging."),
        text_reply("Staging runs api and worker; api is on v2.15.0-rc.1."),
    )
    outcome = await run_task(claude_stack, f"which services run in staging? use {token} and tell jane.doe@example.com")

    assert outcome["phase"] == "done", outcome
    assert outcome["answer"] == "Staging runs api and worker; api is on v2.15.0-rc.1."
    assert any("api is on v2.15.0-rc.1" in text for text in thread_replies(claude_stack, outcome["thread_ts"]))

    first, second = fake.message_requests  # one call per turn, no more
    assert first.body["model"] == "claude-sonnet-4-6"
    assert first.system[0]["cache_control"] == EPHEMERAL
    assert any(tool["name"] == "list_services" for tool in first.tools)
    assert first.tools[-1]["cache_control"] == EPHEMERAL
    assert "system" in cache_markers(second.body) and "tools" in cache_markers(second.body)
    assert "messages[0]" in cache_markers(second.body)  # the request: the stable prefix of every turn

    assistant, results = second.messages[-2], second.messages[-1]
    assert assistant["role"] == "assistant"
    assert {"type": "tool_use", "id": "toolu_inv", "name": "list_services", "input": {"environment": "staging"}} in [
        {key: block.get(key) for key in ("type", "id", "name", "input")} for block in assistant["content"]
    ]
    [result] = [block for block in results["content"] if block["type"] == "tool_result"]
    assert result["tool_use_id"] == "toolu_inv"
    assert not result.get("is_error")
    assert "api (staging): v2.15.0-rc.1, 2 replicas" in json.dumps(result["content"])  # the real inventory

    sent = json.dumps([request.body for request in fake.message_requests])
    assert token not in sent
    assert "jane.doe@example.com" not in sent
    assert "<EMAIL_1>" in sent


async def test_worker_crash_replays_completed_model_turns_from_the_journal(
    claude_stack: Stack, fake: MessagesApiFake, probe_name: str
) -> None:
    fake.enqueue(
        tool_use_reply("probe", {"name": probe_name}, call_id="toolu_probe"),
        text_reply(f"probe {probe_name} is done"),
    )
    reply = await claude_stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"run the probe {probe_name}"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await wait_for_lines(claude_stack, probe_name, "tool", 1)
    assert len(fake.message_requests) == 1
    await claude_stack.restart_worker()
    claude_stack.release(probe_name)
    outcome = await attach(claude_stack, task_id)

    assert outcome["phase"] == "done", outcome
    assert outcome["answer"] == f"probe {probe_name} is done"
    assert len(fake.message_requests) == 2  # turn 1 came from the journal after the crash, not from the API
    assert fake.pending_steps == 0
    [result] = [b for b in fake.message_requests[1].messages[-1]["content"] if b["type"] == "tool_result"]
    assert result["tool_use_id"] == "toolu_probe"
    assert f"probe {probe_name} released" in json.dumps(result["content"])
    assert 1 <= len(claude_stack.probe_lines(probe_name, "tool")) <= 2  # the interrupted step at most twice
    record = claude_stack.store.get(task_id)
    assert record is not None and record.status == TaskPhase.DONE


async def test_repeated_overloads_open_the_breaker_and_fail_tasks_visibly(
    claude_stack: Stack, fake: MessagesApiFake
) -> None:
    fake.enqueue(*[Failure.overloaded()] * 6)  # more than needed: a call the breaker should stop would get a 529

    first = await run_task(claude_stack, "summarize the open incidents")
    failure = assert_failed_visibly(claude_stack, first, "The task failed: the model is unavailable. Error id `e-")
    error_id = failure.split("`")[1]
    logged = [line for line in claude_stack.worker.log_file.read_text().splitlines() if f"[{error_id}]" in line]
    assert any(
        "Claude is overloaded: 2 attempts" in line and "529" in line and "circuit open" in line for line in logged
    ), logged
    assert "529" not in failure and "overloaded" not in failure, "the provider's words stay in the log"
    assert len(fake.message_requests) == 2  # MODEL_MAX_ATTEMPTS, and the SDK itself did not retry
    assert [r.headers.get("x-stainless-retry-count") for r in fake.message_requests] == ["0", "0"]

    second = await run_task(claude_stack, "summarize the open incidents again")
    failure = assert_failed_visibly(claude_stack, second, "The task failed: the model is unavailable. Error id `e-")
    assert failure.split("`")[1] != error_id, "each failure has its own id"
    assert len(fake.message_requests) == 2  # the open breaker failed the second task without calling the API


async def test_spend_limit_is_final_after_one_request(claude_stack: Stack, fake: MessagesApiFake) -> None:
    fake.enqueue(Failure.spend_limit(), Failure.spend_limit())

    outcome = await run_task(claude_stack, "summarize the open incidents")

    failure = assert_failed_visibly(claude_stack, outcome, "The task failed: the model refused the request. Error id")
    assert "spend limit" not in failure
    assert len(fake.message_requests) == 1  # neither the SDK, our wrapper nor Restate retried it
