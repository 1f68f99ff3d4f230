"""The Web API driven by slack_sdk's real AsyncWebClient, as the bot drives it."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def slack_error(call: object) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_auth_test_names_the_bot(client: AsyncWebClient) -> None:
    reply = await client.auth_test()

    assert reply["ok"] is True
    assert (reply["user"], reply["user_id"], reply["bot_id"], reply["team_id"]) == (
        "opsgate",
        "U0BOT",
        "B0BOT",
        "T0SANDBOX",
    )
    assert reply["team"] == "sandbox"
    assert reply["url"].startswith("https://")


async def test_bad_or_missing_token_is_refused(sandbox: Sandbox) -> None:
    wrong = await slack_error(AsyncWebClient(token="xoxb-wrong", base_url=sandbox.api_url).auth_test())
    missing = await slack_error(AsyncWebClient(base_url=sandbox.api_url).auth_test())

    assert wrong.response["error"] == "invalid_auth"
    assert missing.response["error"] == "not_authed"


async def test_form_encoded_call_with_token_field(sandbox: Sandbox) -> None:
    form = {
        "token": sandbox.bot_token,
        "channel": "C0OPS",
        "text": "from a form",
        "blocks": json.dumps([section("hi")]),
    }
    async with aiohttp.ClientSession() as session, session.post(sandbox.api_url + "chat.postMessage", data=form) as r:
        reply = await r.json()

    assert reply["ok"] is True
    assert sandbox.state.find_message("C0OPS", reply["ts"]) is not None
    assert reply["message"]["blocks"][0]["text"]["text"] == "hi"
    assert reply["message"]["blocks"][0]["block_id"]  # Slack invents a block_id where none was given


async def test_post_message_then_thread_replies_and_update(client: AsyncWebClient, sandbox: Sandbox) -> None:
    root = await client.chat_postMessage(channel="C0OPS", text="queued", blocks=[section("*queued*")])
    reply_one = await client.chat_postMessage(channel="C0OPS", text="planning", thread_ts=root["ts"])
    reply_two = await client.chat_postMessage(channel="C0OPS", text="reply to a reply", thread_ts=reply_one["ts"])
    updated = await client.chat_update(channel="C0OPS", ts=root["ts"], text="done", blocks=[section("*done*")])

    assert root["channel"] == "C0OPS"
    assert root["message"]["bot_id"] == "B0BOT"
    assert root["ts"] < reply_one["ts"] < reply_two["ts"]
    thread = sandbox.state.thread("C0OPS", root["ts"])
    assert [m.text for m in thread] == ["done", "planning", "reply to a reply"]
    assert all(m.thread_ts == root["ts"] for m in thread)
    assert updated["message"]["text"] == "done"
    stored = sandbox.state.find_message("C0OPS", root["ts"])
    assert stored is not None
    assert stored.edit_count == 1
    assert stored.blocks[0]["text"]["text"] == "*done*"


async def test_ts_are_unique_and_in_slack_format_even_with_a_frozen_clock(client: AsyncWebClient) -> None:
    stamps = [(await client.chat_postMessage(channel="C0DEPLOY", text=str(i)))["ts"] for i in range(5)]

    assert stamps == sorted(set(stamps))
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


async def test_post_ephemeral_records_it_for_that_user(client: AsyncWebClient, sandbox: Sandbox) -> None:
    reply = await client.chat_postEphemeral(channel="C0OPS", user="U0ALICE", text="only you")

    [ephemeral] = sandbox.state.ephemerals_for("C0OPS", "U0ALICE")
    assert (ephemeral.ts, ephemeral.text, ephemeral.source) == (reply["message_ts"], "only you", "api")
    assert sandbox.state.ephemerals_for("C0OPS", "U0BOB") == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C0RANDOM", "text": "hi"}, "not_in_channel"),
        ({"channel": "C0NOPE", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0OPS"}, "no_text"),
        ({"channel": "C0OPS", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C0OPS", "text": "big", "blocks": [section("x" * 2900)] * 5}, "msg_blocks_too_long"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
async def test_post_message_errors(client: AsyncWebClient, kwargs: dict[str, Any], error: str) -> None:
    failure = await slack_error(client.chat_postMessage(**kwargs))

    assert failure.response.status_code == 200
    assert failure.response["ok"] is False
    assert failure.response["error"] == error


async def test_invalid_blocks_carry_slacks_json_pointer_message(client: AsyncWebClient, sandbox: Sandbox) -> None:
    failure = await slack_error(client.chat_postMessage(channel="C0OPS", text="t", blocks=[section("x" * 3001)]))

    assert failure.response["error"] == "invalid_blocks"
    assert failure.response["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert sandbox.state.messages_in("C0OPS") == []


async def test_update_errors(client: AsyncWebClient, sandbox: Sandbox) -> None:
    human = sandbox.state.post_message("C0OPS", text="typed by alice", user="U0ALICE")
    mine = await client.chat_postMessage(channel="C0OPS", text="mine")

    missing = await slack_error(client.chat_update(channel="C0OPS", ts="1.000001", text="x"))
    not_mine = await slack_error(client.chat_update(channel="C0OPS", ts=human.ts, text="x"))
    too_long = await slack_error(client.chat_update(channel="C0OPS", ts=mine["ts"], text="x" * 4001))

    assert missing.response["error"] == "message_not_found"
    assert not_mine.response["error"] == "cant_update_message"
    assert too_long.response["error"] == "msg_too_long"


async def test_post_ephemeral_errors(client: AsyncWebClient, sandbox: Sandbox) -> None:
    sandbox.state.add_user("U0ERIN", "erin")

    outside = await slack_error(client.chat_postEphemeral(channel="C0RANDOM", user="U0ALICE", text="x"))
    stranger = await slack_error(client.chat_postEphemeral(channel="C0OPS", user="U0ERIN", text="x"))

    assert outside.response["error"] == "not_in_channel"
    assert stranger.response["error"] == "user_not_in_channel"


async def test_membership_can_change_during_a_test(client: AsyncWebClient, sandbox: Sandbox) -> None:
    sandbox.state.join("C0RANDOM", sandbox.state.bot_user_id)
    await client.chat_postMessage(channel="C0RANDOM", text="now I can")
    sandbox.state.leave("C0RANDOM", sandbox.state.bot_user_id)

    failure = await slack_error(client.chat_postMessage(channel="C0RANDOM", text="not any more"))
    assert failure.response["error"] == "not_in_channel"


async def test_directory_methods(client: AsyncWebClient) -> None:
    alice = await client.users_info(user="U0ALICE")
    oncall = await client.usergroups_users_list(usergroup="S0ONCALL")
    dm = await client.conversations_open(users="U0DAVE")
    posted = await client.chat_postMessage(channel=dm["channel"]["id"], text="a DM")
    unknown = await slack_error(client.users_info(user="U0NOBODY"))
    no_group = await slack_error(client.usergroups_users_list(usergroup="S0NOPE"))

    assert alice["user"]["name"] == "alice"
    assert alice["user"]["is_bot"] is False
    assert oncall["users"] == ["U0BOB", "U0CAROL"]
    assert dm["channel"]["id"].startswith("D")
    assert posted["channel"] == dm["channel"]["id"]
    assert unknown.response["error"] == "user_not_found"
    assert no_group.response["error"] == "no_such_subteam"


async def test_unknown_method(client: AsyncWebClient) -> None:
    failure = await slack_error(client.api_call("chat.teleport"))

    assert failure.response["error"] == "unknown_method"
