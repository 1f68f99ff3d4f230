"""The HTTP face of the sandbox's Web API: `/api/<method>` taking query, form or JSON, answering like Slack.

Slack answers almost everything with HTTP 200 and `ok` in the body; the exceptions (429 with Retry-After, 404
for an unknown method) are the ones clients must handle, so they are kept.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ApiError
from bot.sandbox.records import ApiCall
from bot.sandbox.web_api import WebApi


async def request_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and the body, whether form-encoded or JSON (JSON wins on conflict)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise ApiError("invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError("invalid_json")
        params.update(body)
    elif request.can_read_body:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def bearer_token(request: web.Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = params.pop("token", None)
    return str(token) if token else None


class ApiRoutes:
    """`GET|POST /api/<method>`: authenticate with a bot token of one of the workspaces, then hand over to
    `WebApi`."""

    def __init__(self, web_api: WebApi) -> None:
        self.web_api = web_api

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/api/{method}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            if method not in self.web_api.methods:
                raise ApiError("unknown_method", status=404, req_method=method)
            params = await request_params(request)
            token = bearer_token(request, params)
            if token is None:
                raise ApiError("not_authed")
            state = self.web_api.state
            if token in state.revoked_tokens:
                raise ApiError("token_revoked")
            team_id = state.bot_tokens.get(token)
            if team_id is None:
                raise ApiError("invalid_auth")
            state.api_calls.append(ApiCall(method, team_id, token))
            result = self.web_api.call(method, params, caller=state.workspaces[team_id])
        except ApiError as failure:
            return web.json_response(failure.body(), status=failure.status, headers=failure.headers)
        return web.json_response({"ok": True, **result})
