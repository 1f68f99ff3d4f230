"""files.getUploadURLExternal and files.completeUploadExternal: Slack's external upload, as slack_sdk's
`files_upload_v2` drives it.

The flow has three steps, and a bot can get each one wrong on its own: ask for an upload URL for a declared
length, POST exactly that many bytes to it (see `uploads.py`), then complete the upload, which shares the files
in one message per channel. Completing answers with the files only, not the message: Slack shares
asynchronously, so a bot cannot learn the message's ts from this call, and here it cannot either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.message_content import POST_MESSAGE_MAX_TEXT, checked_content
from bot.sandbox.records import Channel, File
from bot.sandbox.state import SandboxState

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the sandbox team's restriction; Slack itself allows up to 1 GB
MAX_ALT_TXT = 1000
MAX_SHARE_CHANNELS = 100
CHANNEL_ID_PATTERN = "^[CGDZ][A-Z0-9]+$"  # Slack's is ^[CGDZ][A-Z0-9]{8,}$; the sandbox's ids are shorter


def invalid_arguments(*messages: str) -> ApiError:
    """Slack's answer to a parameter that fails its schema, with the reasons in response_metadata."""
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


def declared_length(raw: object) -> int:
    """The `length` parameter as Slack checks it: an integer (digits in a query or form), greater than 0."""
    if raw is None or raw == "":
        raise invalid_arguments("missing required field: length")
    text = "" if isinstance(raw, bool) else str(raw).strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        raise invalid_arguments("invalid type for field, expected integer [json-pointer:/length]")
    length = int(text)
    if length == 0:
        raise ApiError("missing_argument")  # Slack's documented answer to a zero length
    if length < 0:
        raise invalid_arguments("must be greater than 0 [json-pointer:/length]")
    return length


def requested_files(raw: object) -> list[tuple[str, str | None]]:
    """The `files` parameter ([{"id", "title"}], JSON in a form) as (id, title) pairs."""
    if raw is None or raw == "":
        raise invalid_arguments("missing required field: files")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise invalid_arguments("invalid json [json-pointer:/files]") from None
    if not isinstance(raw, list) or not raw:
        raise invalid_arguments("must be a non-empty array [json-pointer:/files]")
    wanted: list[tuple[str, str | None]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise invalid_arguments(f"missing required field: id [json-pointer:/files/{index}/id]")
        title = item.get("title")
        wanted.append((item["id"], None if title is None else str(title)))
    return wanted


class FileMethods:
    """The two Web API methods of an external upload; `base_url` is the sandbox's, for the URLs handed out."""

    def __init__(self, state: SandboxState, base_url: Callable[[], str]) -> None:
        self.state = state
        self.base_url = base_url

    def files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = str(params.get("filename") or "").strip()
        if not filename:
            raise invalid_arguments("missing required field: filename")
        length = declared_length(params.get("length"))
        if length > MAX_UPLOAD_BYTES:
            raise ApiError("file_upload_size_restricted")
        alt_txt = None if params.get("alt_txt") is None else str(params["alt_txt"])
        if alt_txt is not None and len(alt_txt) > MAX_ALT_TXT:
            raise ApiError("alt_txt_too_large")
        base = self.base_url()
        file = self.state.issue_file(base, name=filename, size=length, alt_txt=alt_txt)
        return {"upload_url": f"{base}upload/v1/{file.id}", "file_id": file.id}

    def files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        files = [(self.uploaded_file(file_id), title) for file_id, title in requested_files(params.get("files"))]
        channels = self.share_channels(params)
        thread_ts = str(params.get("thread_ts") or "") or None
        if thread_ts is not None and len(channels) > 1:
            raise invalid_arguments("thread_ts needs exactly one channel [json-pointer:/thread_ts]")
        text, blocks = self.share_content(params)
        self.state.complete_files(
            [(file, title or file.name) for file, title in files],
            [c.id for c in channels],
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
        )
        return {"files": [file.to_api() for file, _ in files]}

    def uploaded_file(self, file_id: str) -> File:
        """A file whose bytes arrived and which is not completed yet; anything else is `file_not_found`."""
        file = self.state.files.get(file_id)
        if file is None:
            raise ApiError("file_not_found")
        if file.completed:
            reason = f"file {file_id} is already completed: files.completeUploadExternal works once per file"
            raise ApiError("file_not_found", response_metadata={"messages": [f"[ERROR] {reason}"]})
        if file.content is None:
            reason = f"nothing was uploaded to the upload_url of file {file_id}"
            raise ApiError("file_not_found", response_metadata={"messages": [f"[ERROR] {reason}"]})
        return file

    def share_channels(self, params: dict[str, Any]) -> list[Channel]:
        """Where to share: `channel_id` (an id only) and/or `channels` (ids or user ids); none keeps it private."""
        channels: list[Channel] = []
        channel_id = str(params.get("channel_id") or "")
        if channel_id:
            if not re.fullmatch(CHANNEL_ID_PATTERN, channel_id):
                pattern = f"input must match regex pattern: {CHANNEL_ID_PATTERN}"
                raise invalid_arguments(f"{pattern} [json-pointer:/channel_id]")
            channels.append(self.member_channel(channel_id))
        raw = params.get("channels") or ""
        listed = [str(c).strip() for c in (raw if isinstance(raw, list) else str(raw).split(",")) if str(c).strip()]
        if len(listed) > MAX_SHARE_CHANNELS:
            raise ApiError("channels_limit_exceeded")
        for wanted in listed:
            channel = self.member_channel(wanted)
            if channel not in channels:
                channels.append(channel)
        return channels

    def member_channel(self, wanted: str) -> Channel:
        if wanted in self.state.users:
            channel = self.state.open_dm([wanted])
        elif wanted in self.state.channels:
            channel = self.state.channels[wanted]
        else:
            raise ApiError("channel_not_found")
        if self.state.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def share_content(self, params: dict[str, Any]) -> tuple[str, list[Any] | None]:
        """The message's text (`initial_comment`) or, only without one, its `blocks`, checked like chat.postMessage."""
        comment = params.get("initial_comment")
        if comment:
            if len(str(comment)) > POST_MESSAGE_MAX_TEXT:
                raise ApiError("msg_too_long")
            return str(comment), None
        if params.get("blocks"):
            _, blocks = checked_content({"blocks": params["blocks"]}, max_text=POST_MESSAGE_MAX_TEXT)
            return "", blocks
        return "", None
