"""Installing opsgate in a workspace through OAuth (optional; one bot token stays the default).

Bolt's `AsyncOAuthFlow` runs the install on our stores (`bot.installations`): `/slack/install` answers an "Add to
Slack" page whose link carries a signed state (also set as a cookie), `/slack/oauth_redirect` checks both,
exchanges the code with `oauth.v2.access` and saves the workspace's bot if the workspace is on the allowlist (else
its new token is revoked and nothing is stored). The pages are ours, saying what happened and what to do. Requests
are authorized from the stored bot alone (`StoredBotAuthorize`): Bolt's own authorize calls `auth.test` on every
request, and nothing on the ack path may wait on Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy.exc import SQLAlchemyError

from bot.allowlist import TeamAllowlist
from bot.installations import InstallationUnreadable, OAuthStates, SlackInstallations

__all__ = ["INSTALL_PATH", "NOT_INSTALLED", "REDIRECT_PATH", "InstallFlow", "StoredBotAuthorize", "install_flow"]

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
NOT_INSTALLED = (
    "opsgate is not installed in this workspace (or was removed from it). A Slack admin can add it again from "
    f"opsgate's {INSTALL_PATH} page."
)
_REFUSALS = {
    "access_denied": "The install was cancelled in Slack.",
    "invalid_browser": "This install was not started in this browser, or its cookie is gone.",
    "invalid_state": "This install link has expired or is not valid.",
    "missing_code": "Slack's answer carried no authorization code.",
    "invalid_code": "Slack did not accept the authorization code (expired, already used, or not for this app).",
    "storage_error": "The installation could not be saved; the bot's log says why.",
    "workspace_not_allowed": "opsgate does not serve this workspace: it is not on the allowlist of the people who "
    "run opsgate (OPSGATE_SLACK_ALLOWED_TEAMS).",
}


class WorkspaceNotAllowed(BoltError):
    """An install in a workspace that is not on the allowlist."""


class StoredBotAuthorize(AsyncAuthorize):
    """The bot of the request's workspace, as stored at install: one database read, no Web API call."""

    def __init__(self, store: SlackInstallations) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._store = store

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        try:
            bot = await self._store.async_find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
            )
        except InstallationUnreadable as exc:
            log.error("workspace %s: %s", team_id, exc)
            return None
        if bot is None:
            log.info("a request from workspace %s, where opsgate is not installed", team_id)
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class InstallFlow(AsyncOAuthFlow):
    """Bolt's flow on our store, with a database failure while saving shown as a failure page (Bolt expects a
    BoltError there)."""

    def __init__(self, *, settings: AsyncOAuthSettings, store: SlackInstallations, allowed: TeamAllowlist) -> None:
        settings.installation_store = store
        super().__init__(settings=settings, logger=log)
        self.store = store
        self.allowed = allowed

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        body = (
            "This adds opsgate to a Slack workspace you administer: Slack asks which one, and for the permissions "
            f'opsgate needs.</p><p><a href="{escape(url)}"><b>Add to Slack</b></a>'
        )
        return _html("Add opsgate to Slack", body)

    async def store_installation(self, request: AsyncBoltRequest, installation: Installation) -> None:
        if not self.allowed.allows(installation.team_id, installation.enterprise_id):
            log.warning("refused an install in workspace %s: not on the allowlist", installation.team_id)
            try:  # the token Slack just issued is of no use to anyone: give it back
                await self.client.auth_revoke(token=installation.bot_token)
            except (SlackApiError, OSError) as exc:
                log.warning("could not revoke the refused workspace's token: %s", exc)
            raise WorkspaceNotAllowed(f"workspace {installation.team_id} is not on the allowlist")
        try:
            await super().store_installation(request, installation)
        except SQLAlchemyError as exc:
            log.exception("could not save the installation of workspace %s", installation.team_id)
            raise BoltError(f"could not save the installation: {type(exc).__name__}") from exc


def install_flow(
    *,
    client_id: str,
    client_secret: str,
    scopes: Sequence[str],
    store: SlackInstallations,
    states: OAuthStates,
    allowed: TeamAllowlist,
    redirect_uri: str | None = None,
    authorization_url: str = SLACK_AUTHORIZE_URL,
) -> InstallFlow:
    """The install flow for the bot's HTTP layer; its client (for `oauth.v2.access`) is the Bolt app's. Only the
    workspaces `allowed` lists may install."""
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
        user_scopes=[],
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=_installed, failure=_refused),
        authorization_url=authorization_url,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=states,
        state_expiration_seconds=states.expiration_seconds,
        logger=log,
    )
    return InstallFlow(settings=settings, store=store, allowed=allowed)


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.team_id or installation.enterprise_name or "your workspace"
    log.info("installed in workspace %s (%s)", installation.team_id, installation.team_name)
    body = (
        f"opsgate is now installed in <b>{escape(where)}</b>. In Slack, type <code>/invite @opsgate</code> in a "
        "channel, then <code>/ops help</code>."
    )
    return _page(200, "opsgate is installed", body, args.settings)


async def _refused(args: AsyncFailureArgs) -> BoltResponse:
    code, status = args.reason, args.suggested_status_code
    if isinstance(args.error, WorkspaceNotAllowed):
        code, status = "workspace_not_allowed", 403
    reason = _REFUSALS.get(code, f"Slack reported “{code}”.")
    log.info("an install was refused: %s", code)
    body = f'{escape(reason)} Nothing was installed. <a href="{INSTALL_PATH}">Start again</a>.'
    return _page(status, "opsgate was not installed", body, args.settings)


def _html(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto"><h1>{escape(title)}</h1>'
        f"<p>{body}</p></body></html>"
    )


def _page(status: int, title: str, body: str, settings: AsyncOAuthSettings) -> BoltResponse:
    html = _html(title, body)
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Set-Cookie": settings.state_utils.build_set_cookie_for_deletion(),  # this attempt is over either way
    }
    return BoltResponse(status=status, body=html, headers=headers)
