"""The bot's HTTP surface: an ASGI app in front of Bolt.

Bolt verifies signatures and dispatches; this layer adds what a production endpoint needs around it: a body
size cap (413), 400 for a malformed payload that carries a valid signature (bare Bolt answers 500 to an
interaction whose `payload` is not JSON), strict parsing of the signing headers (401 for a timestamp that is not
ASCII digits, a signature that is not lower-case hex), only Slack's own headers passed on to Bolt, and `/healthz`.
With OAuth on, it also serves the browser's side of an install, `GET /slack/install` and `GET /slack/oauth_redirect`,
which carry no Slack signature (the signed state and its cookie protect them; see bot.oauth).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qs, parse_qsl, urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.readiness import Readiness
from bot.response_urls import response_url_allowed

__all__ = ["MAX_BODY_BYTES", "RequestKind", "SlackHttpApp", "bolt_headers", "payload_problem", "shape_problem"]

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1 << 20
EVENTS_PATH = "/slack/events"
MAX_CLOCK_SKEW_S = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # not str.isdigit(): '²'.isdigit() is True and int('²') raises
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_RETRY_NUM = re.compile(r"[0-9]{1,3}")
_SIGNING_HEADERS = ("x-slack-request-timestamp", "x-slack-signature")
_BOLT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")
"""All Bolt gets: it also obeys `x-slack-bolt-lazy-only` and `x-slack-bolt-lazy-function-name`, which would skip
the ack function (and the checks in it) for any request whose sender adds them."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _TooLarge(Exception):
    pass


_TEXT_OR_OBJECT = ("enterprise", "team", "user", "channel")
_OBJECTS = ("event", "view", "container", "message", "state")
_LISTS_OF_OBJECTS = ("authorizations", "response_urls")
_IDS = ("team_id", "enterprise_id", "user_id", "channel_id")
"""Ids Bolt reads to route a request and to find its workspace (`context.team_id`): a list there is a TypeError."""
_TEXTS = ("type", "action_id", "callback_id", "block_id", "trigger_id", "api_app_id", "response_url", *_IDS)


def shape_problem(payload: dict[str, Any]) -> str | None:
    """What Bolt would trip over in a parsed payload (a TypeError is a 500 there), or None.

    Bolt reads these fields without checking their types, to find the team, user and channel of a request."""
    for key in _TEXT_OR_OBJECT:
        value = payload.get(key)
        if value is not None and not isinstance(value, str | dict):
            return f"{key} is neither a string nor an object"
        if isinstance(value, dict) and not isinstance(value.get("id", ""), str | None):
            return f"{key}.id is not a string"
    for key in _TEXTS:
        if payload.get(key) is not None and not isinstance(payload[key], str):
            return f"{key} is not a string"
    legacy_dialog = str(payload.get("type", "")).startswith("dialog_")
    for key in _OBJECTS:
        if key == "state" and legacy_dialog and isinstance(payload.get(key), str):  # a dialog: the app's own text
            continue
        if key in payload and not isinstance(payload[key], dict):
            return f"{key} is not an object"
    for key in _LISTS_OF_OBJECTS:
        value = payload.get(key)
        if key in payload and not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
            return f"{key} is not a list of objects"
    for authorization in payload.get("authorizations") or []:
        if any(authorization.get(key) is not None and not isinstance(authorization[key], str) for key in _IDS):
            return "an authorization's id is not a string"
    if len(payload.get("response_urls") or []) > 1:  # Bolt 1.30 raises on several; our modals ask for none
        return "more than one response_url"
    if payload.get("type") in ("block_actions", "interactive_message") or "actions" in payload:
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
            return "actions is not a non-empty list of objects"
        if payload.get("type") == "block_actions" and any(not isinstance(a.get("action_id"), str) for a in actions):
            return "an action without a string action_id"
        if any(not isinstance(a.get("action_id", ""), str) for a in actions):
            return "an action_id is not a string"
    view = payload.get("view")
    if isinstance(view, dict) and not isinstance(view.get("callback_id", ""), str):
        return "view.callback_id is not a string"
    if isinstance(view, dict) and not isinstance(view.get("app_installed_team_id", ""), str | None):
        return "view.app_installed_team_id is not a string"
    if payload.get("type") == "event_callback" and not isinstance(payload.get("event"), dict):
        return "event_callback without an event object"
    event = payload.get("event")
    if isinstance(event, dict):
        return shape_problem({key: event.get(key) for key in (*_TEXT_OR_OBJECT, *_IDS)})
    return None


