"""The pure payload builders: Slack's field sets and shapes, and trigger ids."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from bot.sandbox import block_actions_body, new_trigger_id, slash_command_body
from bot.sandbox.payloads import find_button

SLASH_FIELDS = [
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
]


def test_slash_command_body_has_exactly_slacks_fields_in_order() -> None:
    body = slash_command_body(
        user_id="U0ALICE",
        channel_id="C0OPS",
        text="restart the api & more",
        response_url="http://127.0.0.1:1/response/x",
        trigger_id="1.2.abc",
        user_name="alice",
        channel_name="ops",
    )

    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    assert [name for name, _ in pairs] == SLASH_FIELDS
    fields = dict(pairs)
    assert fields["command"] == "/ops"
    assert fields["text"] == "restart the api & more"
    assert fields["team_id"] == "T0SANDBOX"
    assert fields["is_enterprise_install"] == "false"
    assert b"%2Fops" in body


def test_block_actions_body_has_the_real_shape() -> None:
    button = {
        "type": "button",
        "action_id": "approve",
        "text": {"type": "plain_text", "text": "Approve"},
        "value": "a1",
    }
    message = {"type": "message", "ts": "1732512345.000100", "text": "card", "blocks": []}

    body = block_actions_body(
        user_id="U0BOB",
        channel_id="C0OPS",
        message_ts="1732512345.000100",
        button=button,
        block_id="blk",
        trigger_id="1.2.abc",
        response_url="http://127.0.0.1:1/response/y",
        action_ts="1732512346.000001",
        message=message,
        user_name="bob",
        channel_name="ops",
    )

    (name, raw), *rest = parse_qsl(body.decode())
    assert (name, rest) == ("payload", [])
    payload = json.loads(raw)
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": "T0SANDBOX"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1732512345.000100",
        "channel_id": "C0OPS",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C0OPS", "name": "ops"}
    assert payload["message"] == message
    assert payload["actions"] == [
        {
            "action_id": "approve",
            "block_id": "blk",
            "text": {"type": "plain_text", "text": "Approve"},
            "type": "button",
            "action_ts": "1732512346.000001",
            "value": "a1",
        }
    ]
    expected_keys = {"api_app_id", "token", "trigger_id", "team", "enterprise", "is_enterprise_install"}
    assert expected_keys | {"state", "response_url"} <= set(payload)


def test_ephemeral_click_has_no_message() -> None:
    body = block_actions_body(
        user_id="U0BOB",
        channel_id="C0OPS",
        message_ts="1.000001",
        button={"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "X"}},
        block_id="b",
        trigger_id="t",
        response_url="u",
        action_ts="2.000001",
        is_ephemeral=True,
    )

    payload = json.loads(dict(parse_qsl(body.decode()))["payload"])
    assert "message" not in payload
    assert payload["container"]["is_ephemeral"] is True
    assert "value" not in payload["actions"][0]


def test_trigger_ids_have_slacks_shape_and_are_unique() -> None:
    ids = {new_trigger_id(1732512345.5) for _ in range(200)}

    assert len(ids) == 200
    assert all(re.fullmatch(r"\d{13}\.\d{10}\.[0-9a-f]{32}", trigger_id) for trigger_id in ids)


def test_find_button_looks_in_actions_and_section_accessories() -> None:
    blocks = [
        {"type": "section", "block_id": "s", "accessory": {"type": "button", "action_id": "more"}},
        {"type": "actions", "block_id": "a", "elements": [{"type": "button", "action_id": "approve"}]},
    ]

    assert find_button(blocks, "more") == ("s", {"type": "button", "action_id": "more"})
    assert find_button(blocks, "approve") == ("a", {"type": "button", "action_id": "approve"})
    assert find_button(blocks, "reject") is None
