"""conversations.history and conversations.replies, paged and windowed as Slack pages them.

History lists a channel's top-level messages newest first; replies lists a thread oldest first, its parent at the
head of every page. Both take `oldest`/`latest` (exclusive unless `inclusive`), `limit` and an opaque `cursor`
(base64 of `next_ts:<ts>`, like Slack's), answer `has_more` with `response_metadata.next_cursor`, and show a
message's metadata only when `include_all_metadata` is asked.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.records import Channel, Message
from bot.sandbox.state import SandboxState

__all__ = ["HistoryMethods"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 999


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6] or 0)


def _flag(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"1", "true"}


def _bound(params: dict[str, Any], name: str) -> tuple[int, int] | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return _ts_key(str(raw))
    except ValueError:
        raise ApiError(f"invalid_ts_{name}") from None


def _limit(params: dict[str, Any]) -> int:
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise ApiError("invalid_limit") from None
    return min(max(limit, 1), MAX_LIMIT)


def _cursor(params: dict[str, Any]) -> tuple[int, int] | None:
    raw = str(params.get("cursor") or "")
    if not raw:
        return None
    try:
        prefix, _, ts = base64.b64decode(raw, validate=True).decode().partition(":")
        if prefix != "next_ts":
            raise ValueError(prefix)
        return _ts_key(ts)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("invalid_cursor") from None


def _next_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


class HistoryMethods:
    """Reading a conversation back, as a bot token with `channels:history` reads the channels it is in."""

    def __init__(self, state: SandboxState, member_channel: Callable[[dict[str, Any]], Channel]) -> None:
        self.state = state
        self.member_channel = member_channel

    def _page(self, messages: list[Message], params: dict[str, Any], *, newest_first: bool) -> dict[str, Any]:
        oldest, latest, inclusive = _bound(params, "oldest"), _bound(params, "latest"), _flag(params, "inclusive")

        def in_window(message: Message) -> bool:
            key = _ts_key(message.ts)
            after = oldest is None or key > oldest or (inclusive and key == oldest)
            before = latest is None or key < latest or (inclusive and key == latest)
            return after and before

        window = sorted(filter(in_window, messages), key=lambda m: _ts_key(m.ts), reverse=newest_first)
        cursor = _cursor(params)
        if cursor is not None:
            window = [m for m in window if (_ts_key(m.ts) <= cursor if newest_first else _ts_key(m.ts) >= cursor)]
        limit = _limit(params)
        page, rest = window[:limit], window[limit:]
        with_metadata = _flag(params, "include_all_metadata")
        return {
            "messages": [self._shown(m, with_metadata) for m in page],
            "has_more": bool(rest),
            "response_metadata": {"next_cursor": _next_cursor(rest[0].ts) if rest else ""},
        }

    def _shown(self, message: Message, with_metadata: bool) -> dict[str, Any]:
        body = message.to_api(self.state.team.id, self.state.files)
        if with_metadata and message.metadata is not None:
            body["metadata"] = message.metadata
        replies = [m for m in self.state.thread(message.channel, message.ts) if m.ts != message.ts]
        if replies and not message.is_reply:
            body["reply_count"] = len(replies)
            body["latest_reply"] = replies[-1].ts
        return body

    def conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.member_channel(params)
        top_level = [m for m in self.state.messages_in(channel.id) if not m.is_reply]
        return {**self._page(top_level, params, newest_first=True), "pin_count": 0}

    def conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.member_channel(params)
        message = self.state.find_message(channel.id, str(params.get("ts") or ""))
        if message is None:
            raise ApiError("thread_not_found")
        parent = self.state.find_message(channel.id, message.thread_ts or message.ts) or message
        replies = [m for m in self.state.thread(channel.id, parent.ts) if m.ts != parent.ts]
        page = self._page(replies, params, newest_first=False)
        shown_parent = self._shown(parent, _flag(params, "include_all_metadata"))
        return {**page, "messages": [shown_parent, *page["messages"]]}
