"""Every well-formed, correctly signed Slack request gets a 2xx within Slack's 3 s; forged or stale copies a 401.

The shapes (tests/bot/slack_shapes/) are what a workspace may send: events with many types and message
subtypes, `url_verification`, `app_rate_limited`, every kind of interaction, legacy dialogs and attachments,
slash commands with malformed arguments. Each is signed with the test secret and sent through the real app (our
HTTP layer in front of the Bolt app that `build_app` builds, with the team allowlist the composition root always
passes), against the sandbox as Slack. A 404 would make Slack redeliver an event (and switch event delivery off
when most fail), and show the person an error for an interaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.request import SocketModeRequest

from agents.guardrails import SizeGuard
from approvals import ApprovalPolicy
from bot.allowlist import TeamAllowlist
from bot.app import BotDeps, BotIdentity
from bot.blocks import CANCEL_ACTION, RETRY_ACTION
from bot.cards import APPROVE_ACTION, REJECT_ACTION
from bot.modals import CONFIRM_CALLBACK, REJECT_CALLBACK
from bot.reports import DETAILS_ACTION
from bot.sandbox import Sandbox
from bot.sandbox.payloads import encode_interaction
from bot.sandbox.signing import signature_for
from bot.unhandled import OLDER_CARD, OUR_ID
from handlers.contracts import TASK_CANCEL, TASK_INFO, TASK_WORKFLOW
from testkit.fakes.bot import EVENTS, JSON, SECRET, asgi_client, bot_app, bot_deps, signed, wait_for_lazy_listeners
from testkit.fakes.worker import FakeWorker
from tests.bot.slack_shapes import (
    BOT_ID,
    BOT_USER,
    CHANNEL,
    TEAM,
    TS,
    UNKNOWN_TASK,
    USER,
    Shape,
    all_shapes,
    click,
    interaction_payloads,
    slash,
)

ACK_BOUND = 3.0  # Slack's ack deadline; generous here, where everything is loopback
SHAPES = all_shapes()


@dataclass
class Answer:
    status: int
    elapsed: float
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Bot:
    client: httpx.AsyncClient
    bolt: AsyncApp
    sandbox: Sandbox
    launcher: FakeWorker

    async def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """POST as Slack would, then wait (bounded) for the lazy listeners the request started."""
        before = asyncio.all_tasks()
        started = time.perf_counter()
        response = await self.client.post(EVENTS, content=body, headers=headers)
        elapsed = time.perf_counter() - started
        await wait_for_lazy_listeners(before)
        return Answer(response.status_code, elapsed, response.content)

    async def send(self, shape: Shape) -> Answer:
        return await self.post(shape.body, {**signed(shape.body, content_type=shape.content_type), **shape.headers})


def build_deps(launcher: FakeWorker) -> BotDeps:
    return bot_deps(
        launcher,
        identity=BotIdentity(team_id=TEAM, bot_user_id=BOT_USER, bot_id=BOT_ID),
        guard=SizeGuard(max_chars=500),
        policy=lambda: ApprovalPolicy(approvers=["U0CAROL"], admins=["U0CAROL"]),
    )


@pytest.fixture(scope="module")
async def bot() -> AsyncIterator[Bot]:
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
    await sandbox.start()
    launcher = FakeWorker()
    app = bot_app(build_deps(launcher), slack=sandbox, allowed=TeamAllowlist(frozenset({TEAM})))
    async with asgi_client(app) as client:
        yield Bot(client, app.bolt_app, sandbox, launcher)
    await sandbox.stop()


# --- every shape: a 2xx, in time, starting nothing --------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.name for shape in SHAPES])
async def test_a_well_formed_signed_request_gets_a_2xx_in_time(bot: Bot, shape: Shape) -> None:
    effects = bot.launcher.effects()
    answer = await bot.send(shape)
    assert 200 <= answer.status < 300, f"{answer.status}: {answer.body[:200]!r}"
    assert answer.elapsed < ACK_BOUND, f"answered after {answer.elapsed:.2f} s"
    assert bot.launcher.effects() == effects  # none of these shapes asks for work


def forgeries(shape: Shape) -> dict[str, dict[str, str]]:
    """The same request with a signature or timestamp that does not check out."""
    now = int(time.time())
    good = signed(shape.body, content_type=shape.content_type)
    return {
        "other secret": {**good, "X-Slack-Signature": signature_for("not-" + SECRET, shape.body, now)},
        "tampered signature": {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-4] + "0000"},
        "stale (six minutes old)": signed(shape.body, content_type=shape.content_type, at=now - 360),
        "from the future": signed(shape.body, content_type=shape.content_type, at=now + 360),
        "unsigned": {"Content-Type": shape.content_type},
        "signed for another body": {**good, "X-Slack-Signature": signature_for(SECRET, shape.body + b" ", now)},
    }


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.name for shape in SHAPES])
async def test_a_forged_or_stale_copy_is_refused_and_nothing_is_done(bot: Bot, shape: Shape) -> None:
    effects, calls, version = bot.launcher.effects(), len(bot.launcher.calls), bot.sandbox.state.version
    for what, headers in forgeries(shape).items():
        answer = await bot.post(shape.body, {**headers, **shape.headers})
        assert answer.status == 401, f"{what}: {answer.status} {answer.body[:200]!r}"
    assert (bot.launcher.effects(), len(bot.launcher.calls)) == (effects, calls)
    assert bot.sandbox.state.version == version  # nothing posted, no response_url used


# --- what the answers say ---------------------------------------------------------------------------------------


def shape(name: str) -> Shape:
    return next(s for s in SHAPES if s.name == name)


async def test_url_verification_echoes_the_challenge(bot: Bot) -> None:
    answer = await bot.send(shape("url_verification"))
    assert answer.status == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize("name", ["block_suggestion", "dialog_suggestion"])
async def test_an_options_request_nobody_serves_gets_an_empty_list(bot: Bot, name: str) -> None:
    """Not an empty body: a select menu shows "no options" rather than an error."""
    answer = await bot.send(shape(name))
    assert answer.status == 200
    assert answer.json() == {"options": []}


def ephemerals(bot: Bot) -> list[str]:
    return [e.text for e in bot.sandbox.state.ephemerals_for(CHANNEL, USER)]


async def click_with_response_url(bot: Bot, action_id: str, value: str = "1") -> tuple[Answer, list[str]]:
    """Click a button on a card in the sandbox; the answers the clicker saw through the response_url."""
    url = bot.sandbox.state.issue_response_url(bot.sandbox.base_url, channel=CHANNEL, user=USER, message_ts=TS)
    before = len(ephemerals(bot))
    button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}
    body = encode_interaction(click(button, url.url, trigger_id=f"1.2.{action_id}"))
    answer = await bot.post(body, signed(body))
    return answer, ephemerals(bot)[before:]


@pytest.mark.parametrize("action_id", ["approval_approve_v0", "approval_snooze", "task_stop", "task_cancel_old"])
async def test_a_renamed_button_of_ours_tells_the_clicker_the_card_is_old(bot: Bot, action_id: str) -> None:
    answer, seen = await click_with_response_url(bot, action_id)
    assert answer.status == 200
    assert seen == [OLDER_CARD]
    assert OLDER_CARD.startswith("This card is from an older version of opsgate;")


@pytest.mark.parametrize("action_id", ["env_picker", "approve", "open_runbook", "tasks"])
async def test_a_button_that_is_not_ours_is_acknowledged_silently(bot: Bot, action_id: str) -> None:
    answer, seen = await click_with_response_url(bot, action_id)
    assert (answer.status, seen) == (200, [])


async def test_buttons_we_know_still_reach_their_listeners(bot: Bot) -> None:
    """The catch-all comes after every listener: Details still answers as Details does."""
    answer, seen = await click_with_response_url(bot, DETAILS_ACTION, value=UNKNOWN_TASK)
    assert answer.status == 200
    assert seen == ["Task details are not kept here."]


@pytest.mark.parametrize(
    "known",
    [APPROVE_ACTION, REJECT_ACTION, CANCEL_ACTION, RETRY_ACTION, DETAILS_ACTION, REJECT_CALLBACK, CONFIRM_CALLBACK],
)
def test_every_id_we_put_on_a_card_or_modal_looks_like_ours(known: str) -> None:
    """So that once renamed, an old card's button (or modal) is recognized as ours and explained."""
    assert OUR_ID.match(known)


