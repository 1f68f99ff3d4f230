"""A message's text and blocks, refused the way Slack refuses them: shared by every way of posting one
(chat.postMessage and chat.update, response_urls, file shares).
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from bot.sandbox.block_kit import MAX_BLOCKS_JSON_CHARS, block_errors, blocks_json_length
from bot.sandbox.errors import ApiError

POST_MESSAGE_MAX_TEXT = 40_000
UPDATE_MAX_TEXT = 4_000
MAX_METADATA_CHARS = 8_000
_BLOCK_ID_ALPHABET = string.ascii_letters + string.digits


def parse_blocks(params: dict[str, Any]) -> list[Any] | None:
    """The `blocks` parameter as a list (form posts carry it as a JSON string), or None when absent."""
    raw = params.get("blocks")
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError:
            raise ApiError("invalid_blocks_format") from None
    if not isinstance(raw, list):
        raise ApiError("invalid_blocks_format")
    return raw


def checked_content(params: dict[str, Any], *, max_text: int) -> tuple[str | None, list[Any] | None]:
    """Text and blocks of a message, refused the way Slack refuses them; at least one must be present."""
    text = params.get("text")
    text = None if text is None else str(text)
    blocks = parse_blocks(params)
    if not text and not blocks:
        raise ApiError("no_text")
    if text is not None and len(text) > max_text:
        raise ApiError("msg_too_long")
    if blocks:
        errors = block_errors(blocks)
        if errors:
            raise ApiError("invalid_blocks", errors=errors)
        if blocks_json_length(blocks) > MAX_BLOCKS_JSON_CHARS:
            raise ApiError("msg_blocks_too_long")
        blocks = with_block_ids(blocks)
    return text, blocks


def checked_metadata(params: dict[str, Any]) -> dict[str, Any] | None:
    """A message's `metadata` (a JSON string in form posts): an `event_type` and an object `event_payload`."""
    raw = params.get("metadata")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError("invalid_metadata_format") from None
    if not isinstance(raw, dict):
        raise ApiError("invalid_metadata_format")
    event_type, payload = raw.get("event_type"), raw.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise ApiError("invalid_metadata_schema")
    if len(json.dumps(raw)) > MAX_METADATA_CHARS:
        raise ApiError("metadata_too_large")
    return {"event_type": event_type, "event_payload": payload}


def with_block_ids(blocks: list[Any]) -> list[Any]:
    """Copies of the blocks where each has a block_id, as Slack stores them (it invents ids for the rest)."""
    return [
        {**block, "block_id": "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(5))}
        if isinstance(block, dict) and "block_id" not in block
        else block
        for block in blocks
    ]
