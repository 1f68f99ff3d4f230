"""wait_for wakes on state changes and fails with a message that says what the state was."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.records import Message


async def test_wakes_when_the_bot_posts(client: AsyncWebClient, sandbox: Sandbox) -> None:
    def root_in_ops(state: object) -> Message | None:
        return next(iter(sandbox.state.messages_in("C0OPS")), None)

    waiting = asyncio.create_task(sandbox.wait_for(root_in_ops, timeout=5))
    posted = await client.chat_postMessage(channel="C0OPS", text="queued")

    message = await waiting
    assert message.ts == posted["ts"]


async def test_returns_at_once_when_already_true(sandbox: Sandbox) -> None:
    assert await sandbox.wait_for(lambda state: "C0OPS" in state.channels, timeout=0) is True


async def test_timeout_describes_the_state(client: AsyncWebClient, sandbox: Sandbox) -> None:
    await client.chat_postMessage(channel="C0OPS", text="something else")

    def approval_card_posted(state: object) -> None:
        return None

    with pytest.raises(TimeoutError) as caught:
        await sandbox.wait_for(approval_card_posted, timeout=0.05)

    message = str(caught.value)
    assert "approval_card_posted was not satisfied within 0.05s" in message
    assert "something else" in message
