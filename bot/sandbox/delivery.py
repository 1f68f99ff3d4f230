"""Sending signed slash commands and button clicks to the bot, and recording what Slack would then show.

Slack shows the ack's message to the person (ephemeral unless `in_channel`), and an error when the bot answers
late (after 3 s: "operation_timeout"), not at all ("dispatch_failed") or with a non-2xx status; the sandbox
records those as ephemerals so the page and the tests see exactly what the person would.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.sandbox.errors import ApiError
from bot.sandbox.message_content import POST_MESSAGE_MAX_TEXT, checked_content
from bot.sandbox.payloads import (
    app_event_body,
    app_mention_body,
    block_actions_body,
    find_button,
    iter_buttons,
    slash_command_body,
    view_submission_body,
)
from bot.sandbox.signing import FORM_CONTENT_TYPE, sign_request
from bot.sandbox.state import SandboxState

SocketDelivery = Callable[[bytes, str, float], Awaitable[tuple[int, dict[str, str], str, bool]]]
"""Socket Mode's stand-in for the POST (bot.sandbox.socket_mode): body, content type, timeout → status, headers,
body, timed out."""
ACK_DEADLINE_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class BotReply:
    """The bot's HTTP answer; `status` is 0 when it gave none, `error` is what Slack would show, if anything."""

    status: int
    headers: dict[str, str]
    body: str
    json: Any
    trigger_id: str
    response_url: str
    elapsed: float
    error: str | None = None

    @property
    def ack_message(self) -> dict[str, Any] | None:
        """What Slack reads from the ack: the JSON object, or a plain-text body as `{"text": body}`.

        Bolt's `ack("text")` answers text/plain, so `json` is None there while Slack still shows the text.
        """
        if isinstance(self.json, dict):
            return self.json
        if self.json is None and self.body and 200 <= self.status < 300:
            return {"text": self.body}
        return None


def slack_error_for(status: int, elapsed: float, ack_deadline: float) -> str | None:
    """The error Slack shows for this answer (its wording for non-2xx statuses is approximated)."""
    if status == 0:
        return "dispatch_failed"
    if elapsed > ack_deadline:
        return "operation_timeout"
    if 400 <= status < 500:
        return "http_client_error"
    if status >= 500:
        return "http_service_error"
    if not 200 <= status < 300:
        return "dispatch_failed"
    return None


