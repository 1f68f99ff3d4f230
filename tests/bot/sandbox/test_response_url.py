"""response_url: five uses within thirty minutes, ephemeral by default, and edits of the clicked message."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from testkit.fakes import FakeClock

from .test_delivery import CARD


async def post_json(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.json()


async def test_ephemeral_by_default_and_in_channel_on_request(sandbox: Sandbox) -> None:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0RANDOM", text="status")

    first = await post_json(reply.response_url, {"text": "just for you"})
    second = await post_json(reply.response_url, {"text": "for everyone", "response_type": "in_channel"})

    assert first == second == (200, {"ok": True})
    [ephemeral] = sandbox.state.ephemerals_for("C0RANDOM", "U0ALICE")
    assert (ephemeral.text, ephemeral.source) == ("just for you", "response_url")
    # a response_url works where the bot is not a member, as in Slack
    [message] = sandbox.state.messages_in("C0RANDOM")
    assert (message.text, message.bot_id) == ("for everyone", "B0BOT")


async def test_five_uses_then_used_url(sandbox: Sandbox) -> None:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="status")

    answers = [await post_json(reply.response_url, {"text": f"update {i}"}) for i in range(6)]

    assert [status for status, _ in answers] == [200] * 5 + [404]
    assert answers[-1][1] == {"ok": False, "error": "used_url"}
    assert len(sandbox.state.ephemerals_for("C0OPS", "U0ALICE")) == 5
    assert sandbox.state.response_urls[reply.response_url.rsplit("response/", 1)[1]].uses == 5


async def test_expires_after_thirty_minutes(sandbox: Sandbox, clock: FakeClock) -> None:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="status")
    clock.advance(30 * 60)

    status, body = await post_json(reply.response_url, {"text": "too late"})

    assert (status, body) == (404, {"ok": False, "error": "expired_url"})


async def test_replace_and_delete_the_clicked_message(client: AsyncWebClient, sandbox: Sandbox) -> None:
    card = await client.chat_postMessage(channel="C0OPS", text="Approval needed", blocks=CARD)
    click = await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts=card["ts"], action_id="approve")

    replaced = await post_json(click.response_url, {"replace_original": True, "text": "Approved by <@U0BOB>"})
    message = sandbox.state.find_message("C0OPS", card["ts"])
    assert replaced == (200, {"ok": True})
    assert message is not None
    assert (message.text, message.blocks, message.edit_count) == ("Approved by <@U0BOB>", [], 1)

    deleted = await post_json(click.response_url, {"delete_original": True})
    assert deleted == (200, {"ok": True})
    assert sandbox.state.find_message("C0OPS", card["ts"]) is None


async def test_invalid_content_is_refused(sandbox: Sandbox) -> None:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="status")
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}

    status, body = await post_json(reply.response_url, {"text": "t", "blocks": [too_long]})

    assert status == 400
    assert body["error"] == "invalid_blocks"
    assert body["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
