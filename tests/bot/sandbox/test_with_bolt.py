"""A real Bolt app against the sandbox: Bolt's own signature check, payload parsing, client and `respond`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.records import Message

from .conftest import SIGNING_SECRET

APPROVE = {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}, "value": "1"}


def build_bolt_app(sandbox: Sandbox) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url),
        signing_secret=SIGNING_SECRET,
    )

    @app.command("/ops")
    async def ops(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack(f"on it: {command['text']}")
        await client.views_open(
            trigger_id=command["trigger_id"],
            view={"type": "modal", "title": {"type": "plain_text", "text": "Working"}, "blocks": []},
        )
        await client.chat_postMessage(
            channel=command["channel_id"],
            text="Approve the restart?",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "Approve the restart?"}},
                {"type": "actions", "elements": [APPROVE]},
            ],
        )

    @app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    return app


@pytest.fixture
async def bolt_url(sandbox: Sandbox) -> AsyncIterator[str]:
    app = build_bolt_app(sandbox)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    await runner.cleanup()


async def test_command_modal_card_and_approval_through_bolt(sandbox: Sandbox, bolt_url: str) -> None:
    sandbox.bot_url = bolt_url

    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="restart api")

    assert (reply.status, reply.error) == (200, None)
    assert [e.text for e in sandbox.state.ephemerals_for("C0OPS", "U0ALICE")] == ["on it: restart api"]

    def card(state: Any) -> Message | None:
        return next(iter(sandbox.state.messages_in("C0OPS")), None)

    posted = await sandbox.wait_for(card, timeout=5)
    assert [v.user for v in sandbox.state.views.values()] == ["U0ALICE"]

    click = await sandbox.click_button(user_id="U0BOB", channel_id="C0OPS", message_ts=posted.ts, action_id="approve")
    assert (click.status, click.error) == (200, None)

    edited = await sandbox.wait_for(lambda state: posted.edit_count > 0 and posted, timeout=5)
    assert edited.text == "Approved by <@U0BOB>"
    assert edited.blocks == []
