"""Interactions (one `payload` form field holding JSON): clicks on elements nobody handles, modals, shortcuts,
select-menu options, legacy dialogs and attachments."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.payloads import encode_interaction
from tests.bot.slack_shapes.common import (
    APP,
    BOT_ID,
    BOT_USER,
    CHANNEL,
    DEAD_URL,
    FORM,
    LATER,
    TEAM,
    TOKEN,
    TRIGGER,
    TS,
    USER,
    Shape,
    text_blocks,
)


def _user() -> dict[str, Any]:
    return {"id": USER, "username": "alice", "name": "alice", "team_id": TEAM}


def _team() -> dict[str, Any]:
    return {"id": TEAM, "domain": "sandbox"}


def _view(callback_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "V0MODAL",
        "team_id": TEAM,
        "type": "modal",
        "blocks": [
            {
                "type": "input",
                "block_id": "answer",
                "label": {"type": "plain_text", "text": "Reason"},
                "optional": False,
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        "private_metadata": json.dumps({"approval_id": "ap-old", "channel": CHANNEL}),
        "callback_id": callback_id,
        "state": {"values": {"answer": {"value": {"type": "plain_text_input", "value": "not now"}}}},
        "hash": "1732500042.AbCdEf",
        "title": {"type": "plain_text", "text": "Reject action"},
        "clear_on_close": False,
        "notify_on_close": True,
        "close": {"type": "plain_text", "text": "Cancel"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "previous_view_id": None,
        "root_view_id": "V0MODAL",
        "app_id": APP,
        "external_id": "",
        "app_installed_team_id": TEAM,
        "bot_id": BOT_ID,
        **extra,
    }


def click(action: dict[str, Any], response_url: str, *, trigger_id: str, container: str = "message") -> dict[str, Any]:
    """A `block_actions` payload for one element in a message (or a modal or the Home tab)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(),
        "api_app_id": APP,
        "token": TOKEN,
        "trigger_id": trigger_id,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [{"block_id": "b1", "action_ts": LATER, **action}],
    }
    if container == "message":
        payload["container"] = {"type": "message", "message_ts": TS, "channel_id": CHANNEL, "is_ephemeral": False}
        payload["channel"] = {"id": CHANNEL, "name": "ops"}
        payload["message"] = {"type": "message", "user": BOT_USER, "ts": TS, "bot_id": BOT_ID, "text": "card"}
        payload["response_url"] = response_url
    elif container == "view":
        payload["container"] = {"type": "view", "view_id": "V0MODAL"}
        payload["view"] = _view("approval_reject_reason")
    else:  # the Home tab
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        payload["view"] = {
            "id": "V0HOME",
            "team_id": TEAM,
            "type": "home",
            "blocks": [],
            "callback_id": "",
            "hash": "1.a",
        }
    return payload


def _button(action_id: str, value: str = "1") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "Go"}, "value": value}


