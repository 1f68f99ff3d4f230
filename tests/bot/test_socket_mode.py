"""Socket Mode end to end: the bot's WebSocket client against the sandbox's Socket Mode, checked as HTTP is.

The Bolt app that `build_app` builds is served both ways at once: by `SlackHttpApp` (HTTP) and by
`SlackSocketApp` connected to `Sandbox(socket_mode=True)` (a real WebSocket on loopback). Every shape of
tests/bot/slack_shapes and every case the HTTP fuzzer found gets the same answer both ways: what HTTP answers 200
comes back as the envelope's ack with the same payload, what HTTP refuses with a 400 is acknowledged empty, logged
as refused, and reaches no listener. A `disconnect` makes the client open a new connection, and the next envelope
is served. The last test runs the real `opsgate bot` process in Socket Mode.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.allowlist import TeamAllowlist
from bot.http import MAX_BODY_BYTES
from bot.reports import DETAILS_ACTION
from bot.sandbox import Sandbox
from bot.sandbox.socket_mode import APP_TOKEN, Ack, envelope_for
from bot.socket_mode import SlackSocketApp
from bot.unhandled import OLDER_CARD
from opsgate.processes import WaitTimeout, wait_until
from opsgate.restate_server import free_port
from opsgate.slack import SANDBOX_BOT_TOKEN
from testkit.fakes.bot import FORM, asgi_client, bot_app, post_signed, wait_for_lazy_listeners
from testkit.fakes.worker import FakeWorker
from tests.bot.slack_shapes import BOT_ID, BOT_USER, CHANNEL, TEAM, UNKNOWN_TASK, USER, Shape, all_shapes, slash
from tests.bot.slack_shapes.common import DEAD_URL
from tests.bot.test_fuzz_http import FOUND_BY_FUZZING, block_actions, events, fuzz, slack_shaped
from tests.bot.test_slack_payload_shapes import build_deps
from tests.integration.harness import SECRET, TEAM_YML
from tests.opsgate.test_graceful_shutdown import SlowIngress, start_bot

ACK_BOUND = 3.0  # Slack's ack deadline
ENVELOPE_TIMEOUT = 5.0
RECONNECT_TIMEOUT = 10.0
SHAPES = [s for s in all_shapes() if s.name not in ("url_verification", "ssl_check")]  # HTTP's own checks
REFUSED = "refused a Slack envelope over Socket Mode"


class Refusals(logging.Handler):
    """The bot's refusals, as it logs them (what HTTP answers with a 400)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(REFUSED):
            self.messages.append(record.getMessage())


@dataclass
class Both:
    """One Bolt app behind both transports."""

    http: httpx.AsyncClient
    sandbox: Sandbox
    socket: SlackSocketApp
    launcher: FakeWorker
    refusals: Refusals

    async def over_http(self, body: bytes, content_type: str) -> httpx.Response:
        before = asyncio.all_tasks()
        response = await post_signed(self.http, body, content_type=content_type, secret=SECRET)
        await wait_for_lazy_listeners(before)
        return response

    async def over_socket(self, kind: str, payload: Any, **extra: Any) -> Ack:
        before = asyncio.all_tasks()
        ack = await self.sandbox.socket_mode.send(kind, payload, timeout=ENVELOPE_TIMEOUT, **extra)
        assert ack is not None, f"the bot did not acknowledge a {kind} envelope within {ENVELOPE_TIMEOUT} s"
        await wait_for_lazy_listeners(before)
        return ack

    async def envelope(self, body: bytes, content_type: str) -> Ack:
        """What Slack would POST, sent as the envelope it sends over a socket instead."""
        envelope = envelope_for(body, content_type, "unused")
        return await self.over_socket(envelope["type"], envelope["payload"])

    def effects(self) -> tuple[int, int, int]:
        """Tasks started, sends or cancels (what changes something), refusals."""
        return (*self.launcher.effects(), len(self.refusals.messages))


