"""`/ops` through the real Bolt app and our ASGI layer, with signed requests and a fake launcher."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx
import pytest

from agents.guardrails import SizeGuard
from bot.app import BotDeps
from bot.http import MAX_BODY_BYTES
from bot.launcher import Launch
from bot.listeners.events.mentions import answer_mention
from handlers.contracts import task_id_for
from testkit.fakes import StaticDirectory
from testkit.fakes.bot import bot_client, bot_deps, command_body, signed, slash
from testkit.fakes.worker import FakeWorker


@pytest.fixture
def launcher() -> FakeWorker:
    return FakeWorker()


def rated(launcher: FakeWorker, db_engine: object, *, per_user: int, per_channel: int) -> BotDeps:
    """A bot whose requests are counted per user and per channel (a minute each) in the budget ledger."""
    from agents.guardrails import Rate
    from approvals.ledger import SqlBudgetLedger

    return bot_deps(
        launcher,
        ledger=SqlBudgetLedger(db_engine),
        requests_per_user=Rate(limit=per_user, window_s=60),
        requests_per_channel=Rate(limit=per_channel, window_s=60),
    )


@pytest.fixture
def client(launcher: FakeWorker) -> httpx.AsyncClient:
    return bot_client(bot_deps(launcher, guard=SizeGuard(max_chars=200)))


async def test_request_is_handed_off_then_acked(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    response = await slash(client, "what services are running in staging?", trigger_id="111.222.abc")
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert response.json()["text"].startswith("On it")
    [request] = launcher.launched
    assert request.task_id == task_id_for("T0SANDBOX", "111.222.abc")
    assert request.text == "what services are running in staging?"
    assert request.user_id == "U0ALICE"
    assert request.response_url == "http://127.0.0.1:9/response"


async def test_duplicate_and_unavailable_answers(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    launcher.launch_answer = Launch.DUPLICATE
    assert "Already on it" in (await slash(client, "restart the api please")).json()["text"]
    launcher.launch_answer = Launch.UNAVAILABLE
    text = (await slash(client, "restart the api please")).json()["text"]
    assert "could not accept" in text
    assert "safe to send it again" in text
    launcher.launch_answer = Launch.UNCERTAIN
    text = (await slash(client, "restart the api please")).json()["text"]
    assert "could not confirm" in text
    assert "may still start" in text


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?"])
async def test_help_and_empty_input_answer_with_help(
    client: httpx.AsyncClient, launcher: FakeWorker, text: str
) -> None:
    response = await slash(client, text)
    assert response.status_code == 200
    assert "/ops &lt;request&gt;" in response.json()["text"]
    assert launcher.launched == []


CONTROL = re.compile(r"<(?:[@#!]|https?://)[^<>]*>")
"""A Slack control sequence opsgate may mean: a mention, a channel, a broadcast or a date, a link."""


async def test_help_and_usage_texts_hold_no_raw_angle_bracket(client: httpx.AsyncClient) -> None:
    """Slack reads `<…>` as a control sequence, so the help's `<request>` was dropped or mangled: placeholders go
    out escaped (`&lt;request&gt;`), and a `<` left starts a sequence meant as one (`<@`, `<#`, `<!`, `<http`)."""
    said = {f"/ops {text}": (await slash(client, text)).json()["text"] for text in ("help", "", "frobnicate")}
    said |= {f"/ops {text}": (await slash(client, text)).json()["text"] for text in ("cancel", "policy")}
    event = {"type": "app_mention", "user": "U0BOB", "text": "<@U0BOT> hi", "ts": "1732500099.0", "channel": "C0OPS"}
    for where, thread_ts in (("outside a thread", None), ("in a thread not a task", "1732400000.000001")):
        reply = await answer_mention({"team_id": "T0SANDBOX"}, {**event, "thread_ts": thread_ts}, bot_deps())
        assert reply is not None
        said[f"a mention {where}"] = reply

    for asked, text in said.items():
        bare = CONTROL.sub("", text)
        assert all(re.match(r"<(?:[@#!]|http)", text[at:]) for at, char in enumerate(text) if char == "<"), asked
        assert "<" not in bare and ">" not in bare, asked
        if asked not in ("/ops cancel", "/ops policy"):  # the help, or the mention's pointer to `/ops`
            assert "`/ops &lt;request&gt;`" in text, asked
    assert said["/ops cancel"].startswith("Usage: `/ops cancel &lt;task id&gt;`")
    assert said["/ops policy"].startswith("Usage: `/ops policy &lt;tool&gt;`")


async def test_unknown_subcommand_is_explained(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    response = await slash(client, "frobnicate")
    assert "I don't know the command `frobnicate`" in response.json()["text"]
    assert launcher.launched == []


async def test_other_slash_commands_get_a_pointer(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    response = await slash(client, "anything", command="/deploy")
    assert response.status_code == 200
    assert "/ops help" in response.json()["text"]
    assert launcher.launched == []


async def test_oversized_request_is_refused_with_the_reason(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    response = await slash(client, "please " + "x" * 300)
    assert "the limit is 200" in response.json()["text"]
    assert launcher.launched == []


async def test_invisible_characters_are_removed_before_hand_off(
    client: httpx.AsyncClient, launcher: FakeWorker
) -> None:
    await slash(client, "restart\u200b the\u202e api")
    assert launcher.launched[0].text == "restart the api"


@pytest.mark.parametrize("offset", [-301, 301])
async def test_stale_or_future_timestamp_is_401(client: httpx.AsyncClient, launcher: FakeWorker, offset: int) -> None:
    body = command_body("restart the api please")
    response = await client.post("/slack/events", content=body, headers=signed(body, offset=offset))
    assert response.status_code == 401
    assert launcher.launched == []


async def test_forged_signature_is_401(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    body = command_body("restart the api please")
    headers = {**signed(body), "X-Slack-Signature": "v0=" + "f" * 64}
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 401
    assert launcher.launched == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (urlencode({"payload": json.dumps([1, 2])}).encode(), "application/x-www-form-urlencoded"),
        (urlencode({"command": "/ops", "text": "x", "team_id": "T1"}).encode(), "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"hello=world", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_but_signed_request_is_400_not_500(
    client: httpx.AsyncClient, launcher: FakeWorker, body: bytes, content_type: str
) -> None:
    response = await client.post("/slack/events", content=body, headers=signed(body, content_type=content_type))
    assert response.status_code == 400
    assert response.json()["error"]
    assert launcher.launched == []


async def test_malformed_and_unsigned_request_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/slack/events", content=b"payload=%7B", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 401


async def test_huge_body_is_413(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    body = command_body("x" * MAX_BODY_BYTES)
    response = await client.post("/slack/events", content=body, headers=signed(body))
    assert response.status_code == 413
    assert launcher.launched == []


async def test_channels_outside_the_allowlist_are_refused(launcher: FakeWorker) -> None:
    deps = bot_deps(launcher, allowed_channels=frozenset({"C0DEPLOY"}))
    async with bot_client(deps) as client:
        response = await slash(client, "restart the api please")
    assert "not enabled in this channel" in response.json()["text"]
    assert "<#C0DEPLOY>" in response.json()["text"]
    assert launcher.launched == []


async def test_people_outside_the_allowed_users_are_refused(launcher: FakeWorker) -> None:
    for allowed, expected in ((("S0SRE",), "On it"), (("U0BOB",), "not on the list")):
        deps = bot_deps(launcher, allowed_users=allowed, directory=StaticDirectory({"S0SRE": ["U0ALICE"]}))
        async with bot_client(deps) as client:
            response = await slash(client, "restart the api please")
        assert expected in response.json()["text"]
    assert len(launcher.launched) == 1  # only the allowed one started a task


@pytest.mark.parametrize(
    "text",
    ["policy restart_service", "approvals", "status", "digest now", "freeze status", "cancel t-0123456789abcdef0123"],
)
async def test_subcommands_pass_the_allowed_users_and_channels_and_help_does_not_need_to(
    launcher: FakeWorker, text: str
) -> None:
    """`/ops policy` names the approvers and `/ops status` reads tasks: not for everyone who can type a command."""
    for scope, refusal in (
        ({"allowed_users": ("U0BOB",)}, "not on the list"),
        ({"allowed_channels": frozenset({"C0DEPLOY"})}, "not enabled in this channel"),
    ):
        deps = bot_deps(launcher, **scope)
        async with bot_client(deps) as client:
            assert refusal in (await slash(client, text)).json()["text"]
            assert "/ops" in (await slash(client, "help")).json()["text"]
    assert launcher.launched == []


async def test_health_and_unknown_paths(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/slack/events")).status_code == 405
    assert (await client.get("/nope")).status_code == 404


async def test_request_rates_are_limited_per_user_and_per_channel(launcher: FakeWorker, db_engine: object) -> None:
    async with bot_client(rated(launcher, db_engine, per_user=2, per_channel=3)) as client:
        answers = [(await slash(client, f"restart the api please {n}")).json()["text"] for n in range(3)]
    assert [a.startswith("On it") for a in answers] == [True, True, False]
    assert "Too many requests from you (2 per 60 s)" in answers[2]
    assert len(launcher.launched) == 2


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("policy restart_service", "restart_service"),
        ("digest now", "Digests are not available"),
        ("approvals", "The approvals list is not available"),
        ("status", "Task status is not available"),
    ],
)
async def test_subcommands_spend_the_request_rates_and_help_does_not(
    launcher: FakeWorker, db_engine: object, text: str, answer: str
) -> None:
    """Subcommands read what the rates protect (the policy, the audit log, tasks, the worker), so each one is
    counted: past a rate it gets the rate's answer instead, while `/ops help` still answers."""
    async with bot_client(rated(launcher, db_engine, per_user=1, per_channel=2)) as client:
        said = [
            (await slash(client, text, user_id=user)).json()["text"]
            for user in ("U0ALICE", "U0ALICE", "U0BOB", "U0CAROL")
        ]
        helped = (await slash(client, "help", user_id="U0CAROL")).json()["text"]
    assert answer in said[0]
    assert "Too many requests from you (1 per 60 s)" in said[1]
    assert answer in said[2]
    assert "Too many requests from this channel (2 per 60 s)" in said[3]
    assert "/ops &lt;request&gt;" in helped
    assert launcher.launched == []
