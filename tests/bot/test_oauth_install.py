"""Installing opsgate in several workspaces through OAuth, end to end on loopback.

The bot's real HTTP app (uvicorn) and the sandbox (Slack's authorize page, `oauth.v2.access`, the Web API) run
on loopback; the test plays the installer's browser. Every install, refusal and uninstall is checked in the
database (SQLite and PostgreSQL), and the sandbox tells which workspace's token each Web API call carried.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from agents.guardrails import SizeGuard
from bot.allowlist import TeamAllowlist
from bot.app import BotIdentity
from bot.installations import OAuthStates, SlackInstallations
from bot.notifier import SlackNotifier
from bot.oauth import NOT_INSTALLED, InstallFlow, install_flow
from bot.sandbox import Sandbox
from bot.sandbox.oauth import CLIENT_ID, CLIENT_SECRET
from bot.sandbox.state import SECOND_TEAM
from bot.workspaces import WorkspaceNotInstalled, WorkspaceTokens
from handlers.contracts import TaskPhase, TaskView, in_workspace
from opsgate.db import create_db_engine, model_metadata, upgrade_database
from opsgate.serving import serve_http11
from opsgate.slack import BOT_SCOPES
from testkit.fakes.bot import SECRET, bot_app, bot_deps
from testkit.fakes.worker import FakeWorker

# slack_sdk sends oauth.v2.access's client credentials with aiohttp's BasicAuth, which aiohttp 3.14 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

TOKEN_KEY = "oauth-install-vault-key"
FIRST, SECOND = "T0SANDBOX", SECOND_TEAM.id
ALLOWED = TeamAllowlist(frozenset({FIRST, SECOND}))
COOKIE = "slack-app-oauth-state"


class StateClock:
    """The bot's clock for install states: real time until a test moves it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Stack:
    flow: InstallFlow
    bot_url: str
    sandbox: Sandbox
    store: SlackInstallations
    engine: Engine
    launcher: FakeWorker
    clock: StateClock
    browser: httpx.AsyncClient

    def installs(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM slack_installations")).scalar_one())

    def rows(self) -> dict[str, int]:
        """Rows per table of the whole schema."""
        with self.engine.connect() as connection:
            return {
                table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in model_metadata().sorted_tables
            }

    def exchanges(self) -> int:
        return sum(call.method == "oauth.v2.access" for call in self.sandbox.state.api_calls)


@pytest.fixture
async def stack(db_url: str) -> AsyncIterator[Stack]:
    upgrade_database(db_url)
    engine = create_db_engine(db_url)
    listening = socket.create_server(("127.0.0.1", 0))  # bound now: a port chosen first could be taken meanwhile
    port = listening.getsockname()[1]
    bot_url = f"http://127.0.0.1:{port}"
    redirect = f"{bot_url}/slack/oauth_redirect"
    sandbox = Sandbox(
        signing_secret=SECRET, bot_url=f"{bot_url}/slack/events", rate_limit=False, oauth_redirect_urls=[redirect]
    )
    await sandbox.start()
    store = SlackInstallations(CLIENT_ID, engine, token_key=TOKEN_KEY)
    clock = StateClock()
    flow = install_flow(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=BOT_SCOPES,
        store=store,
        states=OAuthStates(TOKEN_KEY, clock=clock),
        allowed=ALLOWED,
        redirect_uri=redirect,
        authorization_url=f"{sandbox.base_url}oauth/v2/authorize",
    )
    launcher = FakeWorker()
    deps = bot_deps(launcher, identity=BotIdentity("", "", ""), guard=SizeGuard(max_chars=500))
    # OAuth: no token of its own, each workspace's stored bot per request.
    app = bot_app(deps, slack=AsyncWebClient(base_url=sandbox.api_url), oauth=flow, allowed=ALLOWED)
    shutdown = asyncio.Event()
    serving = asyncio.create_task(serve_http11(app, "127.0.0.1", port, shutdown, sock=listening))
    browser = httpx.AsyncClient(timeout=10)
    try:
        await wait_until_serving(browser, f"{bot_url}/healthz", serving)
        yield Stack(flow, bot_url, sandbox, store, engine, launcher, clock, browser)
    finally:
        await browser.aclose()
        shutdown.set()
        await serving
        await sandbox.stop()
        engine.dispose()


async def wait_until_serving(browser: httpx.AsyncClient, url: str, serving: asyncio.Task[None]) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            if (await browser.get(url)).status_code == 200:
                return
        except httpx.TransportError:
            if serving.done() or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.02)  # uvicorn binds its port a moment after the task starts


@dataclass
class Attempt:
    """One trip through the install: the bot's page and cookie, Slack's authorize page, and its redirect."""

    state: str
    cookie: str
    redirect: str  # where Slack sends the browser back (with code and state, or an error)