@pytest.fixture(scope="module")
async def both() -> AsyncIterator[Both]:
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False, socket_mode=True)
    await sandbox.start()
    launcher = FakeWorker()
    app = bot_app(build_deps(launcher), slack=sandbox, allowed=TeamAllowlist(frozenset({TEAM})), secret=SECRET)
    socket = SlackSocketApp(app.bolt_app, APP_TOKEN, ping_interval=1.0)
    refusals = Refusals()
    logger = logging.getLogger("bot.socket_mode")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(refusals)
    await socket.connect()
    await sandbox.wait_for(lambda _: sandbox.socket_mode.connections == 1, timeout=RECONNECT_TIMEOUT)
    try:
        async with asgi_client(app) as http:
            yield Both(http, sandbox, socket, launcher, refusals)
    finally:
        await socket.close()
        logger.removeHandler(refusals)
        logger.setLevel(level)
        await sandbox.stop()


# --- a slash command and a click go through ----------------------------------------------------------------------


async def test_a_slash_command_is_answered_in_its_ack(both: Both) -> None:
    reply = await both.sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="help")
    assert (reply.status, reply.error) == (200, None)
    assert reply.elapsed < ACK_BOUND
    assert "/ops &lt;request&gt;" in reply.json["text"]
    shown = [e.text for e in both.sandbox.state.ephemerals_for(CHANNEL, USER)]
    assert shown[-1] == reply.json["text"]  # the person sees the ack, as over HTTP


async def test_a_request_starts_one_task_and_is_acknowledged(both: Both) -> None:
    launched = len(both.launcher.launched)
    reply = await both.sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="restart the api in staging")
    assert reply.error is None
    assert reply.json["text"].startswith("On it")
    assert [t.text for t in both.launcher.launched[launched:]] == ["restart the api in staging"]


def post_card(sandbox: Sandbox, action_id: str, value: str) -> str:
    button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}
    blocks = [{"type": "actions", "block_id": "b1", "elements": [button]}]
    message = sandbox.state.post_message(CHANNEL, text="a card", blocks=blocks, user=BOT_USER, bot_id=BOT_ID)
    return message.ts


@pytest.mark.parametrize(
    ("action_id", "value", "seen"),
    [
        (DETAILS_ACTION, UNKNOWN_TASK, "Task details are not kept here."),  # a listener of ours
        ("approval_approve_v0", "ap-1", OLDER_CARD),  # nobody's: the catch-all of bot.unhandled
    ],
)
async def test_a_button_click_is_acknowledged_and_answered(both: Both, action_id: str, value: str, seen: str) -> None:
    ts = post_card(both.sandbox, action_id, value)
    before = len(both.sandbox.state.ephemerals_for(CHANNEL, USER))
    started = asyncio.all_tasks()
    reply = await both.sandbox.click_button(user_id=USER, channel_id=CHANNEL, message_ts=ts, action_id=action_id)
    assert (reply.status, reply.error) == (200, None)
    await wait_for_lazy_listeners(started)
    answer = await both.sandbox.wait_for(
        lambda state: [e.text for e in state.ephemerals_for(CHANNEL, USER)[before:]] or None, timeout=ENVELOPE_TIMEOUT
    )
    assert answer == [seen]


# --- the same shapes, the same answers ---------------------------------------------------------------------------


def http_ack_payload(response: httpx.Response) -> Any:
    """What Bolt's Socket Mode adapter sends as the ack's payload for this HTTP answer (None: an empty ack)."""
    if not response.content:
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return {"text": response.text}


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.name for shape in SHAPES])
async def test_every_shape_gets_the_answer_it_gets_over_http(both: Both, shape: Shape) -> None:
    over_http = await both.over_http(shape.body, shape.content_type)
    assert over_http.status_code == 200, over_http.text[:200]
    effects = both.effects()
    ack = await both.envelope(shape.body, shape.content_type)
    assert ack.elapsed < ACK_BOUND
    assert ack.payload == http_ack_payload(over_http)
    assert both.effects() == effects  # nothing started, nothing refused


