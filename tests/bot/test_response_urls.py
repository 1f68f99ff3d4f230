"""A response_url is called only on Slack's hooks host (or the sandbox the bot talks to), never wherever a
payload points."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.notifier import SlackNotifier
from bot.response_urls import response_url_allowed
from bot.sandbox.payloads import encode_interaction
from testkit.fakes.bot import bot_client, bot_deps, post_signed, slash
from testkit.fakes.worker import FakeWorker

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
    async with bot_client(bot_deps(launcher), slack=SANDBOX_API) as client:
        for url, status in (("http://169.254.169.254/x", 400), ("http://127.0.0.1:3100/response/1", 200)):
            response = await slash(client, "what runs in staging?", response_url=url)
            assert response.status_code == status, response.text
        click = {
            "type": "block_actions",
            "team": {"id": "T0SANDBOX"},
            "user": {"id": "U0ALICE"},
            "actions": [{"action_id": "x", "value": "1"}],
            "response_url": "https://evil.example/hook",
        }
        response = await post_signed(client, encode_interaction(click))
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
