"""The web page and the JSON API behind it: state snapshots, long polling, commands and clicks."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox

from .conftest import RecordingBot
from .test_delivery import CARD


async def get_json(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def post_ui(sandbox: Sandbox, path: str, body: Any, *, as_form: bool = False) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        kwargs: dict[str, Any] = {"data": body} if as_form else {"json": body}
        async with session.post(sandbox.base_url + path, **kwargs) as response:
            return response.status, await response.text()


async def test_page_is_self_contained(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session, session.get(sandbox.web_url) as response:
        page = await response.text()
        assert response.status == 200
        assert response.content_type == "text/html"

    assert "<script>" in page
    assert "<style>" in page
    assert "/ui/state" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "cdn" not in page.lower()


async def test_state_snapshot_shape(client: AsyncWebClient, sandbox: Sandbox) -> None:
    await client.chat_postMessage(channel="C0OPS", text="hello")
    await client.chat_postEphemeral(channel="C0OPS", user="U0ALICE", text="psst")

    everything = await get_json(sandbox.base_url + "ui/state")
    for_bob = await get_json(sandbox.base_url + "ui/state?user=U0BOB")

    expected = {"version", "team", "bot_user_id", "users", "channels", "usergroups", "messages", "ephemerals", "views"}
    assert set(everything) == expected
    assert everything["team"] == {"id": "T0SANDBOX", "domain": "sandbox", "name": "sandbox"}
    channels = {c["id"]: c for c in everything["channels"]}
    assert (channels["C0OPS"]["bot_is_member"], channels["C0RANDOM"]["bot_is_member"]) == (True, False)
    assert {u["id"] for u in everything["users"]} == {"U0BOT", "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"}
    assert everything["usergroups"] == [{"id": "S0ONCALL", "handle": "oncall", "users": ["U0BOB", "U0CAROL"]}]
    [message] = everything["messages"]
    expected_message = {"channel", "ts", "text", "blocks", "user", "bot_id", "thread_ts", "edit_count"}
    assert set(message) == expected_message
    assert [e["text"] for e in everything["ephemerals"]] == ["psst"]
    assert for_bob["ephemerals"] == []


async def test_long_poll_answers_on_the_next_change(client: AsyncWebClient, sandbox: Sandbox) -> None:
    version = sandbox.state.version
    poll = asyncio.create_task(get_json(f"{sandbox.base_url}ui/state?since={version}"))

    await client.chat_postMessage(channel="C0OPS", text="wake up")
    snapshot = await asyncio.wait_for(poll, timeout=5)

    assert snapshot["version"] > version
    assert [m["text"] for m in snapshot["messages"]] == ["wake up"]


async def test_command_round_trip(sandbox: Sandbox, bot: RecordingBot) -> None:
    async def answer(payload: dict[str, Any]) -> web.Response:
        return web.json_response({"text": f"on it: {payload['text']}"})

    bot.answer = answer
    status, text = await post_ui(
        sandbox, "ui/command", {"user_id": "U0ALICE", "channel_id": "C0OPS", "text": "/ops restart api"}
    )

    assert (status, text) == (200, '{"ok": true, "status": 200, "error": null}')
    [received] = bot.received
    assert (received["command"], received["text"], received["user_id"]) == ("/ops", "restart api", "U0ALICE")
    alice = await get_json(sandbox.base_url + "ui/state?user=U0ALICE")
    assert [e["text"] for e in alice["ephemerals"]] == ["on it: restart api"]


async def test_action_round_trip(client: AsyncWebClient, sandbox: Sandbox, bot: RecordingBot) -> None:
    card = await client.chat_postMessage(channel="C0OPS", text="Approval needed", blocks=CARD)
    click = {"user_id": "U0BOB", "channel_id": "C0OPS", "message_ts": card["ts"], "action_id": "reject"}

    status, _ = await post_ui(sandbox, "ui/action", {**click, "value": "approval-1"})
    missing, _ = await post_ui(sandbox, "ui/action", {**click, "action_id": "nope"})

    assert (status, missing) == (200, 404)
    [payload] = bot.received
    assert payload["actions"][0]["action_id"] == "reject"


@pytest.mark.parametrize(
    ("body", "as_form", "expected_status"),
    [
        ({"user_id": "U0ALICE", "channel_id": "C0OPS", "text": "hello there"}, False, 400),
        ({"user_id": "U0NOBODY", "channel_id": "C0OPS", "text": "/ops x"}, False, 400),
        ({"user_id": "U0ALICE", "channel_id": "C0OPS"}, False, 400),
        ({"user_id": "U0ALICE", "channel_id": "C0OPS", "text": "/ops x"}, True, 415),
    ],
)
async def test_bad_commands_are_refused(
    sandbox: Sandbox, bot: RecordingBot, body: dict[str, str], as_form: bool, expected_status: int
) -> None:
    status, _ = await post_ui(sandbox, "ui/command", body, as_form=as_form)

    assert status == expected_status
    assert bot.received == []


async def test_open_modal_is_listed_until_closed(client: AsyncWebClient, sandbox: Sandbox) -> None:
    reply = await sandbox.send_slash_command(user_id="U0DAVE", channel_id="C0OPS", text="form")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Details"}, "blocks": []}
    opened = await client.views_open(trigger_id=reply.trigger_id, view=view)

    dave = await get_json(sandbox.base_url + "ui/state?user=U0DAVE")
    alice = await get_json(sandbox.base_url + "ui/state?user=U0ALICE")
    status, _ = await post_ui(sandbox, "ui/close_view", {"view_id": opened["view"]["id"]})
    after = await get_json(sandbox.base_url + "ui/state?user=U0DAVE")

    assert [v["id"] for v in dave["views"]] == [opened["view"]["id"]]
    assert alice["views"] == []
    assert status == 200
    assert after["views"] == []
