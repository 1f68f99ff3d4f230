"""The copy a posting step made before it died, found so the step adopts it instead of posting a second one.

A step's post carries its nonce in Slack's message metadata (`handlers.contracts.post_nonce`). A step that may
have posted before looks in the channel's history (a thread root) or the thread's replies (a reply), from a little
before the nonce was journaled; Slack returns metadata there only when `include_all_metadata` is asked. Several
copies (an answer lost on the way back, then a retry that did not see the first post yet) keep the oldest and lose
the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.contracts.post_nonce import POST_EVENT_TYPE, PostNonce

__all__ = ["adopt_earlier_post", "post_metadata"]

log = logging.getLogger(__name__)

CLOCK_SKEW = 120.0
"""Seconds looked back before the nonce was journaled: the worker's clock against Slack's."""
PAGE_SIZE = 200
MAX_PAGES = 25
_NOT_VISIBLE = {"missing_scope", "channel_not_found", "not_in_channel", "thread_not_found"}


def post_metadata(nonce: PostNonce) -> dict[str, Any]:
    """The message metadata a step's post carries, so the step can find it again."""
    return {"event_type": POST_EVENT_TYPE, "event_payload": {"nonce": nonce.value}}


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def _carries(message: dict[str, Any], nonce: PostNonce) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == POST_EVENT_TYPE and payload.get("nonce") == nonce.value)


async def _copies(
    client: AsyncWebClient, channel: str, thread_ts: str | None, nonce: PostNonce, token: dict[str, Any]
) -> list[str] | None:
    """The ts of every message carrying `nonce`; None when they cannot be looked for (no history scope, say)."""
    found: list[str] = []
    cursor: str | None = None
    oldest = f"{max(0.0, nonce.since - CLOCK_SKEW):.6f}"
    for _ in range(MAX_PAGES):
        try:
            if thread_ts is None:
                page = await client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=PAGE_SIZE, cursor=cursor, **token
                )
            else:
                page = await client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                    **token,
                )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in _NOT_VISIBLE:
                log.warning("cannot look for an earlier copy of a post in %s (%s): posting", channel, error)
                return None
            raise
        found += [str(m["ts"]) for m in page.get("messages") or [] if _carries(m, nonce)]
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return found
    log.warning("gave up looking for an earlier copy of a post in %s after %d pages: posting", channel, MAX_PAGES)
    return found or None


async def adopt_earlier_post(
    client: AsyncWebClient, channel: str, thread_ts: str | None, nonce: PostNonce, token: dict[str, Any]
) -> str | None:
    """The ts of the oldest message posted under `nonce` (a root when `thread_ts` is None, else a reply in that
    thread), after deleting any later copies; None when there is none and the step must post."""
    copies = await _copies(client, channel, thread_ts, nonce, token)
    if not copies:
        return None
    first, *extras = sorted(set(copies), key=_ts_key)
    for ts in extras:
        try:
            await client.chat_delete(channel=channel, ts=ts, **token)
        except SlackApiError as exc:
            if exc.response is None or exc.response.get("error") != "message_not_found":
                raise
    log.info("adopted an earlier post %s in %s (%d extra copies deleted)", first, channel, len(extras))
    return first
