"""The bot in process: the real Bolt app (`bot.app.build_app`) behind our HTTP layer (`bot.http.SlackHttpApp`),
reached through `httpx.ASGITransport`, with signed requests as Slack sends them.

Slack's Web API is a closed loopback port unless a sandbox (or another API url) is given, so a listener that calls
Slack fails at once instead of reaching anything; the worker is `testkit.fakes.worker.FakeWorker` unless a launcher
is given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from slack_bolt.lazy_listener.async_internals import to_runnable_function
from slack_sdk.web.async_client import AsyncWebClient

from agents.guardrails import InputGuardrails, SizeGuard
from bot.allowlist import TeamAllowlist
from bot.app import BotDeps, BotIdentity, Launcher, build_app
from bot.http import SlackHttpApp
from bot.readiness import Readiness
from bot.sandbox import Sandbox, new_trigger_id, sign_request, slash_command_body
from opsgate.teamconfig import TeamConfig
from testkit.fakes.worker import FakeWorker

__all__ = [
    "DEAD_API_URL",
    "DEAD_RESPONSE_URL",
    "EVENTS",
    "FORM",
    "IDENTITY",
    "JSON",
    "LAZY_DEADLINE",
    "SECRET",
    "AsgiApp",
    "Slack",
    "asgi_client",
    "bot_app",
    "bot_client",
    "bot_deps",
    "command_body",
    "post_signed",
    "signed",
    "slack_client",
    "slash",
    "team_guard",
    "wait_for_lazy_listeners",
]

SECRET = "unit-test-secret"
IDENTITY = BotIdentity(team_id="T0SANDBOX", bot_user_id="U0BOT", bot_id="B0BOT")
DEAD_API_URL = "http://127.0.0.1:9/api/"
"""Slack's Web API when no sandbox is given: nothing listens on port 9, so a call fails at once, on loopback."""
DEAD_RESPONSE_URL = "http://127.0.0.1:9/response"
EVENTS = "/slack/events"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LAZY_DEADLINE = 10.0
"""How long the lazy listeners of one request may run (they talk only to loopback and the fakes)."""

Slack = Sandbox | AsyncWebClient | str | None
"""Slack's Web API for the bot: a sandbox (its token and url), a client as is, an API url, or None (a closed port)."""
AsgiApp = Callable[[Any, Any, Any], Coroutine[Any, Any, None]]


def team_guard(team: TeamConfig | None = None) -> InputGuardrails:
    """The input guardrails the composition root builds from a team's config (the default team's without one)."""
    team = TeamConfig.default() if team is None else team
    return InputGuardrails.from_config(team.guardrails.input_config(team.commands.max_request_chars))


def bot_deps(launcher: Launcher | None = None, **overrides: Any) -> BotDeps:
    """`BotDeps` with `IDENTITY` (whose workspace is the home team, as `build_bot` makes it), the launcher (a new
    `FakeWorker` if None) and `SizeGuard()`; `overrides` are `BotDeps` fields (`guard=`, `identity=`, ...)."""
    identity = overrides.get("identity", IDENTITY)
    fields: dict[str, Any] = {
        "identity": identity,
        "home_team": identity.team_id,
        "launcher": FakeWorker() if launcher is None else launcher,
        "guard": SizeGuard(),
    }
    return BotDeps(**{**fields, **overrides})


def slack_client(slack: Slack = None) -> AsyncWebClient:
    """The Web API client the bot is built with (see `Slack`)."""
    if isinstance(slack, AsyncWebClient):
        return slack
    if isinstance(slack, Sandbox):
        return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    return AsyncWebClient(token="xoxb-unused", base_url=slack or DEAD_API_URL)


def bot_app(
    deps: BotDeps,
    *,
    slack: Slack = None,
    allowed: TeamAllowlist | None = None,
    secret: str = SECRET,
    readiness: Readiness | None = None,
    **build_app_kwargs: Any,
) -> SlackHttpApp:
    """The real Bolt app (its `.bolt_app`) behind our HTTP layer, as an ASGI app; `build_app_kwargs` go to
    `build_app` (`oauth=`)."""
    bolt = build_app(signing_secret=secret, client=slack_client(slack), deps=deps, allowed=allowed, **build_app_kwargs)
    return SlackHttpApp(bolt, secret, readiness=readiness)


def asgi_client(app: AsgiApp) -> httpx.AsyncClient:
    """A client of an ASGI app in process, at `http://bot`."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")


def bot_client(deps: BotDeps, **options: Any) -> httpx.AsyncClient:
    """A client of `bot_app(deps, **options)` (`slack=`, `allowed=`, `secret=`, `readiness=`, `oauth=`), in process."""
    return asgi_client(bot_app(deps, **options))


def signed(
    body: bytes, *, offset: int = 0, at: int | None = None, content_type: str = FORM, secret: str = SECRET
) -> dict[str, str]:
    """Slack's signing headers for `body`, signed now (`offset` seconds off) or at `at`."""
    return sign_request(secret, body, (int(time.time()) if at is None else at) + offset, content_type)


async def post_signed(
    client: httpx.AsyncClient, body: bytes, *, content_type: str = FORM, secret: str = SECRET
) -> httpx.Response:
    """POST `body` to `/slack/events`, signed now."""
    return await client.post(EVENTS, content=body, headers=signed(body, content_type=content_type, secret=secret))


def command_body(
    text: str,
    *,
    command: str = "/ops",
    user_id: str = "U0ALICE",
    channel_id: str = "C0OPS",
    response_url: str = DEAD_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str | None = None,
) -> bytes:
    """The body of a slash command (a new trigger id unless given; the sandbox's workspace unless `team_id`)."""
    team = {"team_id": team_id} if team_id is not None else {}
    return slash_command_body(
        user_id=user_id,
        channel_id=channel_id,
        text=text,
        command=command,
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(time.time()),
        **team,
    )


async def slash(client: httpx.AsyncClient, text: str, *, secret: str = SECRET, **fields: Any) -> httpx.Response:
    """Send the slash command `command_body(text, **fields)` (`/ops text` as U0ALICE in C0OPS unless `fields` say
    otherwise: `command=`, `user_id=`, `channel_id=`, `response_url=`, `trigger_id=`, `team_id=`), signed."""
    return await post_signed(client, command_body(text, **fields), secret=secret)


async def wait_for_lazy_listeners(before: set[asyncio.Task[Any]], timeout: float = LAZY_DEADLINE) -> None:
    """Wait for the lazy listeners started since `before` (`asyncio.all_tasks()` then), which run after the ack.

    Bolt starts each as a task running `to_runnable_function`: only those are waited for, not, say, a sandbox's
    connection handlers in the same loop."""
    name = to_runnable_function.__qualname__
    lazy = {task for task in asyncio.all_tasks() - before if getattr(task.get_coro(), "__qualname__", "") == name}
    if lazy:
        _, pending = await asyncio.wait(lazy, timeout=timeout)
        assert not pending, f"{len(pending)} lazy listener(s) still running after {timeout} s"