@pytest.mark.parametrize(("body", "content_type", "expected"), FOUND_BY_FUZZING)
async def test_what_http_refuses_is_refused_over_the_socket(
    both: Both, body: bytes, content_type: str, expected: int
) -> None:
    """A 400 over HTTP is an empty ack and a logged refusal here: Slack has nothing to retry, and no listener ran."""
    assert (await both.over_http(body, content_type)).status_code == expected
    launched, sent, refused = both.effects()
    calls = len(both.launcher.calls)
    ack = await both.envelope(body, content_type)
    assert ack.elapsed < ACK_BOUND
    if expected == 400:
        assert ack.payload is None
        assert both.effects() == (launched, sent, refused + 1)
        assert len(both.launcher.calls) == calls  # not even a read: no listener ran
    else:
        assert both.effects()[2] == refused


async def test_a_foreign_response_url_is_refused_as_over_http(both: Both) -> None:
    fields = envelope_for(slash("help", DEAD_URL, "1.2.3"), FORM, "x")["payload"]
    payload = {**fields, "response_url": "https://attacker.example/hooks"}
    refused = both.effects()[2]
    ack = await both.over_socket("slash_commands", payload)
    assert ack.payload is None
    assert both.refusals.messages[refused:] == [f"{REFUSED}: response_url is not Slack's"]


async def test_an_envelope_larger_than_an_http_body_may_be_is_refused(both: Both) -> None:
    event = {"type": "message", "user": USER, "channel": CHANNEL, "text": "x" * MAX_BODY_BYTES, "ts": "1.2"}
    payload = {"type": "event_callback", "team_id": TEAM, "event": event}
    refused = both.effects()[2]
    ack = await both.over_socket("events_api", payload)
    assert ack.payload is None
    assert both.refusals.messages[refused:] == [f"{REFUSED}: request too large"]


async def test_an_envelope_of_an_unknown_type_is_acknowledged_and_dropped(both: Both) -> None:
    effects = both.effects()
    ack = await both.over_socket("workflow_step_execute", {"type": "x"})
    assert ack.payload is None
    assert both.effects()[:2] == effects[:2]
    assert both.refusals.messages[-1] == f"{REFUSED}: an envelope of a type Slack does not send"


@fuzz(0.1)
@given(payload=st.one_of(block_actions(), events()))
async def test_fuzzed_payloads_are_refused_exactly_where_http_refuses_them(both: Both, payload: dict[str, Any]) -> None:
    """The HTTP fuzzer's strategies and oracle: what its layer refuses (`slack_shaped`), this one refuses too."""
    refused = both.effects()[2]
    ack = await both.over_socket("events_api" if "event" in payload else "interactive", payload)
    assert ack.elapsed < ACK_BOUND
    assert (both.effects()[2] == refused + 1) == (not slack_shaped(payload)), both.refusals.messages[refused:]


# --- connections --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_after_a_disconnect_the_bot_reconnects_and_the_next_envelope_is_served(both: Both, reason: str) -> None:
    socket_mode = both.sandbox.socket_mode
    opened = socket_mode.opened
    assert await socket_mode.disconnect(reason) == 1
    assert socket_mode.connections == 0  # no envelope goes to a connection asked to go
    await both.sandbox.wait_for(
        lambda _: socket_mode.opened == opened + 1 and socket_mode.connections == 1, timeout=RECONNECT_TIMEOUT
    )
    reply = await both.sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="help")
    assert (reply.status, reply.error) == (200, None)
    assert "/ops &lt;request&gt;" in reply.json["text"]


async def test_with_no_connection_slack_reports_dispatch_failed() -> None:
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False, socket_mode=True)
    await sandbox.start()
    try:
        reply = await sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="help")
        assert (reply.status, reply.error) == (0, "dispatch_failed")
        errors = [e.text for e in sandbox.state.ephemerals_for(CHANNEL, USER)]
        assert errors == ['/ops failed with the error "dispatch_failed"']
    finally:
        await sandbox.stop()


