"""From a signed /ops request to a finished task and back, on the real restate-server and the sandbox."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from handlers.contracts import TASK_DONE, TASK_WORKFLOW, TaskPhase, task_id_for
from tests.integration.flows import attach
from tests.integration.harness import Stack, signed_slash_command

pytestmark = pytest.mark.integration


def root_of(state: SandboxState, channel: str, task_id: str, needle: str = "") -> object | None:
    for message in state.messages_in(channel):
        blocks = json.dumps(message.blocks)
        if message.thread_ts in (None, message.ts) and task_id in blocks and needle in blocks:
            return message
    return None


async def test_request_is_acked_and_answered_in_its_thread(stack: Stack) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
    )
    assert reply.status == 200, reply
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    assert "On it" in reply.ack_message["text"] and task_id in reply.ack_message["text"]

    root = await stack.sandbox.wait_for(lambda s: root_of(s, "C0OPS", task_id), timeout=15)
    done = await stack.sandbox.wait_for(lambda s: root_of(s, "C0OPS", task_id, "*Done*"), timeout=15)
    assert done.ts == root.ts  # the root was edited in place, not reposted
    replies = [m for m in stack.sandbox.state.thread("C0OPS", root.ts) if m.ts != root.ts]
    answer = "\n".join(json.dumps(m.blocks) + m.text for m in replies)
    assert "api (staging): v2.15.0-rc.1, 2 replicas" in answer  # from the SQLite inventory, over MCP
    assert "production" not in answer  # the tool was called with the environment filter

    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    async with httpx.AsyncClient(timeout=10) as client:  # what a follow-up waits on: the worker's, not the ingress's
        done = await client.post(f"{stack.restate.ingress_url}/{TASK_WORKFLOW}/{task_id}/{TASK_DONE}")
    assert done.status_code == 400 and "not public" in done.text, done.text
    record = stack.store.get(task_id)
    assert record is not None
    assert record.status == TaskPhase.DONE
    assert record.thread_ts == root.ts
    assert record.requester == "U0ALICE"


async def test_same_request_delivered_four_times_starts_one_task(stack: Stack) -> None:
    body, headers, trigger_id = signed_slash_command(
        user_id="U0BOB", channel_id="C0OPS", text="what services are running in production?"
    )
    task_id = task_id_for("T0SANDBOX", trigger_id)
    texts = []
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(4):
            response = await client.post(stack.bot.events_url, content=body, headers=headers)
            assert response.status_code == 200
            texts.append(response.json()["text"])
    assert "On it" in texts[0]
    assert all("Already on it" in text for text in texts[1:])
    await stack.sandbox.wait_for(lambda s: root_of(s, "C0OPS", task_id, "*Done*"), timeout=15)
    roots = [m for m in stack.sandbox.state.messages_in("C0OPS") if not m.is_reply and task_id in json.dumps(m.blocks)]
    assert len(roots) == 1
    assert stack.store.get(task_id) is not None


@pytest.mark.parametrize("problem", ["bad signature", "stale timestamp"])
async def test_forged_or_stale_request_gets_401_and_starts_nothing(stack: Stack, problem: str) -> None:
    body, headers, trigger_id = signed_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
    )
    if problem == "bad signature":
        headers = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
    else:
        body, headers, trigger_id = signed_slash_command(
            user_id="U0ALICE",
            channel_id="C0OPS",
            text="what services are running in staging?",
            timestamp_offset=-301,
        )
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(stack.bot.events_url, content=body, headers=headers)
        assert response.status_code == 401
        task_id = task_id_for("T0SANDBOX", trigger_id)
        output = await client.get(f"{stack.restate.ingress_url}/restate/workflow/{TASK_WORKFLOW}/{task_id}/output")
    assert output.status_code == 404
    assert stack.store.get(task_id) is None


async def test_channel_without_the_bot_gets_an_invitation_hint(stack: Stack) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0RANDOM", text="what services are running in staging?"
    )
    assert reply.status == 200
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    hint = await stack.sandbox.wait_for(
        lambda s: next((e for e in s.ephemerals_for("C0RANDOM", "U0ALICE") if "/invite" in e.text), None),
        timeout=15,
    )
    assert "@opsgate" in hint.text
    assert stack.sandbox.state.messages_in("C0RANDOM") == []
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "failed"
    record = stack.store.get(task_id)
    assert record is not None
    assert record.status == TaskPhase.FAILED


async def test_secrets_and_personal_data_never_reach_the_model_or_the_thread(stack: Stack, probe_name: str) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token's shape, split so scanners skip it
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE",
        channel_id="C0OPS",
        text=f"[echo:{probe_name}] use {token} to page jane.doe@example.com about the outage",
    )
    outcome = await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id))
    [seen] = stack.probe_lines(probe_name, "model")
    assert token not in seen
    assert "jane.doe@example.com" not in seen
    assert "<EMAIL_1>" in seen
    thread = json.dumps([m.blocks for m in stack.sandbox.state.thread("C0OPS", outcome["thread_ts"])])
    assert token not in thread
    assert "jane.doe@example.com" not in thread


async def test_a_finished_task_posts_its_trace_summary_and_details_open_the_step_tree(stack: Stack) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    outcome = await attach(stack, task_id)
    thread_ts = outcome["thread_ts"]

    def summary(state: SandboxState) -> object | None:
        return next((m for m in state.thread("C0OPS", thread_ts) if "task_details" in json.dumps(m.blocks)), None)

    message = await stack.sandbox.wait_for(summary, timeout=15)
    assert isinstance(message, Message)
    assert message.text.startswith("Task done in ")
    assert "1 tool call" in message.text or "tool call" in json.dumps(message.blocks)
    before = set(stack.sandbox.state.views)
    clicked = await stack.sandbox.click_button(
        user_id="U0ALICE", channel_id="C0OPS", message_ts=message.ts, action_id="task_details"
    )
    assert clicked.status == 200
    view = await stack.sandbox.wait_for(
        lambda s: next((v for v in s.views.values() if v.id not in before and v.user == "U0ALICE"), None), timeout=15
    )
    tree = json.dumps(view.view["blocks"])
    assert "invoke_agent ops" in tree, tree  # the test team's first agent
    assert "execute_tool list_services" in tree and "chat probe-model" in tree
