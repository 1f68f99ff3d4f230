"""A mention in a task's thread is a new turn of that task: answered in the same thread, with the history."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from handlers.contracts import task_id_for
from tests.integration.flows import attach, deliver_with_retries, mention_in_thread, wait_for_lines
from tests.integration.harness import Stack

pytestmark = pytest.mark.integration


async def test_a_mention_in_the_thread_continues_the_task_there(stack: Stack, probe_name: str) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[echo:{probe_name}-first] what runs in staging?"
    )
    first = await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id))
    thread_ts = first["thread_ts"]

    ts, delivered = await stack.sandbox.send_mention(
        user_id="U0BOB",
        channel_id="C0OPS",
        text=f"<@U0BOT> [recall:{probe_name}] and what about prod?",
        thread_ts=thread_ts,
    )
    assert delivered.status == 200, delivered
    await wait_for_lines(stack, probe_name, "model", 1, timeout=30)
    [given] = [json.loads(line) for line in stack.probe_lines(probe_name, "model")]
    assert given.startswith("Earlier in this thread:")
    assert f"Request from <@U0ALICE>: [echo:{probe_name}-first] what runs in staging?\nAnswer: noted" in given
    assert given.endswith(f"Follow-up in the same thread from <@U0BOB>:\n[recall:{probe_name}] and what about prod?")

    def answered(state: object) -> bool:
        texts = [m.text for m in stack.sandbox.state.thread("C0OPS", thread_ts)]
        return "follow-up answered with the thread's history" in texts

    await stack.sandbox.wait_for(answered, timeout=30)
    thread = stack.sandbox.state.thread("C0OPS", thread_ts)
    assert any(m.text.startswith("On it: following up in this thread") for m in thread)
    roots = [m for m in stack.sandbox.state.messages_in("C0OPS") if m.thread_ts in (None, m.ts) and m.ts > ts]
    assert roots == []  # no new thread was started


async def test_a_mention_outside_a_task_thread_is_explained(stack: Stack) -> None:
    _, delivered = await stack.sandbox.send_mention(user_id="U0BOB", channel_id="C0OPS", text="<@U0BOT> hi")
    assert delivered.status == 200

    def explained(state: object) -> bool:
        return any("use `/ops &lt;request&gt;`" in m.text for m in stack.sandbox.state.messages_in("C0OPS"))

    await stack.sandbox.wait_for(explained, timeout=10)


async def test_an_event_delivered_four_times_with_retry_headers_starts_one_follow_up(
    stack: Stack, probe_name: str
) -> None:
    """Slack retries an event it thinks was lost (X-Slack-Retry-Num); the task id comes from the event id."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[echo:{probe_name}-first] what runs in staging?"
    )
    thread_ts = (await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id)))["thread_ts"]
    body = mention_in_thread(
        stack.sandbox,
        user="U0BOB",
        thread_ts=thread_ts,
        text=f"<@U0BOT> [recall:{probe_name}] and in prod?",
        event_id="Ev0REDELIVERED" + probe_name.upper(),
    )
    await deliver_with_retries([stack.bot.events_url], body)
    await wait_for_lines(stack, probe_name, "model", 1, timeout=30)

    def answered(state: object) -> bool:
        texts = [m.text for m in stack.sandbox.state.thread("C0OPS", thread_ts)]
        return "follow-up answered with the thread's history" in texts

    await stack.sandbox.wait_for(answered, timeout=30)
    with stack.store.engine.connect() as connection:
        tasks = connection.execute(
            sa.text("SELECT count(*) FROM tasks WHERE channel = 'C0OPS' AND thread_ts = :ts"), {"ts": thread_ts}
        ).scalar_one()
    assert tasks == 2  # the first request and one follow-up, however often the event came
    assert len(stack.probe_lines(probe_name, "model")) == 1
    thread = stack.sandbox.state.thread("C0OPS", thread_ts)
    assert sum(m.text.startswith("On it: following up in this thread") for m in thread) == 1