def canonical_form(body: bytes) -> bytes:
    """A form body as Bolt must see it: the word "payload" anywhere in a slash command (`/ops show the payload of
    …`) makes Bolt read the form as an interaction, so it is percent-encoded (`%70ayload`), which reads back the
    same. Most bodies pass unchanged."""
    if b"payload" not in body:
        return body
    pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    if any(name == "payload" for name, _ in pairs):
        return body
    return urlencode(pairs).replace("payload", "%70ayload").encode()


RequestKind = Literal["event", "interaction", "command"]
"""What a Slack request carries: an Events API envelope, an interaction payload, or a slash command's fields."""
_COMMAND_FIELDS = ("team_id", "channel_id", "user_id", "trigger_id")


def reads_as_json(text: str, content_type: str) -> bool:
    """Bolt's own rule (slack_bolt.request.internals.parse_body): what is checked here is what Bolt then reads."""
    return content_type.split(";")[0] == "application/json" or text.startswith("{")


def foreign_response_url(payload: dict[str, Any], api_url: str) -> bool:
    """A response_url pointing anywhere but Slack's hooks (or the sandbox the client talks to)."""
    urls = [payload.get("response_url")]
    listed = payload.get("response_urls")
    if isinstance(listed, list):
        urls += [item.get("response_url") for item in listed if isinstance(item, dict)]
    return any(isinstance(url, str) and url != "" and not response_url_allowed(url, api_url) for url in urls)


def payload_problem(kind: RequestKind, payload: Any, api_url: str) -> str | None:
    """Why a parsed Slack request must not reach Bolt, or None. The one check of both transports: over HTTP it runs
    once the signature and the body's encoding are checked; in Socket Mode (bot.socket_mode) on the envelope's
    payload, which Slack sends already parsed."""
    if kind == "command":
        if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
            return "a slash command field is not a string"
        missing = [k for k in _COMMAND_FIELDS if not payload.get(k)]
        reason = f"slash command without {', '.join(missing)}" if missing else None
    elif kind == "interaction":
        has_type = isinstance(payload, dict) and "type" in payload
        reason = shape_problem(payload) if has_type else "payload has no type"
    else:
        reason = shape_problem(payload) if isinstance(payload, dict) else "body is not a JSON object"
    if reason is None and foreign_response_url(payload, api_url):
        return "response_url is not Slack's"
    return reason


