"""Composition root of the bot: the Slack client, the bot identity, the Restate launcher, the Bolt app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import Engine

from agents.guardrails import InputGuardrails
from approvals import CachedUserGroups
from approvals.audit import AuditLog
from approvals.ledger import SqlBudgetLedger
from bot.allowlist import TeamAllowlist
from bot.app import BotDeps, BotIdentity, build_app, fetch_bot_identity
from bot.digest_schedule import DigestScheduler
from bot.http import Receive, Scope, Send, SlackHttpApp
from bot.launcher import TaskLauncher
from bot.notifier import SlackNotifier
from bot.oauth import InstallFlow
from bot.readiness import Readiness, database_check
from handlers.store import TaskStore
from handlers.task_reports import TaskReporter
from opsgate.db import create_db_engine, upgrade_database
from opsgate.keys import envelope_keyring
from opsgate.serving import serve_http11
from opsgate.settings import Settings
from opsgate.slack import oauth_install, slack_client, usergroup_members, workspace_tokens
from opsgate.teamconfig import TeamConfig
from opsgate.toolset import builtin_toolset, live_policy
from opsgate.vault import vault_sealer

__all__ = ["build_bot", "run_bot"]

log = logging.getLogger(__name__)
OAUTH_IDENTITY = BotIdentity(team_id="", bot_user_id="", bot_id="")


async def build_bot(settings: Settings, team: TeamConfig) -> tuple[SlackHttpApp, BotDeps]:
    # An empty or short signing secret, or no vault key of its own, outside the sandbox: refused before anything.
    signing_secret, sealer = settings.signing_secret, vault_sealer(settings)
    teams, enterprises = settings.slack_allowlist()  # with OAuth: refused without the home team and a list
    client = slack_client(settings)
    # OAuth mode has one bot per workspace, found per request: no single identity to fetch.
    identity = OAUTH_IDENTITY if settings.slack_oauth else await fetch_bot_identity(client)
    # One bot token: its own workspace (auth.test said which) is always served, besides any listed.
    allowed = TeamAllowlist(teams | {identity.team_id} if identity.team_id else teams, enterprises)
    upgrade_database(settings.database_url)
    engine = create_db_engine(settings.database_url)
    oauth = oauth_install(settings, engine)
    workspaces = workspace_tokens(settings, engine)
    directory = CachedUserGroups(
        usergroup_members(client, workspaces),
        groups=[*team.policy.approvers, *team.policy.admins, *team.commands.allowed_users],
    )
    launcher = TaskLauncher(  # no admin URL: the bot, which faces the internet, holds no admin access to Restate
        settings.restate_ingress_url,
        keyring=envelope_keyring(settings),
        deadline=settings.restate_send_timeout,
        max_connections=settings.restate_max_connections,
    )
    deps = BotDeps(
        identity=identity,
        launcher=launcher,
        guard=InputGuardrails.from_config(team.guardrails.input_config(team.commands.max_request_chars)),
        allowed_channels=frozenset(team.commands.allowed_channels),
        allowed_users=tuple(team.commands.allowed_users),
        home_team=settings.slack_home_team or identity.team_id,
        policy=live_policy(settings, team),
        directory=directory,
        tools={tool.spec.name: tool.spec for tool in builtin_toolset(settings, team, SlackNotifier(client), engine)},
        audit=AuditLog(engine),
        tasks=TaskStore(engine),
        sealer=sealer,
        ledger=SqlBudgetLedger(engine),
        requests_per_user=team.commands.requests_per_user,
        requests_per_channel=team.commands.requests_per_channel,
        reports=TaskReporter(engine),
        digests=DigestScheduler(
            list(team.digests), launcher, team_id=identity.team_id or settings.slack_home_team or ""
        ),
    )
    app = build_app(signing_secret=signing_secret, client=client, deps=deps, oauth=oauth, allowed=allowed)
    readiness = bot_readiness(launcher, engine, identity, oauth)
    return SlackHttpApp(app, signing_secret, readiness=readiness), deps


def bot_readiness(
    launcher: TaskLauncher, engine: Engine, identity: BotIdentity, oauth: InstallFlow | None = None
) -> Readiness:
    """What `/readyz` checks: Restate's ingress answers, the database answers, and the bot knows who it is (or,
    in OAuth mode, which workspaces installed it)."""

    async def restate() -> str:
        return await launcher.restate_health()

    async def slack() -> str:
        if oauth is not None:
            teams = await asyncio.to_thread(oauth.store.installed_teams)
            return f"installed in {len(teams)} workspace(s)"
        return f"signed in as {identity.bot_user_id} in {identity.team_id}"  # auth.test ran at start-up

    return Readiness({"restate": restate, "database": database_check(engine), "slack": slack})


async def run_bot(settings: Settings, team: TeamConfig, shutdown: asyncio.Event) -> None:
    http_app, deps = await build_bot(settings, team)
    if settings.slack_oauth:
        log.info("bot serves OAuth installs on http://%s:%s/slack/install", settings.bot_host, settings.bot_port)
    else:
        log.info("bot is %s in team %s", deps.identity.bot_user_id, deps.identity.team_id)
    refresher = None
    if isinstance(deps.directory, CachedUserGroups):
        refresher = asyncio.create_task(deps.directory.run_refresher(shutdown, interval=300))
    if deps.digests is not None:
        deps.digests.start()
    try:
        if settings.slack_mode == "socket":
            await _run_socket_mode(settings, http_app, shutdown)
        else:
            log.info("bot listening on http://%s:%s/slack/events", settings.bot_host, settings.bot_port)
            await serve_http11(http_app, settings.bot_host, settings.bot_port, shutdown)
    finally:
        shutdown.set()
        if deps.digests is not None:
            deps.digests.shutdown()
        if refresher is not None:
            await refresher
        if isinstance(deps.launcher, TaskLauncher):
            await deps.launcher.aclose()


async def _run_socket_mode(settings: Settings, http_app: SlackHttpApp, shutdown: asyncio.Event) -> None:
    """The same Bolt app over Slack's WebSocket, its envelopes checked as HTTP requests are (bot.socket_mode). The
    bot's port still answers the health probes (`opsgate up` and orchestrators wait on them), and nothing else."""
    from bot.socket_mode import SlackSocketApp

    socket = SlackSocketApp(http_app.bolt_app, settings.require_socket_mode_token())
    await socket.connect()
    log.info(
        "bot connected to Slack in Socket Mode; probes on http://%s:%s/healthz", settings.bot_host, settings.bot_port
    )
    try:
        await serve_http11(_probes_only(http_app), settings.bot_host, settings.bot_port, shutdown)
    finally:
        await socket.close()


def _probes_only(http_app: SlackHttpApp) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in ("/healthz", "/readyz"):
            start = {"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]}
            await send(start)
            await send({"type": "http.response.body", "body": b'{"error":"not found: Slack talks over Socket Mode"}'})
            return
        await http_app(scope, receive, send)

    return app
