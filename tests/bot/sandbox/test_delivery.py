"""Slash commands and clicks reach the bot signed and in Slack's shape; what Slack would show is recorded."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.delivery import BotDelivery

from .conftest import SIGNING_SECRET, RecordingBot
from .test_payloads import SLASH_FIELDS

CARD: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Restart *api* in staging?"}},
    {
        "type": "actions",
        "block_id": "decision",
        "elements": [
            {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"},
             "value": "approval-1", "style": "primary"},
            {"type": "button", "action_id": "reject", "text": {"type": "plain_text", "text": "Reject"},
             "value": "approval-1", "style": "danger"},
        ],
    },
]  # fmt: skip


async def test_slash_command_is_signed_and_has_slacks_fields(sandbox: Sandbox, bot: RecordingBot) -> None:
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="restart the api pods")

    assert (reply.status, reply.error) == (200, None)
    [received] = bot.received
    assert list(received) == SLASH_FIELDS
    assert received["command"] == "/ops"
    assert received["text"] == "restart the api pods"
    assert (received["user_id"], received["user_name"]) == ("U0ALICE", "alice")
    assert (received["channel_id"], received["channel_name"]) == ("C0OPS", "ops")
    assert received["trigger_id"] == reply.trigger_id
    assert received["response_url"] == reply.response_url
    assert reply.response_url.startswith(sandbox.base_url + "response/")


async def test_every_request_gets_fresh_ids_and_nothing_is_deduplicated(sandbox: Sandbox, bot: RecordingBot) -> None:
    first = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="same")
    second = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="same")
    replayed = await sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="same", trigger_id=first.trigger_id
    )

    assert len(bot.received) == 3
    assert first.trigger_id != second.trigger_id
    assert first.response_url != second.response_url
    assert replayed.trigger_id == first.trigger_id == bot.received[2]["trigger_id"]


async def test_ack_with_text_is_shown_to_the_person_only(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.json_response({"text": "Got it, working on it."})

    bot.answer = answer
    await sandbox.send_slash_command(user_id="U0BOB", channel_id="C0DEPLOY", text="deploy web")

    [ack] = sandbox.state.ephemerals_for("C0DEPLOY", "U0BOB")
    assert (ack.text, ack.source) == ("Got it, working on it.", "ack")
    assert sandbox.state.messages_in("C0DEPLOY") == []


async def test_in_channel_ack_is_a_channel_message(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.json_response({"response_type": "in_channel", "text": "Everyone: deploying web"})

    bot.answer = answer
    await sandbox.send_slash_command(user_id="U0BOB", channel_id="C0DEPLOY", text="deploy web")

    [message] = sandbox.state.messages_in("C0DEPLOY")
    assert (message.text, message.bot_id) == ("Everyone: deploying web", "B0BOT")
    assert sandbox.state.ephemerals_for("C0DEPLOY", "U0BOB") == []


async def test_failing_bot_shows_slacks_error(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.Response(status=500, text="boom")

    bot.answer = answer
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")

    assert (reply.status, reply.body, reply.error) == (500, "boom", "http_service_error")
    [shown] = sandbox.state.ephemerals_for("C0OPS", "U0ALICE")
    assert (shown.source, shown.text) == ("error", '/ops failed with the error "http_service_error"')


async def test_late_answer_is_an_operation_timeout(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.json_response({"text": "too late to be seen"})

    bot.answer = answer
    sandbox.ack_deadline = 0.0  # every answer is late, without making the test wait three seconds
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")

    assert (reply.status, reply.error) == (200, "operation_timeout")
    [shown] = sandbox.state.ephemerals_for("C0OPS", "U0ALICE")
    assert shown.text == '/ops failed with the error "operation_timeout"'


async def test_unreachable_bot_is_dispatch_failed(sandbox: Sandbox) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sandbox.bot_url = f"http://127.0.0.1:{closed_port}/slack/events"

    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")

    assert (reply.status, reply.error) == (0, "dispatch_failed")
    assert sandbox.state.ephemerals_for("C0OPS", "U0ALICE")[0].source == "error"


async def test_forged_signature_is_refused_by_the_bot(clock: Any, bot: RecordingBot) -> None:
    forger = Sandbox(signing_secret="not-" + SIGNING_SECRET, bot_url=bot.url, clock=clock)
    await forger.start()
    try:
        reply = await forger.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")
    finally:
        await forger.stop()

    assert (reply.status, reply.error) == (401, "http_client_error")
    assert bot.received == []


async def test_click_sends_block_actions_for_that_button(
    client: AsyncWebClient, sandbox: Sandbox, bot: RecordingBot
) -> None:
    card = await client.chat_postMessage(channel="C0OPS", text="Approval needed", blocks=CARD)

    reply = await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts=card["ts"], action_id="approve")

    assert (reply.status, reply.error) == (200, None)
    [payload] = bot.received
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"
    assert payload["container"] == {
        "type": "message",
        "message_ts": card["ts"],
        "channel_id": "C0OPS",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == card["ts"]
    assert payload["message"]["blocks"] == card["message"]["blocks"]
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == ("approve", "decision", "approval-1")
    assert (payload["trigger_id"], payload["response_url"]) == (reply.trigger_id, reply.response_url)


async def test_double_click_is_two_requests(client: AsyncWebClient, sandbox: Sandbox, bot: RecordingBot) -> None:
    card = await client.chat_postMessage(channel="C0OPS", text="Approval needed", blocks=CARD)

    for _ in range(2):
        await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts=card["ts"], action_id="approve")

    first, second = bot.received
    assert first["trigger_id"] != second["trigger_id"]
    assert first["actions"][0]["action_ts"] != second["actions"][0]["action_ts"]
    assert first["response_url"] != second["response_url"]


async def test_click_on_an_ephemeral_button(client: AsyncWebClient, sandbox: Sandbox, bot: RecordingBot) -> None:
    posted = await client.chat_postEphemeral(channel="C0OPS", user="U0CAROL", text="Sure?", blocks=CARD)

    await sandbox.click_button(
        user_id="U0CAROL", channel_id="C0OPS", message_ts=posted["message_ts"], action_id="reject", value="forged"
    )

    [payload] = bot.received
    assert "message" not in payload
    assert payload["container"]["is_ephemeral"] is True
    assert payload["actions"][0]["value"] == "forged"


async def test_clicking_what_is_not_there_is_a_test_error(client: AsyncWebClient, sandbox: Sandbox) -> None:
    card = await client.chat_postMessage(channel="C0OPS", text="Approval needed", blocks=CARD)

    with pytest.raises(LookupError, match="its buttons: \\['approve', 'reject'\\]"):
        await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts=card["ts"], action_id="escalate")
    with pytest.raises(LookupError, match="no message"):
        await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts="1.000001", action_id="approve")


async def test_a_bot_that_never_answers_is_cut_off(sandbox: Sandbox, bot: RecordingBot) -> None:
    release = asyncio.Event()

    async def answer(payload: dict[str, Any]) -> web.Response:
        await asyncio.wait_for(release.wait(), timeout=5)
        return web.Response(status=200)

    bot.answer = answer
    delivery = BotDelivery(sandbox.state, SIGNING_SECRET)
    delivery.request_timeout = 0.05
    try:
        reply = await delivery.send_slash_command(
            bot.url, sandbox.base_url, user_id="U0ALICE", channel_id="C0OPS", text="x", command="/ops"
        )
    finally:
        release.set()
        await delivery.close()

    assert (reply.status, reply.error) == (0, "operation_timeout")
    assert sandbox.state.ephemerals_for("C0OPS", "U0ALICE")[0].text == '/ops failed with the error "operation_timeout"'


async def test_without_a_bot_url_the_command_fails_visibly(sandbox: Sandbox) -> None:
    sandbox.bot_url = None

    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")

    assert (reply.status, reply.error, reply.body) == (0, "dispatch_failed", "the sandbox has no bot_url to send to")


async def test_plain_text_ack_is_shown_too(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.Response(text="on it")  # what Bolt's ack("on it") sends: text/plain, not JSON

    bot.answer = answer
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="x")

    assert (reply.json, reply.ack_message) == (None, {"text": "on it"})
    assert [e.text for e in sandbox.state.ephemerals_for("C0OPS", "U0ALICE")] == ["on it"]
