"""A digest whose post fails is retried durably and, failing that, announced in the alerts channel: the Digest
object on a real restate-server, with a Slack stand-in (the digest poster port) that refuses posts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import restate
from sqlalchemy.engine import Engine

from handlers.contracts import DIGEST_OBJECT, DIGEST_POST, ChannelUnavailable, DigestReport, DigestRequest, digest_key
from handlers.contracts.envelope import SYSTEM_USER, Actor, Keyring
from handlers.digest import DigestDeps, build_digest_object
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from testkit.verifier import verifier_in
from tests.integration.harness import envelope_headers

pytestmark = pytest.mark.integration

KEYRING = Keyring.generate()
ALERTS = "C0ALERTS"
END = datetime(2026, 12, 1, 9, tzinfo=UTC)


@dataclass
class RefusingSlack:
    """Refuses the first `refusals` digest posts (every one with None) with `error`; takes alerts."""

    refusals: int | None
    error: Callable[[str], Exception]
    unreadable: bool = False
    """The database cannot give the digest's numbers."""
    attempts: int = 0
    digests: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)

    async def post_digest(self, channel: str, report: DigestReport) -> str:
        self.attempts += 1
        if self.refusals is None or self.attempts <= self.refusals:
            raise self.error(channel)
        self.digests.append(report.label)
        return f"1700000000.{len(self.digests):06d}"

    async def post_digest_chart(self, channel: str, ts: str, report: DigestReport) -> None:
        return None

    async def post_notice(self, channel: str, text: str) -> str:
        self.alerts.append((channel, text))
        return "1700000001.000001"

    def report(
        self, engine: Engine, channel: str, start: datetime, end: datetime, *, label: str, now: datetime
    ) -> DigestReport:
        if self.unreadable:
            raise RuntimeError("database is locked")
        return DigestReport(channel=channel, period_start=start, period_end=end, label=label)


@dataclass
class DigestWorker:
    restate: RestateServer
    slack: RefusingSlack

    async def fire(self, channel: str) -> httpx.Response:
        request = DigestRequest(channel=channel, period_start=END - timedelta(days=1), period_end=END, label="Daily")
        key, body = digest_key(channel, END), request.model_dump_json()
        headers = envelope_headers(
            KEYRING, Actor(team="T0SANDBOX", user=SYSTEM_USER), DIGEST_OBJECT, key, DIGEST_POST, body
        )
        async with httpx.AsyncClient(timeout=60) as client:
            return await client.post(
                f"{self.restate.ingress_url}/{DIGEST_OBJECT}/{key}/{DIGEST_POST}", content=body, headers=headers
            )


@pytest.fixture
async def worker(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[DigestWorker]:
    slack: RefusingSlack = request.param
    deps = DigestDeps(
        engine=None,  # type: ignore[arg-type]  # the report is built by `report`, which reads no database
        poster=slack,
        verifier=verifier_in(tmp_path, KEYRING),
        build=slack.report,
        alerts_channel=ALERTS,
        retry_after=(timedelta(milliseconds=200), timedelta(milliseconds=400)),
    )
    port, shutdown = free_port(), asyncio.Event()
    server = RestateServer(tmp_path / "restate")
    app: Any = restate.app([build_digest_object(deps)], identity_keys=[server.identity_public_key])
    serving = asyncio.create_task(serve_asgi(app, "127.0.0.1", port, shutdown))
    await asyncio.to_thread(server.start)
    await asyncio.to_thread(server.register, f"http://127.0.0.1:{port}")
    yield DigestWorker(server, slack)
    await asyncio.to_thread(server.stop)
    shutdown.set()
    await asyncio.wait_for(serving, timeout=10)


def not_in_channel(channel: str) -> Exception:
    return ChannelUnavailable(channel, "not_in_channel")


def slack_error(channel: str) -> Exception:
    return RuntimeError("Slack answered 500 internal_error")


@pytest.mark.parametrize(
    "worker",
    [RefusingSlack(refusals=2, error=not_in_channel), RefusingSlack(refusals=2, error=slack_error)],
    ids=["bot-not-in-channel-twice", "slack-500-twice"],
    indirect=True,
)
async def test_a_digest_whose_first_posts_fail_still_arrives_once(worker: DigestWorker) -> None:
    answer = await worker.fire("C0OPS")

    assert answer.status_code == 200, answer.text
    assert answer.json()["first"] is True
    assert (worker.slack.attempts, worker.slack.digests, worker.slack.alerts) == (3, ["Daily"], [])
    again = await worker.fire("C0OPS")  # another replica's firing of the same period
    assert again.json() == {**answer.json(), "first": False}
    assert worker.slack.digests == ["Daily"]


@pytest.mark.parametrize("worker", [RefusingSlack(refusals=None, error=not_in_channel)], indirect=True)
async def test_a_digest_that_cannot_be_posted_is_announced_in_the_alerts_channel_once(worker: DigestWorker) -> None:
    answer = await worker.fire("C0OPS")

    assert answer.status_code >= 400
    assert worker.slack.attempts == 3  # three rounds, 0.2 s and 0.4 s apart
    [(channel, text)] = worker.slack.alerts
    assert channel == ALERTS
    assert text.startswith(":rotating_light: The digest `Daily` for channel `C0OPS` could not be posted (3 tries over")
    assert "cannot post in C0OPS: not_in_channel" in text
    again = await worker.fire("C0OPS")  # a later firing answers with the failure: no new rounds, no second alert
    assert again.status_code >= 400
    assert "not_in_channel" in again.text
    assert (worker.slack.attempts, len(worker.slack.alerts), worker.slack.digests) == (3, 1, [])


@pytest.mark.parametrize("worker", [RefusingSlack(refusals=0, error=slack_error, unreadable=True)], indirect=True)
async def test_a_digest_whose_numbers_cannot_be_read_is_announced_too(worker: DigestWorker) -> None:
    answer = await worker.fire("C0OPS")

    assert answer.status_code >= 400
    assert (worker.slack.attempts, worker.slack.digests) == (0, [])
    [(channel, text)] = worker.slack.alerts
    assert channel == ALERTS
    assert "could not be posted (its numbers could not be read from the database)" in text
    assert "database is locked" in text