def interaction_payloads(response_url: str, trigger_id: str) -> dict[str, dict[str, Any]]:
    """Interactions that no listener of opsgate handles today, by name."""
    url = response_url
    static_select = {
        "type": "static_select",
        "action_id": "env_picker",
        "selected_option": {"text": {"type": "plain_text", "text": "staging"}, "value": "staging"},
        "placeholder": {"type": "plain_text", "text": "Environment"},
    }
    overflow = {
        "type": "overflow",
        "action_id": "more",
        "selected_option": {"text": {"type": "plain_text", "text": "Mute"}, "value": "mute"},
    }
    datepicker = {
        "type": "datepicker",
        "action_id": "until",
        "selected_date": "2026-12-24",
        "initial_date": "2026-12-01",
    }
    link = {**_button("open_runbook"), "url": "https://runbooks.example.com/api"}
    checkboxes = {"type": "checkboxes", "action_id": "flags", "selected_options": []}
    shortcut = {
        "type": "shortcut",
        "token": TOKEN,
        "action_ts": LATER,
        "team": _team(),
        "user": {"id": USER, "username": "alice", "team_id": TEAM},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "ops_shortcut",
        "trigger_id": trigger_id,
    }
    message_action = {
        "type": "message_action",
        "token": TOKEN,
        "action_ts": LATER,
        "team": _team(),
        "user": {"id": USER, "name": "alice"},
        "channel": {"id": CHANNEL, "name": "ops"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "ask_opsgate",
        "trigger_id": trigger_id,
        "message_ts": TS,
        "message": {
            "type": "message",
            "user": USER,
            "text": "api is slow",
            "ts": TS,
            "blocks": text_blocks("api is slow"),
        },
        "response_url": url,
    }
    suggestion = {
        "type": "block_suggestion",
        "user": _user(),
        "container": {"type": "view", "view_id": "V0MODAL"},
        "api_app_id": APP,
        "token": TOKEN,
        "action_id": "service_search",
        "block_id": "svc",
        "value": "ap",
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": _view("pick_service"),
    }
    dialog = {
        "token": TOKEN,
        "action_ts": LATER,
        "team": _team(),
        "user": {"id": USER, "name": "alice", "team_id": TEAM},
        "channel": {"id": CHANNEL, "name": "ops"},
        "callback_id": "legacy-dialog",
        "state": "ap-old",
    }
    legacy_button = {
        "type": "interactive_message",
        "actions": [{"name": "approve", "type": "button", "value": "ap-old"}],
        "callback_id": "approval_legacy",
        "team": _team(),
        "channel": {"id": CHANNEL, "name": "ops"},
        "user": {"id": USER, "name": "alice"},
        "action_ts": LATER,
        "message_ts": TS,
        "attachment_id": "1",
        "token": TOKEN,
        "is_app_unfurl": False,
        "original_message": {"type": "message", "text": "approve?", "bot_id": BOT_ID, "ts": TS},
        "response_url": url,
        "trigger_id": trigger_id,
    }
    return {
        "block_actions static_select (unknown action_id)": click(static_select, url, trigger_id=trigger_id),
        "block_actions overflow (unknown action_id)": click(overflow, url, trigger_id=trigger_id),
        "block_actions datepicker (unknown action_id)": click(datepicker, url, trigger_id=trigger_id),
        "block_actions checkboxes (unknown action_id)": click(checkboxes, url, trigger_id=trigger_id),
        "block_actions link button": click(link, url, trigger_id=trigger_id),
        "block_actions button in a modal": click(_button("refresh"), url, trigger_id=trigger_id, container="view"),
        "block_actions button on the Home tab": click(
            _button("home_refresh"), url, trigger_id=trigger_id, container="home"
        ),
        "view_submission (unknown callback_id)": {
            "type": "view_submission",
            "team": _team(),
            "user": _user(),
            "api_app_id": APP,
            "token": TOKEN,
            "trigger_id": trigger_id,
            "view": _view("feedback_form"),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        },
        "view_closed (our modal)": {
            "type": "view_closed",
            "team": _team(),
            "user": _user(),
            "api_app_id": APP,
            "token": TOKEN,
            "view": _view("approval_reject_reason"),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        },
        "view_closed (unknown modal)": {
            "type": "view_closed",
            "team": _team(),
            "user": _user(),
            "api_app_id": APP,
            "token": TOKEN,
            "view": _view("feedback_form"),
            "is_cleared": True,
            "is_enterprise_install": False,
            "enterprise": None,
        },
        "global shortcut": shortcut,
        "message shortcut": message_action,
        "block_suggestion": suggestion,
        "dialog_suggestion": {**dialog, "type": "dialog_suggestion", "name": "service", "value": "ap"},
        "dialog_submission": {
            **dialog,
            "type": "dialog_submission",
            "submission": {"service": "api", "reason": "load"},
            "response_url": url,
        },
        "dialog_cancellation": {**dialog, "type": "dialog_cancellation", "response_url": url},
        "interactive_message (legacy attachment button)": legacy_button,
    }


def interaction_shapes() -> list[Shape]:
    payloads = interaction_payloads(DEAD_URL, TRIGGER)
    return [Shape(name, encode_interaction(payload), FORM) for name, payload in payloads.items()]
