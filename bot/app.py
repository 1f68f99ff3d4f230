"""The Bolt app factory. Nothing is built at import time; the composition root passes everything in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from agents.guardrails import BudgetLedger, InputGuard, Rate
from agents.guardrails.sealed import VaultSealer
from agents.tools import ToolSpec
from approvals import ApprovalPolicy, UserGroupDirectory
from approvals.audit import AuditLog
from approvals.authz import is_named
from approvals.people import Person
from bot.allowlist import TeamAllowlist, allowlist_middleware
from bot.digest_schedule import DigestScheduler
from bot.launcher import Launch
from bot.oauth import NOT_INSTALLED, InstallFlow, StoredBotAuthorize
from bot.unhandled import answer_error
from handlers.contracts import (
    AnswerRequest,
    ApprovalCard,
    BreakerLine,
    DigestRequest,
    FreezeChange,
    TaskDirectory,
    TaskInfo,
    TaskReports,
    TaskRequest,
    VoteRequest,
    VoteResult,
)
from handlers.contracts.envelope import Actor

__all__ = ["BotDeps", "BotIdentity", "Launcher", "build_app", "fetch_bot_identity"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, fetched once at start-up so no request waits on `auth.test`."""

    team_id: str
    bot_user_id: str
    bot_id: str
    url: str = ""


async def fetch_bot_identity(client: AsyncWebClient) -> BotIdentity:
    response = await client.auth_test()
    return BotIdentity(
        team_id=str(response["team_id"]),
        bot_user_id=str(response["user_id"]),
        bot_id=str(response.get("bot_id") or ""),
        url=str(response.get("url") or ""),
    )


class Launcher(Protocol):
    """The bot's one way to Restate (`bot.launcher.TaskLauncher`; `testkit/fakes/worker.py` in tests): one typed
    method per handler, each signed as the person it acts for. A call the engine does not answer raises
    `bot.launcher.Unanswered`."""

    async def launch(self, request: TaskRequest) -> Launch: ...

    async def task_info(self, task_id: str, *, actor: Actor, nonce: str) -> TaskInfo | None: ...

    async def cancel_task(self, task_id: str, *, actor: Actor, nonce: str) -> bool: ...

    async def card(self, approval_id: str, *, actor: Actor, nonce: str) -> ApprovalCard | None: ...

    async def vote(self, approval_id: str, vote: VoteRequest, *, actor: Actor, nonce: str) -> VoteResult: ...

    async def answer(self, question_id: str, answer: AnswerRequest, *, actor: Actor, nonce: str) -> VoteResult: ...

    async def frozen(self, *, actor: Actor, nonce: str) -> bool: ...

    async def set_frozen(self, change: FreezeChange, *, actor: Actor, nonce: str) -> bool: ...

    async def breakers(self, *, actor: Actor, nonce: str, deadline: float | None = None) -> list[BreakerLine]: ...

    async def fire_digest(self, request: DigestRequest, *, actor: Actor, nonce: str) -> bool: ...


class _NoGroups:
    def members(self, group_id: str) -> frozenset[str] | None:
        return None


@dataclass(frozen=True)
class BotDeps:
    identity: BotIdentity
    launcher: Launcher
    guard: InputGuard
    allowed_channels: frozenset[str] = frozenset()
    allowed_users: tuple[str, ...] = ()
    home_team: str = ""
    """The workspace of the bare ids in the policy and `allowed_users` (`approvals.people`): the configured home
    team, else the bot token's own; "" (OAuth needs a home team; tests): the workspace of the person at hand."""
    policy: Callable[[], ApprovalPolicy] = ApprovalPolicy
    """The policy of the moment: the same reloading source as the worker's, so who may cancel, freeze or see a
    task follows `opsgate.yml` without a restart."""
    directory: UserGroupDirectory = field(default_factory=_NoGroups)
    tools: Mapping[str, ToolSpec] = field(default_factory=dict)
    audit: AuditLog | None = None
    sealer: VaultSealer | None = None
    """Seals the request's pseudonyms for the worker; None: they are not passed on (never restored)."""
    tasks: TaskDirectory | None = None
    """Finds the task a thread belongs to, so a mention there becomes a follow-up; None: mentions are explained."""
    ledger: BudgetLedger | None = None
    requests_per_user: Rate | None = None
    requests_per_channel: Rate | None = None
    reports: TaskReports | None = None
    """Task status and step trees for `/ops status` and the Details modal; None: those answer that they can't."""
    digests: DigestScheduler | None = None
    """The digest schedules this replica fires (and `/ops digest now` uses)."""

    def is_one_of(self, person: Person, names: Sequence[str]) -> bool:
        """Whether `person` is one of the people or in one of the user groups `names` names (`is_named`)."""
        return is_named(person, names, self.directory, self.home_team)


def build_app(
    *,
    signing_secret: str,
    client: AsyncWebClient,
    deps: BotDeps,
    oauth: InstallFlow | None = None,
    allowed: TeamAllowlist | None = None,
) -> AsyncApp:
    """With `oauth`, workspaces install the app themselves and each request gets its workspace's stored bot;
    without, every request is the one bot of `client`'s token. With `allowed`, a request from any other workspace
    is acknowledged and dropped before a listener sees it (the composition root always passes it)."""
    from bot.listeners import register_all

    identity = deps.identity

    async def authorize() -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None,
            team_id=identity.team_id,
            bot_user_id=identity.bot_user_id,
            bot_id=identity.bot_id,
            bot_token=client.token,
        )

    installs: dict[str, Any] = {"authorize": authorize}
    if oauth is not None:
        installs = {
            "authorize": StoredBotAuthorize(oauth.store),
            "oauth_flow": oauth,
            "user_facing_authorize_error_message": NOT_INSTALLED,
        }
    # The app's own client carries no token: each request gets the token from `authorize`.
    listener_client = AsyncWebClient(base_url=client.base_url, timeout=client.timeout)
    app = AsyncApp(
        signing_secret=signing_secret,
        client=listener_client,
        process_before_response=True,
        # SlackHttpApp verifies every signature over the raw bytes before Bolt sees the request (it may re-encode
        # the body for Bolt); Socket Mode has no signatures.
        request_verification_enabled=False,
        ssl_check_enabled=True,
        # A request no listener matches goes to `answer_error` (a 200), not Bolt's 404; see bot.unhandled.
        raise_error_for_unhandled_request=True,
        **installs,
    )
    app.error(answer_error)
    if allowed is not None:
        app.use(allowlist_middleware(allowed))
    if oauth is not None:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: the workspace's bot is deleted
    else:

        async def uninstalled(body: dict[str, Any]) -> None:
            log.warning("opsgate was removed from workspace %s: SLACK_BOT_TOKEN no longer works", body.get("team_id"))

        app.event("app_uninstalled")(uninstalled)
        app.event("tokens_revoked")(uninstalled)
    register_all(app, deps)
    return app
