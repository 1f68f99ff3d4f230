"""A response_url is called only on Slack's hooks host (or the sandbox the bot talks to), never wherever a
payload points."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from agents.guardrails import SizeGuard
from bot.app import BotDeps, BotIdentity, build_app
from bot.http import SlackHttpApp
from bot.notifier import SlackNotifier
from bot.response_urls import response_url_allowed
from bot.sandbox import new_trigger_id, sign_request, slash_command_body
from testkit.fakes.worker import FakeWorker
from tests.bot.test_ops_command import SECRET

SANDBOX_API = "http://127.0.0.1:3100/api/"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T0/1/abc", True),
        ("https://hooks.slack-gov.com/actions/T0/1/abc", True),
        ("http://hooks.slack.com/commands/T0/1/abc", False),  # not over TLS
        ("https://hooks.slack.com:8443/commands/T0/1/abc", False),
        ("https://hooks.slack.com.evil.example/commands", False),
        ("https://evil.example/?https://hooks.slack.com/", False),
        ("https://user@hooks.slack.com/commands", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://127.0.0.1:3100/response/abc", True),  # the sandbox's own origin
        ("http://localhost:9/response/abc", True),  # any loopback port while Slack is local
        ("http://10.0.0.7:3100/response/abc", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_only_slacks_hooks_or_the_sandbox_are_response_urls(url: str, allowed: bool) -> None:
    assert response_url_allowed(url, SANDBOX_API) is allowed


def test_with_slack_for_real_only_its_hooks_and_behind_a_proxy_the_proxys_origin() -> None:
    assert not response_url_allowed("https://slack.com/api/chat.postMessage", "https://slack.com/api/")
    assert not response_url_allowed("http://127.0.0.1:9/response", "https://slack.com/api/")
    assert response_url_allowed("https://slack-proxy.internal/hook/1", "https://slack-proxy.internal/api/")
    assert not response_url_allowed("https://other.internal/hook/1", "https://slack-proxy.internal/api/")


async def test_a_signed_payload_with_a_foreign_response_url_is_refused_before_any_work() -> None:
    launcher = FakeWorker()
    identity = BotIdentity(team_id="T0SANDBOX", bot_user_id="U0BOT", bot_id="B0BOT")
    deps = BotDeps(identity=identity, launcher=launcher, guard=SizeGuard())
    slack = AsyncWebClient(token="xoxb-unused", base_url=SANDBOX_API)
    app = SlackHttpApp(build_app(signing_secret=SECRET, client=slack, deps=deps), SECRET)
    common = {"user_id": "U0ALICE", "channel_id": "C0OPS", "text": "what runs in staging?"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        for url, status in (("http://169.254.169.254/x", 400), ("http://127.0.0.1:3100/response/1", 200)):
            body = slash_command_body(**common, trigger_id=new_trigger_id(time.time()), response_url=url)
            response = await client.post(
                "/slack/events", content=body, headers=sign_request(SECRET, body, int(time.time()))
            )
            assert response.status_code == status, response.text
        click = {
            "type": "block_actions",
            "team": {"id": "T0SANDBOX"},
            "user": {"id": "U0ALICE"},
            "actions": [{"action_id": "x", "value": "1"}],
            "response_url": "https://evil.example/hook",
        }
        body = urlencode({"payload": json.dumps(click)}).encode()
        response = await client.post(
            "/slack/events", content=body, headers=sign_request(SECRET, body, int(time.time()))
        )
        assert response.status_code == 400 and "response_url" in response.text
    assert len(launcher.launched) == 1  # only the request with the sandbox's response_url


async def test_the_notifier_never_calls_a_foreign_response_url() -> None:
    connections: list[str] = []

    async def listen(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append("connected")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(listen, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        # With Slack for real, a loopback response_url is nobody's.
        foreign = SlackNotifier(AsyncWebClient(token="xoxb-unused", base_url="https://slack.com/api/"))
        await foreign.tell_requester(f"http://127.0.0.1:{port}/hook", "hello")
        assert connections == []
        own = SlackNotifier(AsyncWebClient(token="xoxb-unused", base_url=f"http://127.0.0.1:{port}/api/"))
        await own.tell_requester(f"http://127.0.0.1:{port}/hook", "hello")  # the check is what kept it out
        assert connections == ["connected"]
    finally:
        server.close()
        await server.wait_closed()