async def test_a_renamed_modal_of_ours_says_so_in_the_modal(bot: Bot) -> None:
    payload = interaction_payloads("", "1.2.modal")["view_submission (unknown callback_id)"]
    payload["view"]["callback_id"] = "approval_reject_reason_v0"
    body = encode_interaction(payload)
    answer = await bot.post(body, signed(body))
    assert answer.status == 200
    reply = answer.json()
    assert reply["response_action"] == "update"
    assert "older version of opsgate" in json.dumps(reply["view"])


async def ops(bot: Bot, text: str) -> str:
    body = slash(text, "http://127.0.0.1:9/response/T0SANDBOX/1/dead", f"1.2.{time.monotonic_ns()}")
    answer = await bot.post(body, signed(body))
    assert answer.status == 200, answer.body[:200]
    text_: str = answer.json()["text"]
    return text_


async def test_cancelling_an_unknown_task_answers_politely(bot: Bot) -> None:
    """Restate answers a handler's None with an empty body, which `json.loads` refused (a 500)."""
    asked = len(bot.launcher.calls)
    text = await ops(bot, f"cancel {UNKNOWN_TASK}")
    assert text == f"There is no task with the id `{UNKNOWN_TASK}`. `/ops status` lists yours, with their ids."
    assert bot.launcher.addressed()[asked:] == [(TASK_WORKFLOW, UNKNOWN_TASK, TASK_INFO)]
    assert bot.launcher.of(TASK_CANCEL) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancel t-123", "`t-123` is not a task id"),
        ("cancel T-XYZ", "`T-XYZ` is not a task id"),
        ("cancel", "`/ops cancel &lt;task id&gt;`"),
        ("freeze", "`/ops freeze on|off|status`"),
        ("freeze sometimes", "`/ops freeze on|off|status`"),
        ("policy", "`/ops policy &lt;tool&gt;`"),
    ],
)
async def test_malformed_subcommand_arguments_are_explained(bot: Bot, text: str, expected: str) -> None:
    launched = len(bot.launcher.launched)
    assert expected in await ops(bot, text)
    assert len(bot.launcher.launched) == launched  # not handed to the agent as a request