def malformed_reason(body: bytes, content_type: str, api_url: str) -> str | None:
    """Why Bolt could not make sense of this body, or None when it looks like a Slack request."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if reads_as_json(text, content_type):
        try:
            parsed = json.loads(text)
        except ValueError:
            return "body is not JSON"
        return payload_problem("event", parsed, api_url)
    form = parse_qs(text, keep_blank_values=True)
    repeated = sorted(name for name, values in form.items() if len(values) > 1)
    if repeated:  # we would check one value and Bolt would use another
        return f"field given more than once: {', '.join(repeated)}"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return "payload is not JSON"
        return payload_problem("interaction", payload, api_url)
    if "command" in form:
        return payload_problem("command", {name: values[0] for name, values in form.items()}, api_url)
    if "ssl_check" in form:
        return None
    return "neither a slash command nor an interaction"


class SlackHttpApp:
    def __init__(self, app: AsyncApp, signing_secret: str, *, readiness: Readiness | None = None) -> None:
        if not signing_secret:  # an empty key signs anything anyone sends; settings refuse it too
            raise ValueError("the Slack signing secret is empty: set SLACK_SIGNING_SECRET")
        self._app = app
        self._secret = signing_secret.encode()
        self._readiness = readiness

    @property
    def bolt_app(self) -> AsyncApp:
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and method == "GET":
            await _respond(send, 200, b'{"ok":true}')
            return
        if path == "/readyz" and method == "GET":
            status, body = await self._readiness.body() if self._readiness else (200, b'{"ready":true,"checks":{}}')
            await _respond(send, status, body)
            return
        flow = self._app.oauth_flow
        if flow is not None and method == "GET" and path in (flow.install_path, flow.redirect_uri_path):
            await self._install(flow, path, scope, send)
            return
        if path != EVENTS_PATH:
            await _respond(send, 404, b'{"error":"not found"}')
            return
        if method != "POST":
            await _respond(send, 405, b'{"error":"method not allowed"}')
            return
        try:
            body = await _read_body(receive)
        except _TooLarge:
            await _respond(send, 413, b'{"error":"request too large"}')
            return
        headers: dict[str, str] = {}
        repeated: set[str] = set()
        for key, value in scope["headers"]:
            name = key.decode("latin-1").lower()
            if name in headers:
                repeated.add(name)
            headers[name] = value.decode("latin-1")
        # Bolt's own check is off: the body Bolt gets may be re-encoded. Two signing headers: which one is meant?
        if repeated.intersection(_SIGNING_HEADERS) or not self._signed(body, headers):
            await _respond(send, 401, b'{"error":"invalid request"}')
            return
        content_type = headers.get("content-type", "")
        reason = malformed_reason(body, content_type, self._app.client.base_url)
        if reason is None and not reads_as_json(body.decode("utf-8"), content_type):
            body = canonical_form(body)
        if reason is not None:
            log.info("refused a malformed Slack request: %s", reason)
            await _respond(send, 400, json.dumps({"error": reason}).encode())
            return
        query = scope.get("query_string", b"").decode("latin-1")
        request = AsyncBoltRequest(body=body.decode("utf-8"), query=query, headers=bolt_headers(headers))
        await _send_bolt(send, await self._app.async_dispatch(request))

    async def _install(self, flow: AsyncOAuthFlow, path: str, scope: Scope, send: Send) -> None:
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in scope["headers"]:
            name = key.decode("latin-1").lower()
            if name == "cookie":  # the state cookie is all the flow reads
                headers[name] = value.decode("latin-1")
        request = AsyncBoltRequest(body="", query=scope.get("query_string", b"").decode("latin-1"), headers=headers)
        if path == flow.install_path:
            await _send_bolt(send, await flow.handle_installation(request))
        else:
            await _send_bolt(send, await flow.handle_callback(request))

    def _signed(self, body: bytes, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes (slack_sdk's verifier needs UTF-8, which a hostile body is not)."""
        timestamp, signature = (headers.get(name, "") for name in _SIGNING_HEADERS)
        if not _TIMESTAMP.fullmatch(timestamp) or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_S:
            return False
        if not _SIGNATURE.fullmatch(signature):  # compare_digest raises on non-ASCII text
            return False
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(("v0=" + digest).encode(), signature.encode())


def bolt_headers(headers: dict[str, str]) -> dict[str, str | Sequence[str]]:
    """The headers Bolt may see: the content type, and Slack's retry headers when they look like Slack's."""
    passed: dict[str, str | Sequence[str]] = {name: headers[name] for name in _BOLT_HEADERS if name in headers}
    if not _RETRY_NUM.fullmatch(headers.get("x-slack-retry-num", "")):
        passed.pop("x-slack-retry-num", None)
        passed.pop("x-slack-retry-reason", None)
    return passed


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_bolt(send: Send, response: BoltResponse) -> None:
    out_headers = [(k.encode(), v.encode()) for k, values in response.headers.items() for v in values]
    await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
    await send({"type": "http.response.body", "body": response.body.encode("utf-8")})


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
