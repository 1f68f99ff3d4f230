"""What the worker would otherwise lose quietly reaches the alerts channel once: an invalid `opsgate.yml` once per
bad version of the file (however many replicas watch and however often they look), span summaries that could not
be stored once per batch of drops; the real restate-server and the OpsAlert object."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import restate

from handlers.alerts import AlertDeps, build_ops_alert
from handlers.contracts import OPS_ALERT, OPS_ALERT_NOTIFY
from handlers.contracts.envelope import Keyring
from opsgate.alert_watch import AlertWatch
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from opsgate.teamconfig import DEFAULT_TEAM_FILE
from opsgate.watch_client import WatchClient
from testkit.verifier import verifier_in

pytestmark = pytest.mark.integration

ADMIN = "C0ADMIN"


@dataclass
class Alerts:
    server: RestateServer
    keyring: Keyring
    posted: list[tuple[str, str]]
    arrived: asyncio.Condition

    async def wait_for(self, count: int) -> list[tuple[str, str]]:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.posted) >= count), timeout=15)
        return list(self.posted)


@pytest.fixture
async def alerts(tmp_path: Path) -> AsyncIterator[Alerts]:
    posted: list[tuple[str, str]] = []
    arrived = asyncio.Condition()

    async def post(channel: str, text: str) -> str:
        async with arrived:
            posted.append((channel, text))
            arrived.notify_all()
        return "1.0"

    keyring = Keyring.generate()
    server = RestateServer(tmp_path / "restate")
    await asyncio.to_thread(server.start)
    port, shutdown = free_port(), asyncio.Event()
    app = restate.app([build_ops_alert(AlertDeps(post=post, verifier=verifier_in(tmp_path, keyring)))])
    serving = asyncio.create_task(serve_asgi(app, "127.0.0.1", port, shutdown))
    await asyncio.to_thread(server.register, f"http://127.0.0.1:{port}")
    yield Alerts(server, keyring, posted, arrived)
    await asyncio.to_thread(server.stop)
    shutdown.set()
    await serving


def rewrite(path: Path, text: str, tick: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(tick * 10**9, tick * 10**9))  # a new modification time, whatever the clock's resolution


async def test_an_invalid_team_file_is_announced_once_per_bad_version(alerts: Alerts, tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    shutil.copy(DEFAULT_TEAM_FILE, config)
    valid = config.read_text()
    replicas = [WatchClient(alerts.server.ingress_url, keyring=alerts.keyring, admin_url=None) for _ in range(2)]
    try:
        watches = [AlertWatch(r, channel=ADMIN, config_file=config) for r in replicas]
        assert [await watch.check() for watch in watches] == [0, 0]  # valid: nothing to say

        rewrite(config, valid.replace("version: 1", "version: 7"), 1)
        assert [await watch.check() for watch in watches] == [1, 1]  # both replicas saw it and asked
        assert [await watch.check() for watch in watches] == [0, 0]  # read again: nothing new to ask
        [(channel, text)] = await alerts.wait_for(1)
        assert channel == ADMIN
        assert f"`{config}` is not a valid team configuration, so opsgate keeps the policy it had" in text
        assert "version" in text and "`opsgate doctor` shows the same errors" in text

        rewrite(config, valid, 2)  # fixed: nothing to announce
        assert [await watch.check() for watch in watches] == [0, 0]
        rewrite(config, valid.replace("version: 1", "version: 7"), 3)  # the same bad version again: announced already
        assert [await watch.check() for watch in watches] == [1, 1]
        rewrite(config, "agents: [", 4)  # another bad version
        assert [await watch.check() for watch in watches] == [1, 1]
        posted = await alerts.wait_for(2)
        async with httpx.AsyncClient(timeout=5.0) as client:  # an ingress caller without the key posts nothing
            notice = {"kind": "config", "text": "forged", "channel": ADMIN}
            forged = await client.post(
                f"{alerts.server.ingress_url}/{OPS_ALERT}/config-x/{OPS_ALERT_NOTIFY}", json=notice
            )
        assert forged.status_code >= 400 and "refused" in forged.text
    finally:
        for launcher in replicas:
            await launcher.aclose()
    assert len(posted) == 2
    assert "YAML syntax error" in posted[1][1]


async def test_dropped_span_summaries_are_announced_with_their_count_at_most_once_a_period(
    alerts: Alerts, tmp_path: Path
) -> None:
    dropped, now = [0], [0.0]
    launcher = WatchClient(alerts.server.ingress_url, keyring=alerts.keyring, admin_url=None)
    try:
        watch = AlertWatch(
            launcher,
            channel=ADMIN,
            config_file=tmp_path / "absent.yml",
            dropped_spans=lambda: dropped[0],
            spans_every_s=600,
            clock=lambda: now[0],
        )
        assert await watch.check() == 0
        dropped[0] = 3
        assert await watch.check() == 1
        dropped[0] = 5
        now[0] = 60.0
        assert await watch.check() == 0  # within the period: folded into the next alert
        now[0] = 601.0
        assert await watch.check() == 1
        posted = await alerts.wait_for(2)
    finally:
        await launcher.aclose()
    assert [channel for channel, _ in posted] == [ADMIN, ADMIN]
    # Two alerts of two keys, sent one way: Restate runs them side by side, so they may be posted in either order.
    first, second = sorted((text for _, text in posted), key=lambda text: "(5 since it started)" in text)
    assert first.startswith(":warning: 3 span summaries could not be stored on worker")
    assert "(3 since it started)" in first
    assert second.startswith(":warning: 2 span summaries could not be stored on worker")
    assert "(5 since it started)" in second
