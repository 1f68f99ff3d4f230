"""The sandbox's side of an OAuth install: the authorize page, one-time codes, oauth.v2.access, uninstalling."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.oauth import CLIENT_ID, CLIENT_SECRET
from testkit.fakes import FakeClock

from .conftest import RecordingBot

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # slack_sdk's
REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"


async def authorize(sandbox: Sandbox, **form: str) -> tuple[int, dict[str, str], str]:
    """Submit the authorize page's form; returns the status, the redirect's query and the page's text."""
    fields = {"client_id": CLIENT_ID, "scope": "commands,chat:write", "state": "s-1", "redirect_uri": REDIRECT}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sandbox.base_url}oauth/v2/authorize",
            data={**fields, "team": "T0SECOND", "decision": "allow", **form},
            allow_redirects=False,
        ) as response,
    ):
        query = parse_qs(urlsplit(response.headers.get("Location", "")).query)
        return response.status, {key: values[0] for key, values in query.items()}, await response.text()


async def test_the_authorize_page_lists_the_workspaces(sandbox: Sandbox) -> None:
    query = f"client_id={CLIENT_ID}&scope=commands&state=s-1&redirect_uri={REDIRECT}&team=T0SECOND"
    async with aiohttp.ClientSession() as session, session.get(f"{sandbox.base_url}oauth/v2/authorize?{query}") as page:
        text = await page.text()
    assert page.status == 200
    assert '<option value="T0SECOND" selected>second sandbox (T0SECOND)</option>' in text
    assert '<option value="T0SANDBOX">sandbox (T0SANDBOX)</option>' in text

    async with aiohttp.ClientSession() as session, session.get(f"{sandbox.base_url}oauth/v2/authorize") as page:
        assert page.status == 400
        assert "invalid_client_id" in await page.text()


async def test_a_code_buys_one_token_of_its_workspace(sandbox: Sandbox) -> None:
    status, query, _ = await authorize(sandbox)
    assert (status, query["state"]) == (302, "s-1")
    client = AsyncWebClient(base_url=sandbox.api_url)

    answer = await client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=query["code"], redirect_uri=REDIRECT
    )

    token = str(answer["access_token"])
    assert answer["team"] == {"id": "T0SECOND", "name": "second sandbox"}
    assert (answer["token_type"], answer["scope"], answer["authed_user"]) == (
        "bot",
        "commands,chat:write",
        {"id": "U0ALICE"},
    )
    assert sandbox.state.bot_tokens[token] == "T0SECOND"
    assert (await client.auth_test(token=token))["team_id"] == "T0SECOND"
    assert (await client.auth_test(token=sandbox.bot_token))["team_id"] == "T0SANDBOX"
    with pytest.raises(SlackApiError, match="invalid_code"):  # used
        await client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=query["code"])


async def test_the_exchange_checks_the_app_the_code_and_its_age(sandbox: Sandbox, clock: FakeClock) -> None:
    client = AsyncWebClient(base_url=sandbox.api_url)
    _, query, _ = await authorize(sandbox)
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        await client.oauth_v2_access(client_id=CLIENT_ID, client_secret="guess", code=query["code"])
    with pytest.raises(SlackApiError, match="invalid_client_id"):
        await client.oauth_v2_access(client_id="9.9", client_secret=CLIENT_SECRET, code=query["code"])
    with pytest.raises(SlackApiError, match="bad_redirect_uri"):
        await client.oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=query["code"], redirect_uri="http://elsewhere/"
        )

    clock.advance(601)  # codes live ten minutes

    with pytest.raises(SlackApiError, match="invalid_code"):
        await client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=query["code"])
    assert [call.method for call in sandbox.state.api_calls] == []


async def test_cancelling_or_an_unregistered_redirect_gives_no_code(clock: FakeClock, bot: RecordingBot) -> None:
    sandbox = Sandbox(signing_secret="s", bot_url=bot.url, clock=clock, oauth_redirect_urls=[REDIRECT])
    await sandbox.start()
    try:
        status, query, _ = await authorize(sandbox, decision="deny")
        assert (status, query) == (302, {"error": "access_denied", "state": "s-1"})
        status, _, text = await authorize(sandbox, redirect_uri="http://127.0.0.1:9/elsewhere")
        assert status == 400
        assert "bad_redirect_uri" in text
        assert sandbox.oauth.grants == {}
    finally:
        await sandbox.stop()


async def test_uninstalling_revokes_the_tokens_and_tells_the_bot(sandbox: Sandbox, bot: RecordingBot) -> None:
    client = AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
    await client.auth_test()

    replies = await sandbox.uninstall("T0SANDBOX")

    assert [reply.status for reply in replies] == [200, 200]
    events = [json.loads(body) for body in bot.raw_bodies]  # JSON, as Slack sends events
    assert [(e["team_id"], e["event"]["type"], "authorizations" in e) for e in events] == [
        ("T0SANDBOX", "tokens_revoked", False),
        ("T0SANDBOX", "app_uninstalled", False),
    ]
    with pytest.raises(SlackApiError, match="token_revoked"):
        await client.auth_test()