@pytest.mark.parametrize(
    ("token", "error"), [("xapp-1-not-ours", "invalid_auth"), (SANDBOX_BOT_TOKEN, "not_allowed_token_type")]
)
async def test_a_token_slack_refuses_fails_at_start_up(token: str, error: str) -> None:
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False, socket_mode=True)
    await sandbox.start()
    try:
        app = bot_app(build_deps(FakeWorker()), slack=sandbox, secret=SECRET).bolt_app
        with pytest.raises(RuntimeError, match=error):
            await SlackSocketApp(app, token).connect()
        assert sandbox.socket_mode.connections == 0
    finally:
        await sandbox.stop()


# --- the real process ---------------------------------------------------------------------------------------------


async def health(client: httpx.AsyncClient, url: str, deadline: float) -> bool:
    """Whether `url` answers 200 before the deadline (the bot binds its port just after connecting)."""

    async def ok() -> bool:
        return (await client.get(url, timeout=0.5)).status_code == 200

    try:
        return await wait_until(ok, timeout=deadline - time.monotonic(), what=url, ignore=(httpx.TransportError,))
    except WaitTimeout:
        return False


@pytest.fixture
def bot_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "opsgate.yml"
    config.write_text(TEAM_YML.read_text())
    return {
        **os.environ,
        "OPSGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'opsgate.db'}",
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "OPSGATE_SLACK_MODE": "socket",
        "OPSGATE_CONFIG_FILE": str(config),
        "OPSGATE_DATA_DIR": str(tmp_path),
        "OPSGATE_BOT_PORT": str(free_port()),
    }


async def test_the_opsgate_bot_process_serves_socket_mode_through_a_reconnect(
    tmp_path: Path, bot_env: dict[str, str]
) -> None:
    """`opsgate bot` with OPSGATE_SLACK_MODE=socket: its port answers health probes only; a request reaches
    Restate's ingress (a stand-in) and is acknowledged; after a `disconnect` the next one is served; SIGTERM stops
    it cleanly."""
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False, socket_mode=True)
    await sandbox.start()
    ingress = SlowIngress()
    await ingress.start()
    env = {**bot_env, "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/")}
    env |= {"OPSGATE_RESTATE_INGRESS_URL": ingress.url, "OPSGATE_RESTATE_ADMIN_URL": ingress.url}
    log_file = tmp_path / "bot.log"
    bot = start_bot(env, log_file)
    try:
        socket_mode = sandbox.socket_mode
        try:
            await sandbox.wait_for(lambda _: socket_mode.connections == 1 or bot.poll() is not None, timeout=60)
        except TimeoutError:
            pytest.fail(f"the bot opened no Socket Mode connection: {log_file.read_text()[-3000:]}")
        assert bot.poll() is None, log_file.read_text()[-3000:]

        probes = f"http://127.0.0.1:{env['OPSGATE_BOT_PORT']}"
        async with httpx.AsyncClient(timeout=10) as client:  # the port answers probes, and takes no Slack request
            assert await health(client, f"{probes}/healthz", deadline=time.monotonic() + 30), log_file.read_text()
            assert (await client.post(f"{probes}/slack/events", content=b"command=/ops")).status_code == 404

        reply = await sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="what runs in staging?")
        assert (reply.status, reply.error) == (200, None), log_file.read_text()[-3000:]
        assert reply.json["text"].startswith("On it")
        assert ingress.received.is_set()  # handed to Restate before the ack

        assert await socket_mode.disconnect("refresh_requested") == 1
        await sandbox.wait_for(lambda _: socket_mode.opened == 2 and socket_mode.connections == 1, timeout=30)
        reply = await sandbox.send_slash_command(user_id=USER, channel_id=CHANNEL, text="help")
        assert (reply.status, reply.error) == (200, None)
        assert "/ops &lt;request&gt;" in reply.json["text"]

        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 15) == 0, log_file.read_text()[-3000:]
        await sandbox.wait_for(lambda _: socket_mode.connections == 0, timeout=10)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=10)
        await ingress.stop()
        await sandbox.stop()
