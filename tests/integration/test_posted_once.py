"""A worker SIGKILLed after Slack accepted a post but before the step's result reached the journal: Restate runs
the step again, and the step adopts the message it posted before instead of posting a second thread root (the
first stuck on *Queued*) or a second reply."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable

import pytest

from bot.sandbox.records import Message
from handlers.contracts import task_id_for
from handlers.contracts.post_nonce import POST_EVENT_TYPE
from tests.integration.flows import attach
from tests.integration.harness import Stack

pytestmark = pytest.mark.integration


def ours(message: Message) -> bool:
    return message.channel == "C0OPS" and (message.metadata or {}).get("event_type") == POST_EVENT_TYPE


class KillOnPost:
    """Kills the worker the moment the sandbox stores a post that `matches`, before the worker hears back: the
    post is in Slack, its step's result will never be journaled. With `after`, a match first waits (holding the
    sandbox) until that kill's worker is up again, so a restart is never cut short."""

    def __init__(self, stack: Stack, matches: Callable[[Message], bool], after: KillOnPost | None = None) -> None:
        self.stack = stack
        self.matches = matches
        self.after = after
        self.killed = asyncio.Event()
        self.restarted = threading.Event()
        self.message: Message | None = None

    def __call__(self, message: Message) -> None:
        if self.message is not None or not self.matches(message):
            return
        if self.after is not None:
            if self.after.message is None:
                return
            assert self.after.restarted.wait(timeout=60), "the worker did not come back"
        self.message = message
        self.stack.worker.kill()
        self.killed.set()

    async def wait_and_restart(self) -> Message:
        await asyncio.wait_for(self.killed.wait(), timeout=30)
        await self.stack.restart_worker(timeout=90.0)  # slow to start on a busy machine
        self.restarted.set()
        assert self.message is not None
        return self.message


@pytest.mark.slow
async def test_a_root_and_a_reply_cut_off_by_sigkill_are_posted_once(own_stack: Stack) -> None:
    state = own_stack.sandbox.state
    on_root = KillOnPost(own_stack, lambda m: ours(m) and m.thread_ts is None)
    on_reply = KillOnPost(own_stack, lambda m: ours(m) and m.thread_ts is not None, after=on_root)
    state.post_listeners += [on_root, on_reply]
    calls_before = len(state.api_calls)
    try:
        reply = await own_stack.sandbox.send_slash_command(
            user_id="U0ALICE", channel_id="C0OPS", text="what services are running in staging?"
        )
        task_id = task_id_for("T0SANDBOX", reply.trigger_id)
        root = await on_root.wait_and_restart()
        first_reply = await on_reply.wait_and_restart()
        outcome = await attach(own_stack, task_id, timeout=60)
    finally:
        state.post_listeners.remove(on_root)
        state.post_listeners.remove(on_reply)

    assert outcome["phase"] == "done"
    roots = [m for m in state.messages_in("C0OPS") if m.thread_ts in (None, m.ts) and task_id in json.dumps(m.blocks)]
    assert [m.ts for m in roots] == [root.ts]  # one visible root, the first, and it ends Done
    assert "*Done*" in json.dumps(roots[0].blocks)
    thread = [m for m in state.thread("C0OPS", root.ts) if m.ts != root.ts]
    assert [m.ts for m in thread if m.text == first_reply.text] == [first_reply.ts]
    nonces = [(m.metadata or {}).get("event_payload", {}).get("nonce") for m in thread]
    assert len(nonces) == len(set(nonces))  # no reply posted twice
    record = own_stack.store.get(task_id)
    assert record is not None and record.thread_ts == root.ts
    methods = [call.method for call in state.api_calls[calls_before:]]
    assert "conversations.history" in methods and "conversations.replies" in methods  # each step looked, once back
    assert "chat.delete" not in methods  # found before posting: no copy to remove


class FailOnPost:
    """Stores the first post that `matches`, then answers the poster with an HTTP 500, as a Slack that took the
    message but lost the answer: the step fails after posting, and Restate runs it again."""

    def __init__(self, matches: Callable[[Message], bool]) -> None:
        self.matches = matches
        self.message: Message | None = None

    def __call__(self, message: Message) -> None:
        if self.message is None and self.matches(message):
            self.message = message
            raise RuntimeError("the answer to this post is lost")


async def test_a_post_whose_answer_is_lost_is_adopted_when_the_step_runs_again(stack: Stack) -> None:
    state = stack.sandbox.state
    on_root = FailOnPost(lambda m: ours(m) and m.thread_ts is None)
    on_reply = FailOnPost(lambda m: ours(m) and on_root.message is not None and m.thread_ts == on_root.message.ts)
    state.post_listeners += [on_root, on_reply]
    try:
        reply = await stack.sandbox.send_slash_command(
            user_id="U0BOB", channel_id="C0OPS", text="what services are running in staging?"
        )
        task_id = task_id_for("T0SANDBOX", reply.trigger_id)
        outcome = await attach(stack, task_id, timeout=60)
    finally:
        state.post_listeners.remove(on_root)
        state.post_listeners.remove(on_reply)

    assert outcome["phase"] == "done"
    assert on_root.message is not None
    roots = [m for m in state.messages_in("C0OPS") if m.thread_ts in (None, m.ts) and task_id in json.dumps(m.blocks)]
    assert [m.ts for m in roots] == [on_root.message.ts]  # without adoption: a second root, the first left Queued
    assert on_reply.message is not None
    thread = [m for m in state.thread("C0OPS", on_root.message.ts) if m.ts != on_root.message.ts]
    assert [m.ts for m in thread if m.text == on_reply.message.text] == [on_reply.message.ts]
