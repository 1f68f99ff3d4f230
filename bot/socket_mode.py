"""The bot's Socket Mode surface: Slack's envelopes over a WebSocket, checked as the HTTP layer checks requests.

Bolt's own adapter hands every envelope's payload to Bolt as it comes. This one first runs `bot.http`'s checks on
it (`payload_problem`: the shapes Bolt trips over, a response_url that is not Slack's) and HTTP's size cap, and
passes Bolt only Slack's retry headers, as `bot.http` does. Socket Mode has no status codes: a refused envelope
is acknowledged with no payload and the refusal is logged, as HTTP logs its 400s (unacknowledged, Slack would
redeliver an event that can never pass and show the person a timeout). What no listener handles is acknowledged
by `bot.unhandled`, as over HTTP. A listener's failure, HTTP's 500, is left unacknowledged: Slack retries an
event then, as it does after a 500. There is no signature to check: the socket itself was opened with the
app-level token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.http import MAX_BODY_BYTES, RequestKind, bolt_headers, payload_problem

__all__ = ["ENVELOPE_KINDS", "SlackSocketApp"]

log = logging.getLogger(__name__)

ENVELOPE_KINDS: dict[str, RequestKind] = {
    "events_api": "event",
    "interactive": "interaction",
    "slash_commands": "command",
}


class SlackSocketApp:
    """Connects the Bolt app to Slack over Socket Mode; `ping_interval` also paces reconnection after a failure."""

    def __init__(self, app: AsyncApp, app_token: str, *, ping_interval: float = 10.0) -> None:
        if not app_token:
            raise ValueError("the app-level token is empty: set SLACK_APP_TOKEN (xapp-…)")
        self._app = app
        self.client = SocketModeClient(app_token=app_token, web_client=app.client, ping_interval=ping_interval)
        self.client.message_listeners.append(self._on_message)

    async def connect(self) -> None:
        """Open the first connection. A token Slack refuses fails here, at start-up, naming Slack's error, rather
        than being retried for ever in the background; later reconnections are the client's own."""
        try:
            self.client.wss_uri = await self.client.issue_new_wss_url()
        except SlackApiError as exc:
            await self.client.close()  # type: ignore[no-untyped-call]
            raise RuntimeError(f"Slack refused SLACK_APP_TOKEN for Socket Mode: {exc.response.get('error')}") from exc
        await self.client.connect()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.client.close()  # type: ignore[no-untyped-call]

    async def _on_message(self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str) or not envelope_id:
            return  # hello, disconnect: the client's own business
        started = time.time()
        kind = ENVELOPE_KINDS.get(str(message.get("type")))
        reason = self.refusal(kind, message.get("payload"), len((raw or "").encode("utf-8")))
        request = SocketModeRequest.from_dict(message) if reason is None else None  # the payload is an object now
        if request is None:
            log.info("refused a Slack envelope over Socket Mode: %s", reason)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
            return
        headers: dict[str, str] = {}
        if request.retry_attempt is not None:
            headers["x-slack-retry-num"] = str(request.retry_attempt)
            headers["x-slack-retry-reason"] = str(request.retry_reason or "")
        bolt_request = AsyncBoltRequest(mode="socket_mode", body=request.payload, headers=bolt_headers(headers))
        response = await self._app.async_dispatch(bolt_request)
        await send_async_response(client, request, response, started)  # no ack unless a 200, as Bolt's adapter

    def refusal(self, kind: RequestKind | None, payload: Any, size: int) -> str | None:
        """Why an envelope must not reach Bolt (None: it may): the HTTP layer's reasons for a 413 or a 400."""
        if size > MAX_BODY_BYTES:
            return "request too large"
        if kind is None:
            return "an envelope of a type Slack does not send"
        return payload_problem(kind, payload, self._app.client.base_url)