async def start_install(stack: Stack, team: str, *, decision: str = "allow") -> Attempt:
    page = await stack.browser.get(f"{stack.bot_url}/slack/install")
    assert page.status_code == 200
    assert "Add to Slack" in page.text
    match = re.search(r'href="([^"]+)"', page.text)
    assert match is not None
    authorize_url = match.group(1).replace("&amp;", "&")
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["scope"].split(",") == list(BOT_SCOPES)
    cookie = page.headers["set-cookie"].split(";")[0]
    assert cookie == f"{COOKIE}={query['state']}"

    authorize_page = await stack.browser.get(authorize_url)  # Slack's page: pick a workspace, allow
    assert authorize_page.status_code == 200
    assert SECOND_TEAM.name in authorize_page.text
    form = {name: query.get(name, "") for name in ("client_id", "scope", "state", "redirect_uri")}
    decided = await stack.browser.post(
        f"{stack.sandbox.base_url}oauth/v2/authorize", data={**form, "team": team, "decision": decision}
    )
    assert decided.status_code == 302
    return Attempt(query["state"], cookie, decided.headers["location"])


async def finish_install(stack: Stack, attempt: Attempt, *, cookie: str | None = None) -> httpx.Response:
    return await stack.browser.get(attempt.redirect, headers={"Cookie": attempt.cookie if cookie is None else cookie})


async def install(stack: Stack, team: str) -> str:
    """Install in `team` and return the bot token Slack issued for it."""
    page = await finish_install(stack, await start_install(stack, team))
    assert page.status_code == 200, page.text
    assert "opsgate is installed" in page.text
    [token] = [token for token, owner in stack.sandbox.state.bot_tokens.items() if owner == team][-1:]
    return token


async def test_an_install_saves_the_workspaces_bot(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    assert attempt.redirect.startswith(f"{stack.bot_url}/slack/oauth_redirect?code=")

    page = await finish_install(stack, attempt)

    assert page.status_code == 200
    assert f"installed in <b>{SECOND_TEAM.name}</b>" in page.text
    assert f"{COOKIE}=deleted" in page.headers["set-cookie"]
    bot = stack.store.bot_for_team(SECOND)
    assert bot is not None
    assert (bot.bot_user_id, bot.bot_id, bot.team_name) == ("U0BOT", "B0BOT", SECOND_TEAM.name)
    assert stack.sandbox.state.bot_tokens[bot.bot_token] == SECOND
    assert [call.method for call in stack.sandbox.state.calls_by(SECOND)] == ["oauth.v2.access", "auth.test"]
    assert stack.store.installed_teams() == [SECOND]


async def test_each_workspace_is_answered_with_its_own_token(stack: Stack) -> None:
    tokens = {team: await install(stack, team) for team in (FIRST, SECOND)}
    assert tokens[FIRST] != tokens[SECOND]
    state = stack.sandbox.state
    worker = SlackNotifier(
        AsyncWebClient(base_url=stack.sandbox.api_url), workspaces=WorkspaceTokens(stack.store)
    )  # as the worker builds it in OAuth mode: a client without a token of its own

    for team in (FIRST, SECOND):
        reply = await stack.sandbox.send_slash_command(
            user_id="U0ALICE", channel_id="C0OPS", text="what is running in staging?", team_id=team
        )
        assert (reply.status, reply.error) == (200, None)
        assert reply.ack_message is not None
        assert reply.ack_message["text"].startswith("On it")
        request = stack.launcher.launched[-1]
        assert request.team_id == team
        view = TaskView(task_id=request.task_id, requester="U0ALICE", request=request.text, phase=TaskPhase.QUEUED)
        await in_workspace(worker, request.team_id).post_root(request.channel_id, view)  # the task's first post
        assert state.calls_by(team, "chat.postMessage")[-1].token == tokens[team]

        _, answered = await stack.sandbox.send_mention(user_id="U0BOB", channel_id="C0OPS", text="hi", team_id=team)
        assert answered.status == 200
        await stack.sandbox.wait_for(lambda s, team=team: len(s.calls_by(team, "chat.postMessage")) == 2)
        assert state.calls_by(team, "chat.postMessage")[-1].token == tokens[team]  # Bolt's client, per request

    assert [len(state.calls_by(team, "chat.postMessage")) for team in (FIRST, SECOND)] == [2, 2]


async def test_uninstalling_removes_the_workspaces_token(stack: Stack) -> None:
    await install(stack, FIRST)
    await install(stack, SECOND)

    replies = await stack.sandbox.uninstall(SECOND)

    assert [reply.status for reply in replies] == [200, 200]  # tokens_revoked, app_uninstalled
    assert stack.store.installed_teams() == [FIRST]
    assert stack.installs() == 1
    with pytest.raises(WorkspaceNotInstalled, match=SECOND):
        await WorkspaceTokens(stack.store).token_for(SECOND)
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text="restart the api please", team_id=SECOND
    )
    assert reply.status == 200
    assert stack.launcher.launched == []  # no task from a workspace that removed opsgate
    told = await stack.sandbox.wait_for(
        lambda s: next((e for e in s.ephemerals_for("C0OPS", "U0ALICE") if e.text == NOT_INSTALLED), None)
    )
    assert told.source == "response_url"


