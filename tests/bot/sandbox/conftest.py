"""Fixtures: a sandbox on loopback, a clock that moves when told (`testkit.fakes.FakeClock`), and a tiny bot
that verifies Slack's signature."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from testkit.fakes import FakeClock

SIGNING_SECRET = "sandbox-test-signing-secret"


class RecordingBot:
    """The smallest bot: refuses badly signed requests with 401, records the parsed payloads, answers as told."""

    def __init__(self) -> None:
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.received: list[dict[str, Any]] = []
        self.raw_bodies: list[bytes] = []
        self.answer: Callable[[dict[str, Any]], Awaitable[web.Response]] | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401, text="invalid signature")
        fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        parsed = json.loads(fields["payload"]) if "payload" in fields else fields
        self.received.append(parsed)
        self.raw_bodies.append(body)
        if self.answer is not None:
            return await self.answer(parsed)
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/events", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/slack/events"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


@pytest.fixture
async def bot() -> AsyncIterator[RecordingBot]:
    recording_bot = RecordingBot()
    await recording_bot.start()
    yield recording_bot
    await recording_bot.stop()


@pytest.fixture
async def sandbox(clock: FakeClock, bot: RecordingBot) -> AsyncIterator[Sandbox]:
    """A running sandbox wired to the recording bot; rate limit off (the clock stands still), tests turn it on."""
    running = Sandbox(signing_secret=SIGNING_SECRET, bot_url=bot.url, clock=clock, rate_limit=False)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def client(sandbox: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
