"""Installing the app in the sandbox's workspaces as Slack's OAuth v2 does it.

`GET /oauth/v2/authorize` is the page where a person picks a workspace and allows (or cancels) the install;
allowing sends the browser back to the app's redirect URL with a one-time code (ten minutes, like Slack's) and
the app's `state`. `POST /api/oauth.v2.access` trades that code, with the app's client id and secret (HTTP Basic
or form fields), for a new bot token of that workspace. Errors use Slack's codes (`invalid_client_id`,
`bad_client_secret`, `invalid_code`, `bad_redirect_uri`).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.sandbox.api_routes import request_params
from bot.sandbox.errors import ApiError
from bot.sandbox.payloads import APP_ID
from bot.sandbox.records import ApiCall
from bot.sandbox.state import HUMAN_USERS, SandboxState

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "CODE_TTL_S", "Grant", "OAuthRoutes"]

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "sandbox-client-secret"
CODE_TTL_S = 600.0


@dataclass
class Grant:
    """A code handed to the app's redirect URL: one exchange, within `CODE_TTL_S`."""

    code: str
    team_id: str
    user_id: str
    scopes: str
    redirect_uri: str
    issued_at: float
    used: bool = False


class OAuthRoutes:
    """The app's registration (client id, secret, redirect URLs) and its install pages and exchange."""

    def __init__(
        self,
        state: SandboxState,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_urls: Sequence[str] = (),
    ) -> None:
        self.state = state
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_urls = list(redirect_urls)
        self.grants: dict[str, Grant] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/oauth/v2/authorize", self.page),
            web.post("/oauth/v2/authorize", self.decide),
            web.post("/api/oauth.v2.access", self.access),
        ]

    def redirect_for(self, params: dict[str, Any]) -> str:
        """The redirect URL of this request: the one asked for if registered (any, if none is), else the first."""
        wanted = str(params.get("redirect_uri") or "")
        if wanted and (not self.redirect_urls or wanted in self.redirect_urls):
            return wanted
        if not wanted and self.redirect_urls:
            return self.redirect_urls[0]
        raise ApiError("bad_redirect_uri")

    async def page(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        try:
            if params.get("client_id") != self.client_id:
                raise ApiError("invalid_client_id")
            self.redirect_for(params)
        except ApiError as failure:
            return _html(400, "Installation failed", f"<p>Slack cannot install this app: {escape(failure.error)}.</p>")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{escape(str(params.get(name, "")))}">'
            for name in ("client_id", "scope", "state", "redirect_uri")
        )
        teams = "".join(
            f'<option value="{team.id}"{" selected" if team.id == params.get("team") else ""}>'
            f"{escape(team.name)} ({team.id})</option>"
            for team in self.state.workspaces.values()
        )
        users = "".join(f'<option value="{uid}">{escape(name)}</option>' for uid, name in HUMAN_USERS.items())
        scopes = escape(str(params.get("scope") or "").replace(",", ", "))
        body = (
            f"<p>The app asks for these bot scopes: <code>{scopes}</code>.</p>"
            f'<form method="post" action="/oauth/v2/authorize">{hidden}'
            f'<p><label>Workspace <select name="team">{teams}</select></label></p>'
            f'<p><label>Installing as <select name="user">{users}</select></label></p>'
            '<button name="decision" value="allow">Allow</button> '
            '<button name="decision" value="deny">Cancel</button></form>'
        )
        return _html(200, "Install the app in a workspace", body)

    async def decide(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        try:
            if form.get("client_id") != self.client_id:
                raise ApiError("invalid_client_id")
            redirect_uri = self.redirect_for(form)
            if form.get("team") not in self.state.workspaces:
                raise ApiError("team_not_found")
        except ApiError as failure:
            return _html(400, "Installation failed", f"<p>Slack cannot install this app: {escape(failure.error)}.</p>")
        answer: dict[str, str] = {"state": form.get("state", "")}
        if form.get("decision") == "allow":
            code = f"{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"
            self.grants[code] = Grant(
                code,
                form["team"],
                form.get("user") or next(iter(HUMAN_USERS)),
                form.get("scope", ""),
                redirect_uri,
                self.state.clock(),
            )
            answer = {"code": code, **answer}
        else:
            answer = {"error": "access_denied", **answer}
        separator = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(f"{redirect_uri}{separator}{urlencode(answer)}")

    async def access(self, request: web.Request) -> web.Response:
        try:
            params = await request_params(request)
            return web.json_response({"ok": True, **self.exchange(params, request.headers.get("Authorization"))})
        except ApiError as failure:
            return web.json_response(failure.body(), status=failure.status, headers=failure.headers)

    def exchange(self, params: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        """`oauth.v2.access`: the code's workspace gets a new bot token."""
        client_id, client_secret = _basic_credentials(authorization) or (
            str(params.get("client_id") or ""),
            str(params.get("client_secret") or ""),
        )
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if not secrets.compare_digest(client_secret, self.client_secret):
            raise ApiError("bad_client_secret")
        grant = self.grants.get(str(params.get("code") or ""))
        if grant is None or grant.used or self.state.clock() - grant.issued_at > CODE_TTL_S:
            raise ApiError("invalid_code")
        if params.get("redirect_uri") and params["redirect_uri"] != grant.redirect_uri:
            raise ApiError("bad_redirect_uri")
        grant.used = True
        token = self.state.issue_bot_token(grant.team_id)
        self.state.api_calls.append(ApiCall("oauth.v2.access", grant.team_id, token))
        team = self.state.workspaces[grant.team_id]
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": grant.scopes,
            "bot_user_id": self.state.bot_user_id,
            "app_id": APP_ID,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.user_id},
        }


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_client_id") from None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _html(status: int, title: str, body: str) -> web.Response:
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto"><h1>{escape(title)}</h1>'
        f"{body}</body></html>"
    )
    return web.Response(status=status, text=page, content_type="text/html")
