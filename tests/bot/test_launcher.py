"""The bot's typed client against a loopback stand-in for Restate's ingress: every method addresses a handler the
worker registers (`handlers.contracts.SERVICES`), signs the exact bytes for the person it acts for, decodes the
contract's answer, and raises `Unanswered` for anything else (an error status, a wrong shape, no answer in time).

The fake every other bot test uses (`testkit.fakes.worker.FakeWorker`) must offer the same methods, so a test
written against the fake exercises the same surface as production."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.app import Launcher
from bot.launcher import Launch, TaskLauncher, Unanswered
from handlers.contracts import (
    APPROVAL_VOTE,
    BREAKERS,
    SERVICES,
    AnswerRequest,
    ApprovalStatus,
    DigestRequest,
    FreezeChange,
    TaskRequest,
    VoteRequest,
)
from handlers.contracts.envelope import ENVELOPE_HEADER, Actor, Keyring, open_envelope
from opsgate.restate_server import free_port
from testkit.fakes.worker import FakeWorker

ALICE = Actor(team="T0SANDBOX", user="U0ALICE")


@dataclass
class Ingress:
    """Answers each path with what `answers` holds for its handler; records (service, key, handler, body, actor)."""

    keyring: Keyring
    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    seen: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    delay: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        parts = request.match_info["path"].split("/")
        if parts[-1] == "send":
            parts = parts[:-1]
        service, handler = parts[0], parts[-1]
        key = "/".join(parts[1:-1])
        body = await request.read()
        envelope = open_envelope(
            self.keyring,
            request.headers[ENVELOPE_HEADER],
            service=service,
            handler=handler,
            key=key,
            body=body,
            now=time.time(),
        )
        self.seen.append((service, key, handler, body.decode(), f"{envelope.actor.team}:{envelope.actor.user}"))
        await asyncio.sleep(self.delay)
        status, text = self.answers.get(handler, (200, ""))
        return web.Response(status=status, text=text)


@pytest.fixture
async def ingress() -> AsyncIterator[tuple[Ingress, TaskLauncher]]:
    keyring = Keyring.generate()
    stand_in = Ingress(keyring)
    app = web.Application()
    app.router.add_post("/{path:.+}", stand_in.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    launcher = TaskLauncher(f"http://127.0.0.1:{port}", keyring=keyring, deadline=1.0)
    try:
        yield stand_in, launcher
    finally:
        await launcher.aclose()
        await runner.cleanup()


def _digest() -> DigestRequest:
    end = datetime(2026, 12, 1, 9, tzinfo=UTC)
    return DigestRequest(channel="C0OPS", period_start=end - timedelta(days=1), period_end=end, label="Daily")


CALLS: list[tuple[str, Callable[[TaskLauncher], object], tuple[int, str], object]] = [
    ("task_info", lambda c: c.task_info("t-1", actor=ALICE, nonce="n"), (200, ""), None),
    ("cancel_task", lambda c: c.cancel_task("t-1", actor=ALICE, nonce="n"), (200, "true"), True),
    ("card", lambda c: c.card("ap-1", actor=ALICE, nonce="n"), (200, "null"), None),
    (
        "vote",
        lambda c: c.vote("ap-1", VoteRequest(voter="U0ALICE", approve=True), actor=ALICE, nonce="n"),
        (200, json.dumps({"accepted": True, "message": "Approved.", "status": "approved"})),
        ApprovalStatus.APPROVED,
    ),
    (
        "answer",
        lambda c: c.answer("q-1", AnswerRequest(answer="happened"), actor=ALICE, nonce="n"),
        (200, json.dumps({"accepted": True, "message": "Noted.", "status": "happened"})),
        ApprovalStatus.HAPPENED,
    ),
    ("frozen", lambda c: c.frozen(actor=ALICE, nonce="n"), (200, "false"), False),
    (
        "set_frozen",
        lambda c: c.set_frozen(FreezeChange(frozen=True, by="U0ALICE"), actor=ALICE, nonce="n"),
        (200, "true"),
        True,
    ),
    ("breakers", lambda c: c.breakers(actor=ALICE, nonce="n"), (200, "[]"), []),
    ("fire_digest", lambda c: c.fire_digest(_digest(), actor=ALICE, nonce="n"), (200, "{}"), True),
]


@pytest.mark.parametrize(("method", "call", "answer", "expected"), CALLS, ids=[c[0] for c in CALLS])
async def test_every_method_addresses_a_registered_handler_signed_for_the_person(
    ingress: tuple[Ingress, TaskLauncher],
    method: str,
    call: Callable[[TaskLauncher], object],
    answer: tuple[int, str],
    expected: object,
) -> None:
    stand_in, launcher = ingress
    stand_in.answers = {handler: answer for handlers in SERVICES.values() for handler in handlers}
    result = await call(launcher)  # type: ignore[misc]
    [(service, _, handler, body, actor)] = stand_in.seen
    assert handler in SERVICES[service], (service, handler)
    assert body == "" or isinstance(json.loads(body), dict)  # a contract model, or no input
    assert actor == "T0SANDBOX:U0ALICE"
    shown = getattr(result, "status", result)
    assert shown == expected


async def test_a_launch_is_sent_one_way_as_its_requester(ingress: tuple[Ingress, TaskLauncher]) -> None:
    stand_in, launcher = ingress
    request = TaskRequest(task_id="t-1", team_id="T0SANDBOX", user_id="U0ALICE", channel_id="C0OPS", text="hi")
    stand_in.answers = {"run": (200, json.dumps({"status": "Accepted"}))}
    assert await launcher.launch(request) is Launch.ACCEPTED
    stand_in.answers = {"run": (200, json.dumps({"status": "PreviouslyAccepted"}))}
    assert await launcher.launch(request) is Launch.DUPLICATE
    assert [(s, k, h, a) for s, k, h, _, a in stand_in.seen] == [
        ("TaskWorkflow", "t-1", "run", "T0SANDBOX:U0ALICE")
    ] * 2


@pytest.mark.parametrize(
    "answer",
    [(500, "boom"), (403, "refused: not an approver"), (200, '{"accepted": "maybe"}'), (200, "")],
    ids=["error", "refused", "wrong shape", "empty"],
)
async def test_anything_but_the_contracts_answer_is_unanswered(
    ingress: tuple[Ingress, TaskLauncher], answer: tuple[int, str]
) -> None:
    stand_in, launcher = ingress
    stand_in.answers = {APPROVAL_VOTE: answer, BREAKERS: answer}
    with pytest.raises(Unanswered):
        await launcher.vote("ap-1", VoteRequest(voter="U0ALICE", approve=True), actor=ALICE, nonce="n")
    if answer[0] == 200 and answer[1]:
        with pytest.raises(Unanswered):
            await launcher.breakers(actor=ALICE, nonce="n")


async def test_no_answer_in_time_is_unanswered_and_a_digest_not_accepted(
    ingress: tuple[Ingress, TaskLauncher],
) -> None:
    stand_in, launcher = ingress
    stand_in.delay = 1.5  # the client's deadline is 1 s
    with pytest.raises(Unanswered):
        await launcher.frozen(actor=ALICE, nonce="n")
    assert await launcher.fire_digest(_digest(), actor=ALICE, nonce="n") is False


def test_the_fake_offers_exactly_the_clients_methods() -> None:
    """The protocol, the client and the fake agree, signature for signature."""

    def surface(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction)
            if not name.startswith("_") and name not in ("aclose", "restate_health")
        }

    protocol = surface(Launcher)
    assert surface(TaskLauncher) == protocol
    assert surface(FakeWorker) == protocol
