"""The bodies Slack POSTs to an app for a slash command and a button click, byte for byte in Slack's shape.

Pure functions, so benchmarks and unit tests can build the same requests the running sandbox sends. Shapes
follow Slack's documentation and bolt-python's scenario tests: slash commands are form fields; interactions are
one `payload` form field holding JSON.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

APP_ID = "A0SANDBOX"
VERIFICATION_TOKEN = "sandbox-verification-token"
TEAM_ID = "T0SANDBOX"
TEAM_DOMAIN = "sandbox"


def new_trigger_id(now: float) -> str:
    """A trigger id in Slack's shape ("1234567890123.1234567890.<32 hex>"); the random tail makes it unique."""
    return f"{int(now * 1000):013d}.{secrets.randbelow(10**10):010d}.{secrets.token_hex(16)}"


def slash_command_body(
    *,
    user_id: str,
    channel_id: str,
    text: str,
    response_url: str,
    trigger_id: str,
    command: str = "/ops",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The form-encoded body of a slash command, with exactly the fields Slack sends, in Slack's order."""
    fields = {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id.lower(),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def block_actions_payload(
    *,
    user_id: str,
    channel_id: str,
    message_ts: str,
    button: Mapping[str, Any],
    block_id: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
    message: Mapping[str, Any] | None = None,
    is_ephemeral: bool = False,
    value: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """The JSON of a `block_actions` interaction for one button click.

    Slack leaves `message` out when the clicked message is ephemeral, so pass `message=None` there.
    `value` overrides the button's own value (to forge a tampered click in a test).
    """
    name = user_name or user_id.lower()
    action: dict[str, Any] = {
        "action_id": button.get("action_id"),
        "block_id": block_id,
        "text": button.get("text"),
        "type": "button",
        "action_ts": action_ts,
    }
    chosen_value = value if value is not None else button.get("value")
    if chosen_value is not None:
        action["value"] = chosen_value
    if "style" in button:
        action["style"] = button["style"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": token,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name or channel_id.lower()},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is not None:
        payload["message"] = dict(message)
    return payload


def encode_interaction(payload: Mapping[str, Any]) -> bytes:
    """The form-encoded body Slack POSTs for an interaction: one `payload` field holding the JSON."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def block_actions_body(
    *,
    user_id: str,
    channel_id: str,
    message_ts: str,
    button: Mapping[str, Any],
    block_id: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
    message: Mapping[str, Any] | None = None,
    is_ephemeral: bool = False,
    value: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
) -> bytes:
    """The form-encoded body (`payload=<json>`) of one button click; see `block_actions_payload`."""
    payload = block_actions_payload(
        user_id=user_id,
        channel_id=channel_id,
        message_ts=message_ts,
        button=button,
        block_id=block_id,
        trigger_id=trigger_id,
        response_url=response_url,
        action_ts=action_ts,
        message=message,
        is_ephemeral=is_ephemeral,
        value=value,
        user_name=user_name,
        channel_name=channel_name,
    )
    return encode_interaction(payload)


def iter_buttons(blocks: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every button in a message as (block_id, button): actions blocks' elements and section accessories."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                yield str(block.get("block_id", "")), element


def find_button(blocks: list[Any], action_id: str) -> tuple[str, dict[str, Any]] | None:
    """The (block_id, button) with this action_id, or None if the message has no such button."""
    return next(((bid, b) for bid, b in iter_buttons(blocks) if b.get("action_id") == action_id), None)


def view_submission_body(
    *,
    user_id: str,
    user_name: str,
    view: Mapping[str, Any],
    values: Mapping[str, Mapping[str, str]],
    trigger_id: str,
    team_id: str = TEAM_ID,
) -> bytes:
    """A `view_submission` interaction: the modal as the bot opened it, with what the person typed in its state."""
    state = {
        block_id: {action_id: {"type": "plain_text_input", "value": value} for action_id, value in actions.items()}
        for block_id, actions in values.items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": state}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return encode_interaction(payload)


def app_mention_body(
    *,
    user_id: str,
    channel_id: str,
    text: str,
    ts: str,
    thread_ts: str | None,
    event_id: str,
    event_time: int,
    bot_user_id: str,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> bytes:
    """An Events API `event_callback` envelope carrying an `app_mention`, as JSON (Slack's shape)."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user_id,
        "text": text,
        "ts": ts,
        "channel": channel_id,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    envelope = {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [{"team_id": team_id, "user_id": bot_user_id, "is_bot": True}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def app_event_body(
    *,
    event: dict[str, Any],
    event_id: str,
    event_time: int,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> bytes:
    """An Events API `event_callback` envelope for an event about the app itself (`app_uninstalled`,
    `tokens_revoked`): Slack sends these with no `authorizations`, the app's tokens being gone."""
    envelope = {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
    }
    return json.dumps(envelope).encode()