class BotDelivery:
    """Posts signed requests to the bot's URL, as Slack does, with a bounded wait."""

    def __init__(self, state: SandboxState, signing_secret: str) -> None:
        self.state = state
        self.signing_secret = signing_secret
        self.ack_deadline = ACK_DEADLINE_SECONDS
        self.request_timeout = REQUEST_TIMEOUT_SECONDS
        self._session: aiohttp.ClientSession | None = None
        self.socket: SocketDelivery | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_slash_command(
        self,
        bot_url: str | None,
        base_url: str,
        *,
        user_id: str,
        channel_id: str,
        text: str,
        command: str,
        trigger_id: str | None = None,
        team_id: str | None = None,
    ) -> BotReply:
        user, channel = self.state.users[user_id], self.state.channels[channel_id]
        team = self.state.workspaces[team_id or self.state.team.id]
        trigger = self.state.issue_trigger(user_id, trigger_id)
        url = self.state.issue_response_url(base_url, channel=channel_id, user=user_id)
        body = slash_command_body(
            user_id=user_id,
            channel_id=channel_id,
            text=text,
            command=command,
            response_url=url.url,
            trigger_id=trigger.id,
            user_name=user.name,
            channel_name=channel.name,
            team_id=team.id,
            team_domain=team.domain,
        )
        reply = await self.post(bot_url, body, trigger.id, url.url)
        if reply.error is not None:
            self.show_error(channel_id, user_id, f'{command} failed with the error "{reply.error}"')
        else:
            self.show_ack(channel_id, user_id, reply)
        return reply

    async def send_mention(
        self,
        bot_url: str | None,
        *,
        user_id: str,
        channel_id: str,
        text: str,
        thread_ts: str | None,
        team_id: str | None = None,
    ) -> tuple[str, BotReply]:
        """Post `text` as `user_id` (in the thread when given) and deliver the `app_mention` event Slack would."""
        message = self.state.post_message(channel_id, text=text, user=user_id, thread_ts=thread_ts)
        body = app_mention_body(
            user_id=user_id,
            channel_id=channel_id,
            text=text,
            ts=message.ts,
            thread_ts=message.thread_ts,
            event_id="Ev" + secrets.token_hex(8).upper(),
            event_time=int(self.state.clock()),
            bot_user_id=self.state.bot_user_id,
            team_id=team_id or self.state.team.id,
        )
        return message.ts, await self.post(bot_url, body, "", "", content_type="application/json")

    async def send_app_events(self, bot_url: str | None, team_id: str, events: list[dict[str, Any]]) -> list[BotReply]:
        """Deliver events about the app itself (uninstall, revoked tokens) of workspace `team_id`, one by one."""
        replies = []
        for event in events:
            body = app_event_body(
                event={**event, "event_ts": self.state.next_ts()},
                event_id="Ev" + secrets.token_hex(8).upper(),
                event_time=int(self.state.clock()),
                team_id=team_id,
            )
            replies.append(await self.post(bot_url, body, "", "", content_type="application/json"))
        return replies

    async def click_button(
        self,
        bot_url: str | None,
        base_url: str,
        *,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str | None,
    ) -> BotReply:
        user, channel = self.state.users[user_id], self.state.channels[channel_id]
        message = self.state.find_message(channel_id, message_ts)
        ephemeral = None if message else self.state.find_ephemeral(channel_id, user_id, message_ts)
        clicked = message or ephemeral
        if clicked is None:
            raise LookupError(f"no message {message_ts} in {channel_id} that {user_id} can see")
        found = find_button(clicked.blocks, action_id)
        if found is None:
            known = [button.get("action_id") for _, button in iter_buttons(clicked.blocks)]
            raise LookupError(f"message {message_ts} has no button {action_id!r}; its buttons: {known}")
        block_id, button = found
        trigger = self.state.issue_trigger(user_id)
        url = self.state.issue_response_url(
            base_url,
            channel=channel_id,
            user=user_id,
            message_ts=message_ts,
            message_is_ephemeral=not message,
        )
        body = block_actions_body(
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            button=button,
            block_id=block_id,
            trigger_id=trigger.id,
            response_url=url.url,
            action_ts=self.state.next_ts(),
            message=message.to_api(self.state.team.id, self.state.files) if message else None,
            is_ephemeral=message is None,
            value=value,
            user_name=user.name,
            channel_name=channel.name,
        )
        reply = await self.post(bot_url, body, trigger.id, url.url)
        if reply.error is not None:
            self.show_error(channel_id, user_id, f'The app failed to handle your click: "{reply.error}"')
        return reply

    async def submit_view(
        self, bot_url: str | None, *, user_id: str, view: dict[str, Any], values: dict[str, dict[str, str]]
    ) -> BotReply:
        """Submit a modal as `user_id`; an empty 200 (or `response_action: clear`) closes it, as in Slack."""
        trigger = self.state.issue_trigger(user_id)
        body = view_submission_body(
            user_id=user_id, user_name=self.state.users[user_id].name, view=view, values=values, trigger_id=trigger.id
        )
        return await self.post(bot_url, body, trigger.id, "")

    async def post(
        self,
        bot_url: str | None,
        body: bytes,
        trigger_id: str,
        response_url: str,
        *,
        content_type: str = FORM_CONTENT_TYPE,
    ) -> BotReply:
        """POST the signed body; never raises for the bot's failures, which become `BotReply.error`."""
        headers = sign_request(self.signing_secret, body, int(self.state.clock()), content_type)
        headers["User-Agent"] = "Slackbot 1.0 (+https://api.slack.com/robots)"
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, text, timed_out, reply_headers = 0, "", False, dict[str, str]()
        if self.socket is not None:
            status, reply_headers, text, timed_out = await self.socket(body, content_type, self.request_timeout)
        elif bot_url is not None:
            if self._session is None:
                # A new connection per delivery, as Slack does: no reuse of a keep-alive the bot just closed.
                self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
            try:
                timeout = aiohttp.ClientTimeout(total=self.request_timeout)
                async with self._session.post(bot_url, data=body, headers=headers, timeout=timeout) as response:
                    status, reply_headers, text = response.status, dict(response.headers), await response.text()
            except TimeoutError:
                timed_out, text = True, f"no answer within {self.request_timeout} s"
            except aiohttp.ClientError as failure:
                text = f"{type(failure).__name__}: {failure}"
        else:
            text = "the sandbox has no bot_url to send to"
        elapsed = loop.time() - started
        error = "operation_timeout" if timed_out else slack_error_for(status, elapsed, self.ack_deadline)
        parsed = _json_or_none(text)
        return BotReply(status, reply_headers, text, parsed, trigger_id, response_url, elapsed, error)

    def show_ack(self, channel_id: str, user_id: str, reply: BotReply) -> None:
        """Show the ack's message as Slack does: ephemeral to the person, or in the channel if asked."""
        content = reply.ack_message
        if content is None or not (content.get("text") or content.get("blocks")):
            return
        try:
            text, blocks = checked_content(content, max_text=POST_MESSAGE_MAX_TEXT)
        except ApiError as failure:
            self.show_error(channel_id, user_id, f'The app\'s answer was refused with the error "{failure.error}"')
            return
        if content.get("response_type") == "in_channel":
            bot = self.state.bot_user_id
            self.state.post_message(channel_id, text=text or "", blocks=blocks, user=bot, bot_id=self.state.bot_id)
        else:
            self.state.post_ephemeral(channel_id, user_id, text=text or "", blocks=blocks, source="ack")

    def show_error(self, channel_id: str, user_id: str, text: str) -> None:
        self.state.post_ephemeral(channel_id, user_id, text=text, source="error")


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
