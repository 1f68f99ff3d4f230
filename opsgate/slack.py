"""Building the Slack Web API client once, pointed at Slack or at the local sandbox, and, in OAuth mode, the stores
and the install flow that give each workspace its own bot token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.allowlist import TeamAllowlist
from bot.installations import OAuthStates, SlackInstallations
from bot.oauth import SLACK_AUTHORIZE_URL, InstallFlow, install_flow
from bot.workspaces import WorkspaceTokens
from opsgate.settings import Settings, SettingsError
from opsgate.vault import vault_key

__all__ = [
    "BOT_SCOPES",
    "SANDBOX_BOT_TOKEN",
    "install_scopes",
    "installation_store",
    "oauth_install",
    "slack_client",
    "usergroup_members",
    "workspace_tokens",
]

SANDBOX_BOT_TOKEN = "xoxb-sandbox-token"
SLACK_API = "https://slack.com/api/"
BOT_SCOPES = (
    "commands",
    "chat:write",
    "usergroups:read",
    "files:write",
    "app_mentions:read",
    "channels:history",
    "groups:history",
)
"""The bot scopes of manifest.yml (a test keeps the two equal); what an OAuth install asks for by default."""


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client. In OAuth mode it has no token of its own: each call names its workspace's."""
    if settings.slack_oauth:
        token = None
    elif settings.slack_bot_token is None:
        if settings.slack_api_url is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: export your app's Bot User OAuth Token (xoxb-…) as SLACK_BOT_TOKEN, "
                "or run `opsgate up`, which starts the local sandbox in Slack's place."
            )
        token = SANDBOX_BOT_TOKEN
    else:
        token = settings.slack_bot_token.get_secret_value()
    base_url = settings.slack_api_url + "/" if settings.slack_api_url else SLACK_API
    return AsyncWebClient(token=token, base_url=base_url, timeout=10)


def install_scopes(settings: Settings) -> list[str]:
    if settings.slack_install_scopes is None:
        return list(BOT_SCOPES)
    return [scope.strip() for scope in settings.slack_install_scopes.split(",") if scope.strip()]


def installation_store(settings: Settings, engine: Engine) -> SlackInstallations:
    """The installed workspaces (OAuth mode), their tokens sealed with the vault key (OPSGATE_VAULT_KEY)."""
    if not settings.slack_client_id:
        raise SettingsError("OPSGATE_SLACK_CLIENT_ID is not set: OAuth installs are off")
    return SlackInstallations(settings.slack_client_id, engine, token_key=vault_key(settings))


def workspace_tokens(settings: Settings, engine: Engine) -> WorkspaceTokens | None:
    """Each workspace's bot token for the posts of its tasks (OAuth mode); None with a single bot token."""
    if not settings.slack_oauth:
        return None
    return WorkspaceTokens(installation_store(settings, engine), home_team=settings.slack_home_team)


def oauth_install(settings: Settings, engine: Engine) -> InstallFlow | None:
    """The install flow the bot serves on `/slack/install` (OAuth mode); None with a single bot token."""
    if not settings.slack_client_id:
        return None
    if settings.slack_mode == "socket":
        raise SettingsError(
            "OPSGATE_SLACK_CLIENT_ID is set with OPSGATE_SLACK_MODE=socket: installs through OAuth need the bot's "
            "HTTP endpoint (/slack/install, /slack/oauth_redirect); run it in http mode."
        )
    # Against the sandbox (OPSGATE_SLACK_API_URL=http://…/api) the authorize page is the sandbox's too.
    authorize = settings.slack_api_url.removesuffix("/api") + "/oauth/v2/authorize" if settings.slack_api_url else None
    return install_flow(
        client_id=settings.slack_client_id,
        client_secret=settings.require_slack_client_secret(),
        scopes=install_scopes(settings),
        store=installation_store(settings, engine),
        states=OAuthStates(vault_key(settings)),
        allowed=TeamAllowlist(*settings.slack_allowlist()),
        redirect_uri=settings.slack_redirect_uri,
        authorization_url=authorize or SLACK_AUTHORIZE_URL,
    )


def usergroup_members(
    client: AsyncWebClient, workspaces: WorkspaceTokens | None
) -> Callable[[str], Awaitable[list[str]]]:
    """Who is in a user group (approver groups): `S…` asked of the home workspace, `T…:S…` of that workspace
    (its bot in OAuth mode; with one token, through `team_id`, which an org-wide token needs)."""

    async def members(group_id: str) -> list[str]:
        team, _, group = group_id.rpartition(":")
        options: dict[str, Any] = {"team_id": team} if team else {}
        if workspaces is not None:
            options["token"] = await workspaces.token_for(team or None)
        response = await client.usergroups_users_list(usergroup=group, **options)
        return [str(user) for user in response.get("users") or []]

    return members
