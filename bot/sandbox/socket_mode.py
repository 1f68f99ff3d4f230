"""Slack's Socket Mode for the sandbox's one app: requests reach the bot over a WebSocket it opened, not by HTTP.

As in Slack (https://api.slack.com/apis/socket-mode): `apps.connections.open`, called with the app-level token
(`xapp-…`, never a bot token), answers a one-time WebSocket URL; the socket starts with `hello`; each request is an
envelope (`events_api`, `interactive`, `slash_commands`) with an `envelope_id` that the app acknowledges with
`{"envelope_id": …, "payload": …}`, the payload being what an HTTP answer's body would be; `disconnect`
(`refresh_requested`, `warning`) asks the app to open a new connection, and no envelope goes to a connection that
was asked to go. An envelope not acknowledged in time is Slack's `operation_timeout`; with no connection open, its
`dispatch_failed`.

With `Sandbox(socket_mode=True)` every slash command, click, mention and app event goes this way; `send` pushes any
payload (malformed ones too) for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bot.sandbox.api_routes import bearer_token, request_params
from bot.sandbox.errors import ApiError
from bot.sandbox.payloads import APP_ID
from bot.sandbox.state import SandboxState

__all__ = ["APP_TOKEN", "SocketMode", "envelope_for"]

APP_TOKEN = "xapp-1-A0SANDBOX-1-sandbox"
TICKET_TTL_S = 30.0
"""How long a URL from apps.connections.open may wait before it is used (Slack's are short-lived and one-time)."""
CLOSE_TIMEOUT_S = 2.0


def envelope_for(body: bytes, content_type: str, envelope_id: str) -> dict[str, Any]:
    """The envelope Slack sends over a socket for what it would POST: an Events API JSON body, an interaction's
    `payload=` form, or a slash command's form fields (as a JSON object of strings)."""
    text = body.decode("utf-8")
    if content_type.split(";")[0] == "application/json":
        payload: Any = json.loads(text)
        return {
            "envelope_id": envelope_id,
            "type": "events_api",
            "payload": payload,
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
        }
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return {
            "envelope_id": envelope_id,
            "type": "interactive",
            "payload": json.loads(form["payload"]),
            "accepts_response_payload": True,
        }
    return {"envelope_id": envelope_id, "type": "slash_commands", "payload": form, "accepts_response_payload": True}


@dataclass
class Connection:
    socket: web.WebSocketResponse
    leaving: bool = False
    """Sent `disconnect`: Slack sends it nothing more and waits for the app to close it."""


@dataclass
class Ack:
    """The app's answer to one envelope, and how long it took (seconds)."""

    envelope_id: str
    payload: Any
    elapsed: float
    raw: dict[str, Any] = field(default_factory=dict)


class SocketMode:
    """The Socket Mode side of the sandbox; `base_url` is the sandbox's own, for the URLs it hands out."""

    def __init__(self, state: SandboxState, base_url: Callable[[], str], *, app_token: str = APP_TOKEN) -> None:
        self.state = state
        self.base_url = base_url
        self.app_token = app_token
        self.opened = 0
        """URLs handed out by apps.connections.open: one per connection the app opened (or tried to)."""
        self.acks: list[Ack] = []
        self._tickets: dict[str, float] = {}
        self._connections: list[Connection] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def routes(self) -> list[web.RouteDef]:
        """Registered before the Web API's `/api/{method}`, which knows only bot tokens."""
        return [
            web.route("*", "/api/apps.connections.open", self.connections_open),
            web.get("/socket-mode/{ticket}", self.websocket),
        ]

    @property
    def connections(self) -> int:
        """Open connections that Slack would still send envelopes to."""
        return sum(1 for c in self._connections if not c.leaving and not c.socket.closed)

    # --- the app's side: open a connection ----------------------------------------------------------------

    async def connections_open(self, request: web.Request) -> web.Response:
        try:
            params = await request_params(request)
            token = bearer_token(request, params)
            if token is None:
                raise ApiError("not_authed")
            if token in self.state.bot_tokens or token in self.state.revoked_tokens:
                raise ApiError("not_allowed_token_type")  # a bot token: Socket Mode needs the app-level one
            if not secrets.compare_digest(token.encode(), self.app_token.encode()):
                raise ApiError("invalid_auth")
        except ApiError as failure:
            return web.json_response(failure.body(), status=failure.status, headers=failure.headers)
        ticket = secrets.token_urlsafe(16)
        self._tickets[ticket] = self.state.clock()
        self.opened += 1
        self.state.touch()
        url = self.base_url().replace("http://", "ws://", 1) + f"socket-mode/{ticket}"
        return web.json_response({"ok": True, "url": url})

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        issued = self._tickets.pop(request.match_info["ticket"], None)
        if issued is None or self.state.clock() - issued > TICKET_TTL_S:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        connection = Connection(socket)
        self._connections.append(connection)
        self.state.touch()
        hello = {
            "type": "hello",
            "num_connections": self.connections,
            "debug_info": {"host": "sandbox", "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }
        try:
            await socket.send_json(hello)
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._received(message.data)
        finally:
            self._connections.remove(connection)
            self.state.touch()
        return socket

    def _received(self, text: str) -> None:
        try:
            answer = json.loads(text)
        except ValueError:
            return  # Slack ignores what it cannot read; the envelope stays unacknowledged
        if not isinstance(answer, dict):
            return
        pending = self._pending.get(str(answer.get("envelope_id")))
        if pending is not None and not pending.done():
            pending.set_result(answer)

    # --- Slack's side: envelopes and disconnects ----------------------------------------------------------

    async def send(self, kind: str, payload: Any, *, timeout: float, **extra: Any) -> Ack | None:
        """Send one envelope of `kind` to the newest connection and wait for its ack; None when no connection is
        open or the app does not acknowledge within `timeout` seconds."""
        envelope = {"envelope_id": secrets.token_hex(8), "type": kind, "payload": payload, **extra}
        return await self.send_envelope(envelope, timeout=timeout)

    async def send_envelope(self, envelope: dict[str, Any], *, timeout: float) -> Ack | None:
        targets = [c for c in self._connections if not c.leaving and not c.socket.closed]
        if not targets:
            return None
        envelope_id = str(envelope["envelope_id"])
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending[envelope_id] = pending
        started = loop.time()
        try:
            await targets[-1].socket.send_json(envelope)
            async with asyncio.timeout(timeout):
                answer = await pending
        except (TimeoutError, ConnectionError):
            return None
        finally:
            del self._pending[envelope_id]
        ack = Ack(envelope_id, answer.get("payload"), loop.time() - started, answer)
        self.acks.append(ack)
        return ack

    async def deliver(self, body: bytes, content_type: str, timeout: float) -> tuple[int, dict[str, str], str, bool]:
        """What `BotDelivery` would have POSTed, sent as an envelope instead: (status, headers, body, timed out) as
        if the ack were an HTTP answer, so the sandbox shows the person the same thing."""
        if not self.connections:
            return 0, {}, "the app has no Socket Mode connection open", False
        ack = await self.send_envelope(envelope_for(body, content_type, secrets.token_hex(8)), timeout=timeout)
        if ack is None:
            return 0, {}, f"no ack within {timeout} s", True
        if ack.payload is None or ack.payload == {}:
            return 200, {}, "", False
        return 200, {"Content-Type": "application/json"}, json.dumps(ack.payload), False

    async def disconnect(self, reason: str = "refresh_requested") -> int:
        """Ask every open connection to go (`refresh_requested`, `warning`, `link_disabled`); the app is expected to
        open a new one first. Returns how many were asked."""
        asked = [c for c in self._connections if not c.leaving and not c.socket.closed]
        for connection in asked:
            connection.leaving = True
            await connection.socket.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "sandbox"}}
            )
        self.state.touch()
        return len(asked)

    async def close(self) -> None:
        """Close every connection (the sandbox stops)."""
        for connection in list(self._connections):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await connection.socket.close()
