"""The sandbox: a local, stateful stand-in for Slack that the bot cannot tell from the real thing.

It serves Slack's Web API (`api_url`), response_urls, upload URLs and a web page (`web_url`), and sends signed
slash commands and clicks to the bot. It is deliberately no kinder than Slack: no deduplication, the same limits,
the same expiring triggers and response_urls, the same rate limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from aiohttp import web

from bot.sandbox.api_routes import ApiRoutes
from bot.sandbox.delivery import BotDelivery, BotReply
from bot.sandbox.oauth import OAuthRoutes
from bot.sandbox.rate_limit import ChannelRateLimiter
from bot.sandbox.response_urls import ResponseUrlRoutes
from bot.sandbox.socket_mode import APP_TOKEN, SocketMode
from bot.sandbox.state import SandboxState
from bot.sandbox.ui import UiRoutes
from bot.sandbox.uploads import UploadRoutes
from bot.sandbox.views import ViewMethods
from bot.sandbox.web_api import WebApi

T = TypeVar("T")


class Sandbox:
    """Slack for one machine: start it, point the bot's client at `api_url` and the sandbox at `bot_url`.

    `clock` is Slack's clock: it stamps messages, signs requests, ages triggers and response_urls and refills
    the rate limiter, so tests can step time instead of sleeping.
    """

    def __init__(
        self,
        *,
        signing_secret: str,
        bot_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = "xoxb-sandbox-token",
        rate_limit: bool = True,
        clock: Callable[[], float] = time.time,
        oauth_redirect_urls: Sequence[str] = (),
        socket_mode: bool = False,
        app_token: str = APP_TOKEN,
    ) -> None:
        self.bot_url = bot_url
        self.host = host
        self.bot_token = bot_token
        self.state = SandboxState(clock)
        self.state.issue_bot_token(self.state.team.id, bot_token)  # installed in the first workspace already
        # The app's OAuth registration: client id/secret, redirect URLs (none registered: any is accepted).
        self.oauth = OAuthRoutes(self.state, redirect_urls=oauth_redirect_urls)
        self._requested_port = port
        self._port: int | None = None
        self._limiter = ChannelRateLimiter(clock, enabled=rate_limit)
        self._delivery = BotDelivery(self.state, signing_secret)
        # Socket Mode on: requests go over the WebSocket the app opens with `app_token`, never to `bot_url`.
        self.socket_mode = SocketMode(self.state, lambda: self.base_url, app_token=app_token)
        self._delivery.socket = self.socket_mode.deliver if socket_mode else None
        self._runner: web.AppRunner | None = None
        # One Event per state version, replaced on every change: state changes in plain synchronous code,
        # where an asyncio.Condition could not be notified without holding its lock.
        self._changed = asyncio.Event()
        self._stopping = False
        self.state.listeners.append(self._wake_waiters)

    # --- lifecycle -------------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.oauth.routes())
        app.add_routes(self.socket_mode.routes())  # before /api/{method}: apps.connections.open takes an xapp token
        app.add_routes(ApiRoutes(WebApi(self.state, self._limiter, lambda: self.base_url)).routes())
        app.add_routes(ResponseUrlRoutes(self.state).routes())
        app.add_routes(UploadRoutes(self.state).routes())
        app.add_routes(UiRoutes(self).routes())
        return app

    async def start(self) -> None:
        """Bind and serve; port 0 picks a free port."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self._stopping = False
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._stopping = True
        self._wake_waiters()
        await self._delivery.close()
        await self.socket_mode.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the sandbox is not started: await sandbox.start() first")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self._port}/"

    @property
    def api_url(self) -> str:
        """The Web API base for `AsyncWebClient(base_url=...)`; the trailing slash matters to slack_sdk."""
        return self.base_url + "api/"

    @property
    def web_url(self) -> str:
        return self.base_url

    # --- knobs -----------------------------------------------------------------------------------------

    def set_rate_limit(self, enabled: bool) -> None:
        """Switch chat.postMessage's per-channel rate limit on or off (off for benchmarks); resets the buckets."""
        self._limiter.enabled = enabled
        self._limiter.reset()

    @property
    def ack_deadline(self) -> float:
        """Seconds after which Slack gives up on the bot's answer ("operation_timeout"); 3 in Slack."""
        return self._delivery.ack_deadline

    @ack_deadline.setter
    def ack_deadline(self, seconds: float) -> None:
        self._delivery.ack_deadline = seconds

    # --- acting as Slack -------------------------------------------------------------------------------

    async def send_slash_command(
        self,
        *,
        user_id: str,
        channel_id: str,
        text: str,
        command: str = "/ops",
        trigger_id: str | None = None,
        team_id: str | None = None,
    ) -> BotReply:
        """Send a signed slash command to `bot_url` as `user_id` typed it in `channel_id`.

        Each call is a new request with a fresh trigger_id, as in Slack; pass `trigger_id` to replay an earlier
        request's id (a redelivery must not start a second task). `team_id` picks the workspace it comes from.
        """
        return await self._delivery.send_slash_command(
            self.bot_url,
            self.base_url,
            user_id=user_id,
            channel_id=channel_id,
            text=text,
            command=command,
            trigger_id=trigger_id,
            team_id=team_id,
        )

    async def send_mention(
        self, *, user_id: str, channel_id: str, text: str, thread_ts: str | None = None, team_id: str | None = None
    ) -> tuple[str, BotReply]:
        """`user_id` writes `text` (mentioning the bot) in the channel or a thread; the bot gets the event.
        Returns the new message's ts and the bot's HTTP answer."""
        return await self._delivery.send_mention(
            self.bot_url, user_id=user_id, channel_id=channel_id, text=text, thread_ts=thread_ts, team_id=team_id
        )

    async def click_button(
        self, *, user_id: str, channel_id: str, message_ts: str, action_id: str, value: str | None = None
    ) -> BotReply:
        """Send a signed block_actions payload for the button `action_id` in that message (or ephemeral)."""
        return await self._delivery.click_button(
            self.bot_url,
            self.base_url,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            action_id=action_id,
            value=value,
        )

    async def uninstall(self, team_id: str) -> list[BotReply]:
        """Remove the app from a workspace, as its admin would: its bot tokens are revoked, and the bot hears
        `tokens_revoked` then `app_uninstalled` (Slack's order)."""
        self.state.revoke_bot_tokens(team_id)
        return await self._delivery.send_app_events(
            self.bot_url,
            team_id,
            [
                {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [self.state.bot_user_id]}},
                {"type": "app_uninstalled"},
            ],
        )

    async def submit_view(self, *, user_id: str, view_id: str, values: dict[str, dict[str, str]]) -> BotReply:
        """Submit the open modal `view_id` with `values` ({block_id: {action_id: text}}), signed, as Slack does."""
        view = self.state.views.get(view_id)
        if view is None or view.closed or view.user != user_id:
            raise LookupError(f"no open modal {view_id} for {user_id}")
        reply = await self._delivery.submit_view(
            self.bot_url, user_id=user_id, view=ViewMethods(self.state).to_api(view), values=values
        )
        answer = reply.json if isinstance(reply.json, dict) else {}
        if reply.status == 200 and answer.get("response_action") in (None, "clear"):
            view.closed = True
            self.state.touch()
        return reply

    # --- waiting ---------------------------------------------------------------------------------------

    def _wake_waiters(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _wait_for_change(self, deadline: float) -> None:
        """Wait for the next state change or the deadline; callers check their condition right before."""
        changed = self._changed
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining > 0:
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    async def wait_for(self, predicate: Callable[[SandboxState], T | bool | None], timeout: float = 10.0) -> T:
        """Wait until `predicate(state)` gives something other than None or False, and return it.

        Re-checked on every state change, never by polling; raises TimeoutError describing the latest state.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate(self.state)
            if result is not None and result is not False:
                return cast(T, result)
            if loop.time() >= deadline:
                raise TimeoutError(self._describe_timeout(predicate, timeout))
            await self._wait_for_change(deadline)

    async def wait_for_version(self, since: int, timeout: float) -> int:
        """Wait until the state version passes `since` (or the timeout, or stop); the web page long-polls this."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.state.version <= since and not self._stopping and loop.time() < deadline:
            await self._wait_for_change(deadline)
        return self.state.version

    def _describe_timeout(self, predicate: Callable[..., object], timeout: float) -> str:
        name = getattr(predicate, "__qualname__", repr(predicate))
        messages = [f"{m.channel} {m.ts} {m.user}: {m.text[:80]!r}" for m in self.state.messages[-5:]]
        ephemerals = [f"{e.channel}→{e.user} ({e.source}): {e.text[:80]!r}" for e in self.state.ephemerals[-5:]]
        return (
            f"{name} was not satisfied within {timeout}s (state version {self.state.version}, "
            f"{len(self.state.messages)} messages, {len(self.state.ephemerals)} ephemerals). "
            f"Latest messages: {messages or 'none'}. Latest ephemerals: {ephemerals or 'none'}."
        )
