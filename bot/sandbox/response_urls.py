"""The response_url endpoint: how a bot answers a slash command or a click after its ack.

Slack allows five uses within thirty minutes, then answers 404; a bot that edits an approval card through the
response_url hours later breaks there, so it breaks here too (such cards must use chat.update).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ApiError
from bot.sandbox.message_content import POST_MESSAGE_MAX_TEXT, checked_content
from bot.sandbox.records import Ephemeral, Message, ResponseUrl
from bot.sandbox.state import SandboxState

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_LIFETIME_SECONDS = 30 * 60


class ResponseUrlRoutes:
    """`POST /response/<id>`: JSON {text, blocks, response_type, replace_original, delete_original, thread_ts}."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/response/{url_id:.+}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        try:
            url = self.usable_url(request.match_info["url_id"])
            try:
                body = await request.json()
            except json.JSONDecodeError:
                body = None
            if not isinstance(body, dict):
                raise ApiError("invalid_payload", status=400)
            url.uses += 1
            self.apply(url, body)
        except ApiError as failure:
            return web.json_response(failure.body(), status=failure.status, headers=failure.headers)
        return web.json_response({"ok": True})

    def usable_url(self, url_id: str) -> ResponseUrl:
        url = self.state.response_urls.get(url_id)
        if url is None:
            raise ApiError("no_such_url", status=404)
        if self.state.clock() - url.issued_at >= RESPONSE_URL_LIFETIME_SECONDS:
            raise ApiError("expired_url", status=404)
        if url.uses >= RESPONSE_URL_MAX_USES:
            raise ApiError("used_url", status=404)
        return url

    def apply(self, url: ResponseUrl, body: dict[str, Any]) -> None:
        if body.get("delete_original"):
            self.delete_original(url)
            return
        try:
            text, blocks = checked_content(body, max_text=POST_MESSAGE_MAX_TEXT)
        except ApiError as failure:
            failure.status = 400
            raise
        if body.get("replace_original") and url.message_ts is not None:
            self.replace_original(url, text, blocks)
        elif body.get("response_type") == "in_channel":
            thread_ts = body.get("thread_ts")
            self.state.post_message(
                url.channel,
                text=text or "",
                blocks=blocks,
                user=self.state.bot_user_id,
                bot_id=self.state.bot_id,
                thread_ts=None if thread_ts is None else str(thread_ts),
            )
        else:
            self.state.post_ephemeral(url.channel, url.user, text=text or "", blocks=blocks, source="response_url")

    def original(self, url: ResponseUrl) -> Message | Ephemeral:
        """The message the clicked button was in; 404 if the bot deleted it meanwhile."""
        found: Message | Ephemeral | None = None
        if url.message_ts is not None and url.message_is_ephemeral:
            found = self.state.find_ephemeral(url.channel, url.user, url.message_ts)
        elif url.message_ts is not None:
            found = self.state.find_message(url.channel, url.message_ts)
        if found is None:
            raise ApiError("message_not_found", status=404)
        return found

    def replace_original(self, url: ResponseUrl, text: str | None, blocks: list[Any] | None) -> None:
        original = self.original(url)
        original.text = text or ""
        original.blocks = blocks or []
        if isinstance(original, Message):
            original.edit_count += 1
        self.state.touch()

    def delete_original(self, url: ResponseUrl) -> None:
        self.original(url).deleted = True
        self.state.touch()
