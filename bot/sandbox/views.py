"""views.open and views.update, with the trigger rules that make modals hard to get right.

A trigger_id opens one modal, once, within three seconds of the click or command that produced it; a bot that
opens a modal after slow work on the ack path fails in Slack with `expired_trigger_id`, so it fails here too.
Time comes from the sandbox's clock, so a test can step past the three seconds.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from bot.sandbox.block_kit import MODAL_MAX_BLOCKS, block_errors
from bot.sandbox.errors import ApiError
from bot.sandbox.records import View
from bot.sandbox.state import SandboxState

TRIGGER_LIFETIME_SECONDS = 3.0
_ID_ALPHABET = string.ascii_uppercase + string.digits


def _new_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def view_errors(view: dict[str, Any]) -> list[str]:
    """Reasons Slack would refuse this modal, as `[ERROR] ... [json-pointer:/view/...]` messages."""
    errors: list[str] = []
    if view.get("type") != "modal":
        errors.append("must be a valid enum value [json-pointer:/view/type]")
    title = view.get("title")
    if not isinstance(title, dict) or title.get("type") != "plain_text":
        errors.append("must provide a plain_text object [json-pointer:/view/title]")
    elif len(str(title.get("text", ""))) > 24:
        errors.append("must be less than 25 characters [json-pointer:/view/title/text]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    errors += block_errors(view.get("blocks"), max_blocks=MODAL_MAX_BLOCKS, pointer="/view/blocks")
    return ["[ERROR] " + e for e in errors]


def parse_view(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("view")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, dict):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: view"]})
    errors = view_errors(raw)
    if errors:
        raise ApiError("invalid_arguments", response_metadata={"messages": errors})
    return raw


class ViewMethods:
    """The modal methods; a view belongs to the user whose trigger opened it."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self.state.triggers.get(str(params.get("trigger_id") or ""))
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self.state.clock() - trigger.issued_at >= TRIGGER_LIFETIME_SECONDS:
            raise ApiError("expired_trigger_id")
        payload = parse_view(params)
        external_id = payload.get("external_id")
        if external_id is not None and any(v.external_id == external_id for v in self.state.views.values()):
            raise ApiError("duplicate_external_id")
        trigger.used = True
        view = View(_new_id("V"), trigger.user, payload, _new_id("", 16), external_id)
        self.state.views[view.id] = view
        self.state.touch()
        return {"view": self.to_api(view)}

    def views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self.find(params)
        expected_hash = params.get("hash")
        if expected_hash is not None and expected_hash != view.hash:
            raise ApiError("hash_conflict")
        payload = parse_view(params)
        view.view = payload
        view.external_id = payload.get("external_id", view.external_id)
        view.hash = _new_id("", 16)
        view.update_count += 1
        self.state.touch()
        return {"view": self.to_api(view)}

    def find(self, params: dict[str, Any]) -> View:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] view_id or external_id"]})
        for view in self.state.views.values():
            if (view_id and view.id == view_id) or (external_id and view.external_id == external_id):
                return view
        raise ApiError("not_found")

    def to_api(self, view: View) -> dict[str, Any]:
        return {
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **view.view,
            "id": view.id,
            "team_id": self.state.team.id,
            "external_id": view.external_id or "",
            "state": {"values": {}},
            "hash": view.hash,
            "root_view_id": view.id,
            "previous_view_id": None,
            "app_id": "A0SANDBOX",
            "bot_id": self.state.bot_id,
        }
