"""Reading a conversation back (conversations.history, conversations.replies), message metadata and chat.delete,
driven by slack_sdk's real AsyncWebClient as the notifier drives them."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from testkit.fakes import FakeClock

METADATA = {"event_type": "opsgate_post", "event_payload": {"nonce": "n-1"}}


async def slack_error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def post_many(client: AsyncWebClient, count: int, clock: FakeClock, thread_ts: str | None = None) -> list[str]:
    """`count` messages one second apart (their text is their number); their ts, oldest first."""
    stamps = []
    for n in range(count):
        clock.advance(1)
        stamps.append(str((await client.chat_postMessage(channel="C0OPS", text=str(n), thread_ts=thread_ts))["ts"]))
    return stamps


async def test_metadata_is_stored_and_shown_only_when_asked_for(client: AsyncWebClient, sandbox: Sandbox) -> None:
    posted = await client.chat_postMessage(channel="C0OPS", text="queued", metadata=METADATA)

    plain = await client.conversations_history(channel="C0OPS")
    asked = await client.conversations_history(channel="C0OPS", include_all_metadata=True)

    assert "metadata" not in plain["messages"][0]
    assert asked["messages"][0]["metadata"] == METADATA
    assert asked["messages"][0]["ts"] == posted["ts"]
    stored = sandbox.state.find_message("C0OPS", posted["ts"])
    assert stored is not None and stored.metadata == METADATA


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"event_payload": {"nonce": "n"}}, "invalid_metadata_schema"),
        ({"event_type": "opsgate_post", "event_payload": "n"}, "invalid_metadata_schema"),
        ("{not json", "invalid_metadata_format"),
    ],
)
async def test_malformed_metadata_is_refused(
    client: AsyncWebClient, sandbox: Sandbox, metadata: object, error: str
) -> None:
    assert await slack_error(client.chat_postMessage(channel="C0OPS", text="x", metadata=metadata)) == error  # type: ignore[arg-type]
    assert sandbox.state.messages_in("C0OPS") == []


async def test_history_lists_top_level_messages_newest_first_in_a_window(
    client: AsyncWebClient, clock: FakeClock
) -> None:
    stamps = await post_many(client, 5, clock)
    await client.chat_postMessage(channel="C0OPS", text="a reply", thread_ts=stamps[0])

    everything = await client.conversations_history(channel="C0OPS")
    between = await client.conversations_history(channel="C0OPS", oldest=stamps[1], latest=stamps[3])
    inclusive = await client.conversations_history(channel="C0OPS", oldest=stamps[1], latest=stamps[3], inclusive=True)

    assert [m["text"] for m in everything["messages"]] == ["4", "3", "2", "1", "0"]  # no reply among them
    assert everything["messages"][-1]["reply_count"] == 1 and everything["has_more"] is False
    assert [m["text"] for m in between["messages"]] == ["2"]  # oldest and latest exclusive by default
    assert [m["text"] for m in inclusive["messages"]] == ["3", "2", "1"]


async def test_history_pages_with_a_cursor_until_has_more_is_false(client: AsyncWebClient, clock: FakeClock) -> None:
    await post_many(client, 7, clock)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await client.conversations_history(channel="C0OPS", limit=3, cursor=cursor)
        pages += 1
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            break
        assert cursor

    assert seen == ["6", "5", "4", "3", "2", "1", "0"]
    assert pages == 3 and cursor == ""


async def test_replies_put_the_parent_first_then_the_replies_oldest_first(
    client: AsyncWebClient, clock: FakeClock
) -> None:
    root = (await client.chat_postMessage(channel="C0OPS", text="root"))["ts"]
    replies = await post_many(client, 5, clock, thread_ts=root)

    first = await client.conversations_replies(channel="C0OPS", ts=root, limit=3, include_all_metadata=True)
    second = await client.conversations_replies(
        channel="C0OPS", ts=root, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    windowed = await client.conversations_replies(channel="C0OPS", ts=replies[2], oldest=replies[2])

    assert [m["text"] for m in first["messages"]] == ["root", "0", "1", "2"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["root", "3", "4"]
    assert second["has_more"] is False
    assert [m["text"] for m in windowed["messages"]] == ["root", "3", "4"]  # any message of the thread names it


async def test_reading_needs_the_bot_in_the_channel_and_a_real_thread(client: AsyncWebClient) -> None:
    assert await slack_error(client.conversations_history(channel="C0RANDOM")) == "not_in_channel"
    assert await slack_error(client.conversations_replies(channel="C0OPS", ts="1.000001")) == "thread_not_found"
    assert await slack_error(client.conversations_history(channel="C0OPS", cursor="bm9wZQ==")) == "invalid_cursor"


async def test_delete_removes_the_message_from_every_reader(client: AsyncWebClient, sandbox: Sandbox) -> None:
    root = (await client.chat_postMessage(channel="C0OPS", text="root"))["ts"]
    copy = (await client.chat_postMessage(channel="C0OPS", text="copy", thread_ts=root))["ts"]
    human = sandbox.state.post_message("C0OPS", text="typed by alice", user="U0ALICE")

    deleted = await client.chat_delete(channel="C0OPS", ts=copy)

    assert (deleted["channel"], deleted["ts"]) == ("C0OPS", copy)
    assert [m["text"] for m in (await client.conversations_replies(channel="C0OPS", ts=root))["messages"]] == ["root"]
    assert await slack_error(client.chat_delete(channel="C0OPS", ts=copy)) == "message_not_found"
    assert await slack_error(client.chat_delete(channel="C0OPS", ts=human.ts)) == "cant_delete_message"
