"""A posting step that runs again adopts the copy it posted before, against the sandbox's Web API: the notifier
posts under the step's nonce, finds its earlier root in the channel's history and its earlier reply in the
thread, keeps the oldest of several copies and deletes the rest."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import earlier_posts
from bot.notifier import SlackNotifier
from bot.sandbox import Sandbox
from bot.sandbox.records import Message
from handlers.contracts import TaskPhase, TaskView
from handlers.contracts.post_nonce import POST_EVENT_TYPE, PostNonce, posting_under

VIEW = TaskView(task_id="t-1", requester="U0ALICE", request="restart the api", phase=TaskPhase.QUEUED)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    running = Sandbox(signing_secret="unused", rate_limit=False)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def notifier(sandbox: Sandbox) -> SlackNotifier:
    return SlackNotifier(AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url))


def nonce(value: str, *, look_first: bool) -> PostNonce:
    return PostNonce(value=value, since=time.time(), look_first=look_first)


def visible(sandbox: Sandbox, channel: str = "C0OPS") -> list[Message]:
    return sandbox.state.messages_in(channel)


async def test_a_post_carries_its_steps_nonce_and_a_post_outside_a_step_carries_none(
    notifier: SlackNotifier, sandbox: Sandbox
) -> None:
    with posting_under(nonce("n-root", look_first=False)):
        root = await notifier.post_root("C0OPS", VIEW)
    await notifier.post("C0OPS", "from the post_message tool")

    stored, plain = visible(sandbox)
    assert stored.ts == root.ts
    assert stored.metadata == {"event_type": POST_EVENT_TYPE, "event_payload": {"nonce": "n-root"}}
    assert plain.metadata is None


async def test_a_root_posted_before_is_adopted_not_posted_again(notifier: SlackNotifier, sandbox: Sandbox) -> None:
    with posting_under(nonce("n-root", look_first=False)):
        first = await notifier.post_root("C0OPS", VIEW)
    await notifier.post("C0OPS", "someone else's task meanwhile")
    with posting_under(nonce("n-root", look_first=True)):
        again = await notifier.post_root("C0OPS", VIEW)

    assert again == first
    assert len(visible(sandbox)) == 2
    assert [c.method for c in sandbox.state.api_calls].count("chat.postMessage") == 2


async def test_a_step_that_never_posted_posts_after_looking(notifier: SlackNotifier, sandbox: Sandbox) -> None:
    with posting_under(nonce("n-other", look_first=False)):
        other = await notifier.post_root("C0OPS", VIEW)
    with posting_under(nonce("n-root", look_first=True)):
        root = await notifier.post_root("C0OPS", VIEW)

    assert root != other
    assert [m.ts for m in visible(sandbox)] == [other.ts, root.ts]
    assert "conversations.history" in [c.method for c in sandbox.state.api_calls]


async def test_a_reply_posted_before_is_adopted_in_its_thread(notifier: SlackNotifier, sandbox: Sandbox) -> None:
    root = await notifier.post_root("C0OPS", VIEW)
    with posting_under(nonce("n-answer", look_first=False)):
        await notifier.reply(root, "The api restarted.")
    with posting_under(nonce("n-answer", look_first=True)):
        await notifier.reply(root, "The api restarted.")
        await notifier.post_in_thread(root.channel, root.ts, "The api restarted.")

    thread = sandbox.state.thread("C0OPS", root.ts)
    assert [m.text for m in thread][1:] == ["The api restarted."]
    assert "conversations.replies" in [c.method for c in sandbox.state.api_calls]


async def test_of_several_copies_the_first_is_kept_and_the_others_deleted(
    notifier: SlackNotifier, sandbox: Sandbox
) -> None:
    root = await notifier.post_root("C0OPS", VIEW)
    for _ in range(3):  # three attempts that each posted, none heard back
        with posting_under(nonce("n-answer", look_first=False)):
            await notifier.reply(root, "The api restarted.")
    first_copy = sandbox.state.thread("C0OPS", root.ts)[1]

    with posting_under(nonce("n-answer", look_first=True)):
        await notifier.reply(root, "The api restarted.")

    assert [m.ts for m in sandbox.state.thread("C0OPS", root.ts)] == [root.ts, first_copy.ts]
    assert [c.method for c in sandbox.state.api_calls].count("chat.delete") == 2


async def test_an_earlier_root_is_found_across_pages_of_a_busy_channel(
    notifier: SlackNotifier, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(earlier_posts, "PAGE_SIZE", 5)
    with posting_under(nonce("n-root", look_first=False)):
        first = await notifier.post_root("C0OPS", VIEW)
    for n in range(12):
        sandbox.state.post_message("C0OPS", text=f"chatter {n}", user="U0BOB")

    with posting_under(nonce("n-root", look_first=True)):
        again = await notifier.post_root("C0OPS", VIEW)

    assert again == first
    assert [c.method for c in sandbox.state.api_calls].count("conversations.history") == 3


async def test_a_copy_outside_the_window_is_not_looked_for(notifier: SlackNotifier, sandbox: Sandbox) -> None:
    """The search starts shortly before the nonce was journaled, so a long channel is never read to its start."""
    with posting_under(nonce("n-root", look_first=False)):
        await notifier.post_root("C0OPS", VIEW)
    later = PostNonce(value="n-root", since=time.time() + 10 * earlier_posts.CLOCK_SKEW, look_first=True)

    with posting_under(later):
        await notifier.post_root("C0OPS", VIEW)

    assert len(visible(sandbox)) == 2
