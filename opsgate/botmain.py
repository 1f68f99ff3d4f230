"""Composition root of the bot: the Slack client, the bot identity, the Restate launcher, the Bolt app."""

from __future__ import annotations

import asyncio
import logging

from agents.guardrails import SizeGuard
from bot.app import BotDeps, build_app, fetch_bot_identity
from bot.http import SlackHttpApp
from bot.launcher import TaskLauncher
from opsgate.serving import serve_asgi
from opsgate.settings import Settings
from opsgate.slack import slack_client
from opsgate.teamconfig import TeamConfig

__all__ = ["build_bot", "run_bot"]

log = logging.getLogger(__name__)


async def build_bot(settings: Settings, team: TeamConfig) -> tuple[SlackHttpApp, BotDeps]:
    client = slack_client(settings)
    identity = await fetch_bot_identity(client)
    launcher = TaskLauncher(
        settings.restate_ingress_url,
        deadline=settings.restate_send_timeout,
        max_connections=settings.restate_max_connections,
    )
    deps = BotDeps(
        identity=identity,
        launcher=launcher,
        guard=SizeGuard(team.commands.max_request_chars),
        allowed_channels=frozenset(team.commands.allowed_channels),
    )
    app = build_app(signing_secret=settings.signing_secret, client=client, deps=deps)
    return SlackHttpApp(app, settings.signing_secret), deps


async def run_bot(settings: Settings, team: TeamConfig, shutdown: asyncio.Event) -> None:
    http_app, deps = await build_bot(settings, team)
    log.info("bot is %s in team %s", deps.identity.bot_user_id, deps.identity.team_id)
    try:
        if settings.slack_mode == "socket":
            await _run_socket_mode(settings, http_app, shutdown)
        else:
            log.info("bot listening on http://%s:%s/slack/events", settings.bot_host, settings.bot_port)
            await serve_asgi(http_app, settings.bot_host, settings.bot_port, shutdown)
    finally:
        if isinstance(deps.launcher, TaskLauncher):
            await deps.launcher.aclose()


async def _run_socket_mode(settings: Settings, http_app: SlackHttpApp, shutdown: asyncio.Event) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(http_app.bolt_app, settings.require_socket_mode_token())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("bot connected to Slack in Socket Mode")
    try:
        await shutdown.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
