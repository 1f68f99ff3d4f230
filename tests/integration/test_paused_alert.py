"""An invocation Restate pauses after its retries ran out is announced once in the admin channel, however many
worker replicas watch, and logged; the real restate-server, its admin SQL and the alert object. Nobody without
opsgate's key can make the alert object post."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import restate

from handlers.alerts import AlertDeps, build_paused_alert
from handlers.contracts import PAUSED_ALERT, PAUSED_NOTIFY
from handlers.contracts.envelope import SYSTEM_USER, Actor, Keyring
from opsgate.paused_watch import PausedWatch
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from opsgate.watch_client import WatchClient
from testkit.verifier import verifier_in
from tests.integration.harness import signed_call
from tests.integration.paused import pausing_service, wait_paused

pytestmark = pytest.mark.integration


async def test_a_paused_invocation_is_announced_once_by_two_watching_replicas(tmp_path: Path) -> None:
    posted: list[tuple[str, str]] = []
    announced = asyncio.Event()

    async def post(channel: str, text: str) -> str:
        posted.append((channel, text))
        announced.set()
        return "1.0"

    flaky = pausing_service()

    server = RestateServer(tmp_path / "restate")
    await asyncio.to_thread(server.start)
    port, shutdown = free_port(), asyncio.Event()
    keyring = Keyring.generate()
    app = restate.app([flaky, build_paused_alert(AlertDeps(post=post, verifier=verifier_in(tmp_path, keyring)))])
    serving = asyncio.create_task(serve_asgi(app, "127.0.0.1", port, shutdown))
    replicas = [WatchClient(server.ingress_url, keyring=keyring, admin_url=server.admin_url) for _ in range(2)]
    try:
        await asyncio.to_thread(server.register, f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(timeout=5.0) as client:
            sent = await client.post(f"{server.ingress_url}/Flaky/boom/send", json="x")
            invocation = sent.json()["invocationId"]
            await wait_paused(client, server.admin_url)
        watches = [PausedWatch(r, channel="C0ADMIN", admin_url=server.admin_url) for r in replicas]
        handed = sum(await asyncio.gather(*(watch.check() for watch in watches)))
        assert handed == 2  # both replicas saw it and asked
        await asyncio.wait_for(announced.wait(), timeout=15)
        # Both replicas keep seeing it paused and keep asking: the object announced it once.
        assert [await watch.check() for watch in watches] == [1, 1]
        notice = json.dumps({"invocation_id": invocation, "target": "Flaky/boom", "channel": "C0ADMIN"})
        system = Actor(team="T1", user=SYSTEM_USER)
        again = await signed_call(server.ingress_url, keyring, system, PAUSED_ALERT, invocation, PAUSED_NOTIFY, notice)
        assert again.status_code == 200 and again.json() is False, again.text
        # An ingress caller without the key makes nothing post, on a fresh key as on this one.
        async with httpx.AsyncClient(timeout=5.0) as client:
            for key in (invocation, "inv_forged"):
                forged = await client.post(
                    f"{server.ingress_url}/{PAUSED_ALERT}/{key}/{PAUSED_NOTIFY}",
                    content=notice.replace(invocation, key),
                    headers={"content-type": "application/json"},
                )
                assert forged.status_code >= 400, forged.text
                assert "refused" in forged.text
    finally:
        for launcher in replicas:
            await launcher.aclose()
        await asyncio.to_thread(server.stop)
        shutdown.set()
        await serving
    [(channel, text)] = posted
    assert channel == "C0ADMIN"
    assert invocation in text and "Flaky/boom" in text and "/resume" in text
