"""The sandbox's web page and the small JSON API behind it.

The page long-polls `GET /ui/state?since=<version>` and acts through `POST /ui/command` and `POST /ui/action`,
which go through the same signed path to the bot as the tests do. The POSTs require a JSON body, so another
web page in the same browser cannot forge them with a plain form.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.records import File, Message
from bot.sandbox.state import SandboxState

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

LONG_POLL_SECONDS = 20.0


def file_snapshot(file: File) -> dict[str, Any]:
    """What the page needs to show a file: images inline from `url`, anything else as a link to it."""
    return {
        "id": file.id,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "size": file.size,
        "url": f"/files/{file.id}",
    }


def message_snapshot(message: Message, files: Mapping[str, File]) -> dict[str, Any]:
    """A message for the page, with a `files` list only when it carries files."""
    shown = {k: v for k, v in asdict(message).items() if k not in ("deleted", "files", "metadata")}
    if message.files:
        shown["files"] = [file_snapshot(files[file_id]) for file_id in message.files if file_id in files]
    return shown


def state_snapshot(state: SandboxState, user: str | None = None) -> dict[str, Any]:
    """What the page shows; with `user`, only the ephemerals and modals that person would see."""
    return {
        "version": state.version,
        "team": asdict(state.team),
        "bot_user_id": state.bot_user_id,
        "users": [
            {"id": u.id, "name": u.name, "real_name": u.real_name, "is_bot": u.is_bot} for u in state.users.values()
        ],
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "is_im": c.is_im,
                "bot_is_member": state.bot_user_id in c.members,
                "members": sorted(c.members),
            }
            for c in state.channels.values()
        ],
        "usergroups": [asdict(g) for g in state.usergroups.values()],
        "messages": [message_snapshot(m, state.files) for m in state.messages if not m.deleted],
        "ephemerals": [
            {k: v for k, v in asdict(e).items() if k != "deleted"}
            for e in state.ephemerals
            if not e.deleted and (user is None or e.user == user)
        ],
        "views": [
            {"id": v.id, "user": v.user, "view": v.view}
            for v in state.views.values()
            if not v.closed and (user is None or v.user == user)
        ],
    }


async def json_body(request: web.Request, *fields: str) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    missing = [f for f in fields if not isinstance(body, dict) or not isinstance(body.get(f), str)]
    if missing:
        raise web.HTTPBadRequest(text=f"missing string fields: {', '.join(missing)}")
    return dict(body)


class UiRoutes:
    """`GET /`, `GET /ui/state`, `POST /ui/command`, `POST /ui/action`, `POST /ui/close_view`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.page = importlib.resources.files("bot.sandbox").joinpath("page.html").read_text(encoding="utf-8")

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.index),
            web.get("/ui/state", self.state),
            web.post("/ui/command", self.command),
            web.post("/ui/action", self.action),
            web.post("/ui/close_view", self.close_view),
            web.post("/ui/submit_view", self.submit_view),
        ]

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=self.page, content_type="text/html", charset="utf-8")

    async def state(self, request: web.Request) -> web.Response:
        since = request.query.get("since")
        if since is not None and since.lstrip("-").isdigit():
            await self.sandbox.wait_for_version(int(since), LONG_POLL_SECONDS)
        return web.json_response(state_snapshot(self.sandbox.state, request.query.get("user") or None))

    def check_user_and_channel(self, body: dict[str, Any]) -> None:
        state = self.sandbox.state
        if body["user_id"] not in state.users or body["channel_id"] not in state.channels:
            raise web.HTTPBadRequest(text="unknown user_id or channel_id")

    async def command(self, request: web.Request) -> web.Response:
        body = await json_body(request, "user_id", "channel_id", "text")
        self.check_user_and_channel(body)
        command, _, text = body["text"].strip().partition(" ")
        if not command.startswith("/") or len(command) < 2:
            raise web.HTTPBadRequest(text="type a slash command, e.g. /ops restart api")
        reply = await self.sandbox.send_slash_command(
            user_id=body["user_id"], channel_id=body["channel_id"], text=text.strip(), command=command
        )
        return web.json_response({"ok": reply.error is None, "status": reply.status, "error": reply.error})

    async def action(self, request: web.Request) -> web.Response:
        body = await json_body(request, "user_id", "channel_id", "message_ts", "action_id")
        self.check_user_and_channel(body)
        value = body.get("value")
        try:
            reply = await self.sandbox.click_button(
                user_id=body["user_id"],
                channel_id=body["channel_id"],
                message_ts=body["message_ts"],
                action_id=body["action_id"],
                value=value if isinstance(value, str) else None,
            )
        except LookupError as missing:
            raise web.HTTPNotFound(text=str(missing)) from None
        return web.json_response({"ok": reply.error is None, "status": reply.status, "error": reply.error})

    async def submit_view(self, request: web.Request) -> web.Response:
        body = await json_body(request, "user_id", "view_id", "values")
        values = body["values"]
        if not isinstance(values, dict) or not all(
            isinstance(actions, dict) and all(isinstance(v, str) for v in actions.values())
            for actions in values.values()
        ):
            raise web.HTTPBadRequest(text="values must be {block_id: {action_id: text}}")
        try:
            reply = await self.sandbox.submit_view(user_id=body["user_id"], view_id=body["view_id"], values=values)
        except LookupError as missing:
            raise web.HTTPNotFound(text=str(missing)) from None
        return web.json_response({"ok": reply.error is None, "status": reply.status, "error": reply.error})

    async def close_view(self, request: web.Request) -> web.Response:
        body = await json_body(request, "view_id")
        view = self.sandbox.state.views.get(body["view_id"])
        if view is None:
            raise web.HTTPNotFound(text="no such view")
        view.closed = True
        self.sandbox.state.touch()
        return web.json_response({"ok": True})