async def assert_nothing_installed(stack: Stack, page: httpx.Response, status: int, says: str) -> None:
    assert page.status_code == status
    assert "opsgate was not installed" in page.text
    assert says in page.text
    assert "Nothing was installed" in page.text
    assert stack.installs() == 0
    assert stack.store.installed_teams() == []


async def test_a_forged_state_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    forged = attempt.redirect.replace(f"state={attempt.state}", "state=forged-state")

    page = await stack.browser.get(forged, headers={"Cookie": attempt.cookie})

    await assert_nothing_installed(stack, page, 400, "not started in this browser")
    assert stack.exchanges() == 0


async def test_a_state_someone_made_up_for_their_own_browser_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    made_up = attempt.redirect.replace(f"state={attempt.state}", "state=made-up")

    page = await stack.browser.get(made_up, headers={"Cookie": f"{COOKIE}=made-up"})

    await assert_nothing_installed(stack, page, 401, "expired or is not valid")
    assert stack.exchanges() == 0


async def test_a_missing_state_or_cookie_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    without_state = re.sub(r"&?state=[^&]*", "", attempt.redirect)

    await assert_nothing_installed(
        stack, await stack.browser.get(without_state, headers={"Cookie": attempt.cookie}), 400, "this browser"
    )
    await assert_nothing_installed(stack, await finish_install(stack, attempt, cookie=""), 400, "this browser")
    assert stack.exchanges() == 0


async def test_a_replayed_redirect_installs_nothing_twice(stack: Stack) -> None:
    """The state is signed, not stored: a replay passes it, and Slack refuses the code, which works once."""
    attempt = await start_install(stack, SECOND)
    assert (await finish_install(stack, attempt)).status_code == 200

    replayed = await finish_install(stack, attempt)

    assert replayed.status_code == 401
    assert "did not accept the authorization code" in replayed.text
    assert stack.installs() == 1
    assert list(stack.sandbox.state.bot_tokens.values()).count(SECOND) == 1  # one token issued, one kept


async def test_install_pages_write_no_row(stack: Stack) -> None:
    """`/slack/install` is public and unlimited: each page view used to insert a state row."""
    before = stack.rows()
    pages = [await stack.browser.get(f"{stack.bot_url}/slack/install") for _ in range(50)]

    assert {page.status_code for page in pages} == {200}
    assert len({page.headers["set-cookie"] for page in pages}) == 50  # a state of its own each
    assert stack.rows() == before


async def test_a_state_signed_with_another_key_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    forged = OAuthStates("not-" + TOKEN_KEY).issue()  # well formed, fresh, in the cookie too: only the key differs
    redirect = attempt.redirect.replace(f"state={attempt.state}", f"state={forged}")

    page = await stack.browser.get(redirect, headers={"Cookie": f"{COOKIE}={forged}"})

    await assert_nothing_installed(stack, page, 401, "expired or is not valid")
    assert stack.exchanges() == 0


async def test_an_expired_state_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    stack.clock.offset = 601  # the state lives ten minutes

    page = await finish_install(stack, attempt)

    await assert_nothing_installed(stack, page, 401, "expired or is not valid")
    assert stack.exchanges() == 0


async def test_a_code_slack_does_not_know_is_refused(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND)
    forged = re.sub(r"code=[^&]*", "code=123.forged", attempt.redirect)

    page = await stack.browser.get(forged, headers={"Cookie": attempt.cookie})

    await assert_nothing_installed(stack, page, 401, "did not accept the authorization code")


async def test_cancelling_at_slack_installs_nothing(stack: Stack) -> None:
    attempt = await start_install(stack, SECOND, decision="deny")
    assert "error=access_denied" in attempt.redirect

    page = await finish_install(stack, attempt)

    await assert_nothing_installed(stack, page, 200, "cancelled in Slack")
    assert stack.exchanges() == 0


async def test_a_request_from_a_workspace_never_installed_is_told_so(stack: Stack) -> None:
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="restart the api")

    assert reply.status == 200
    assert stack.launcher.launched == []
    await stack.sandbox.wait_for(lambda s: any(e.text == NOT_INSTALLED for e in s.ephemerals_for("C0OPS", "U0ALICE")))


async def test_events_still_need_a_signature_and_install_pages_only_answer_get(stack: Stack) -> None:
    assert (await stack.browser.post(f"{stack.bot_url}/slack/events", content=b"{}")).status_code == 401
    assert (await stack.browser.post(f"{stack.bot_url}/slack/install")).status_code == 404


async def test_a_workspace_not_on_the_allowlist_cannot_install(stack: Stack) -> None:
    stack.flow.allowed = TeamAllowlist(frozenset({FIRST}))

    page = await finish_install(stack, await start_install(stack, SECOND))

    await assert_nothing_installed(stack, page, 403, "opsgate does not serve this workspace")
    assert "OPSGATE_SLACK_ALLOWED_TEAMS" in page.text
    assert stack.exchanges() == 1  # Slack issued a token for it; opsgate did not keep it
    assert await install(stack, FIRST)
    assert stack.store.installed_teams() == [FIRST]
