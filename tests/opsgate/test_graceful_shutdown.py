"""SIGTERM while a slash command is being acked: the ack still reaches Slack, then the bot exits cleanly.

A rolling deploy sends SIGTERM to a bot replica that may be in the middle of handing a request to Restate (the
ack waits for that, up to 2 s). The real `opsgate bot` runs as a child against the sandbox, with a Restate ingress
that answers slowly, so the request is provably in flight when the signal arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.sandbox import Sandbox
from opsgate.restate_server import free_port
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.stack import OFFLINE_DROPS, Child
from tests.integration.harness import SECRET, TEAM_YML, signed_slash_command

SLOW_ANSWER_S = 1.0


class SlowIngress:
    """Restate's ingress as the bot sees it: health answers at once, a task send after `SLOW_ANSWER_S`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/restate/health", self._health)
        app.router.add_post("/query", self._query)
        app.router.add_post("/{service}/{key}/{handler}/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({})

    async def _query(self, _: web.Request) -> web.Response:
        return web.json_response({"rows": []})

    async def _send(self, request: web.Request) -> web.Response:
        await request.read()
        self.received.set()
        await asyncio.sleep(SLOW_ANSWER_S)
        return web.json_response({"invocationId": "inv_slow", "status": "Accepted"}, status=202)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def start_bot(env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    """`python -m opsgate bot` with exactly `env`, its output in `log_file` (an `opsgate.stack.Child`): the process
    itself, for a test that signals and awaits it by hand (tests/bot/test_socket_mode.py)."""
    process = Child("bot", ["opsgate", "bot"], env=env, log_file=log_file).start().process
    assert process is not None
    return process


@pytest.fixture
async def slow_ingress() -> AsyncIterator[SlowIngress]:
    ingress = SlowIngress()
    await ingress.start()
    yield ingress
    await ingress.stop()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(signing_secret=SECRET, rate_limit=False)
    await box.start()
    yield box
    await box.stop()


async def test_sigterm_lets_the_ack_in_flight_finish_then_exits(
    tmp_path: Path, sandbox: Sandbox, slow_ingress: SlowIngress
) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text(TEAM_YML.read_text())
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name not in OFFLINE_DROPS},
        "OPSGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'opsgate.db'}",
        "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGATE_CONFIG_FILE": str(config),
        "OPSGATE_DATA_DIR": str(tmp_path),
        "OPSGATE_RESTATE_INGRESS_URL": slow_ingress.url,
        "OPSGATE_RESTATE_ADMIN_URL": slow_ingress.url,
        "OPSGATE_BOT_PORT": str(port),
    }
    bot = Child("bot", ["opsgate", "bot"], env=env, log_file=tmp_path / "bot.log", port=port).start()
    process = bot.process
    assert process is not None
    try:
        url = bot.url
        await bot.wait_http("/healthz", timeout=60)
        async with httpx.AsyncClient(timeout=10) as client:
            body, headers, trigger_id = signed_slash_command(
                user_id="U0ALICE", channel_id="C0OPS", text="what runs in staging?"
            )
            in_flight = asyncio.create_task(client.post(f"{url}/slack/events", content=body, headers=headers))
            received = asyncio.ensure_future(slow_ingress.received.wait())
            await asyncio.wait({in_flight, received}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            assert received.done() and not in_flight.done(), in_flight.result().text if in_flight.done() else ""
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            answer = await in_flight
            assert answer.status_code == 200, answer.text
            assert "On it" in json.loads(answer.text)["text"]  # the person sees the ack, not a Slack error

            exit_code = await asyncio.to_thread(process.wait, 15)
            assert exit_code == 0, bot.tail()
            assert time.monotonic() - signalled < 10
            with pytest.raises(httpx.ConnectError):  # gone: the balancer sends the next request elsewhere
                await client.get(f"{url}/healthz", timeout=1)
        assert trigger_id
    finally:
        bot.kill()