async def test_a_request_that_starts_with_a_subcommand_word_still_goes_to_the_agent(bot: Bot) -> None:
    launched = len(bot.launcher.launched)
    assert (await ops(bot, "cancel the deploy of api in staging")).startswith("On it")
    assert len(bot.launcher.launched) == launched + 1


async def test_what_is_ignored_is_logged_by_type_never_by_text(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    secret = "the db password is hunter2"
    envelope = json.loads(shape("event reaction_added").body)
    envelope["event"] = {**envelope["event"], "type": "star_added", "text": secret}
    body = json.dumps(envelope).encode()
    with caplog.at_level(logging.DEBUG, logger="bot"):
        answer = await bot.post(body, signed(body, content_type=JSON))
    assert answer.status == 200
    assert "star_added" in caplog.text
    assert secret not in caplog.text


# --- Socket Mode: the same Bolt app, no HTTP layer --------------------------------------------------------------


SOCKET_SHAPES = [
    s
    for s in SHAPES
    if s.content_type == "application/json" and s.name not in ("url_verification", "event app_mention at the top level")
] + [s for s in SHAPES if s.name in ("global shortcut", "view_closed (unknown modal)", "block_suggestion")]


@pytest.mark.parametrize("shape", SOCKET_SHAPES, ids=[s.name for s in SOCKET_SHAPES])
async def test_socket_mode_acknowledges_the_same_shapes(bot: Bot, shape: Shape) -> None:
    """Over Socket Mode, Bolt's answer is sent back as the envelope's ack only when it is a 200: a 404 is never
    acknowledged, and Slack retries or shows an error."""
    if shape.content_type == "application/json":
        payload, kind = json.loads(shape.body), "events_api"
    else:
        payload = json.loads(httpx.QueryParams(shape.body.decode())["payload"])
        kind = "interactive"
    request = SocketModeRequest(type=kind, envelope_id="e-1", payload=payload)
    response = await run_async_bolt_app(bot.bolt, request)
    assert response.status == 200, f"{response.status}: {response.body[:200]!r}"
