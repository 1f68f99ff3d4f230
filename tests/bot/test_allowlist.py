"""The workspace allowlist through the real Bolt app and our ASGI layer, with signed requests and the sandbox as
Slack: a command, a mention or a click from a workspace that is not on the list is acknowledged, and nothing is
started, stored or posted; the composition root serves the bot token's own workspace by default."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agents.guardrails import SizeGuard
from bot.allowlist import NOT_ALLOWED, TeamAllowlist
from bot.app import BotIdentity
from bot.cards import APPROVE_ACTION
from bot.sandbox import Sandbox, block_actions_payload, new_trigger_id
from bot.sandbox.payloads import app_mention_body, encode_interaction
from handlers.contracts import TASK_RUN
from opsgate.botmain import build_bot
from opsgate.settings import Settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.teamconfig import TeamConfig
from testkit.fakes.bot import (
    DEAD_RESPONSE_URL,
    FORM,
    JSON,
    SECRET,
    asgi_client,
    bot_client,
    bot_deps,
    command_body,
    post_signed,
    slash,
    wait_for_lazy_listeners,
)
from testkit.fakes.worker import FakeWorker

HOME, OTHER, ENTERPRISE = "T0SANDBOX", "T0OUTSIDER", "E0GRID"


@dataclass
class Bot:
    client: httpx.AsyncClient
    launcher: FakeWorker
    sandbox: Sandbox

    async def post(self, body: bytes, content_type: str = FORM) -> httpx.Response:
        """POST a signed body, then wait (bounded) for the lazy listeners it started, which run after the ack."""
        before = asyncio.all_tasks()
        response = await post_signed(self.client, body, content_type=content_type)
        await wait_for_lazy_listeners(before)
        return response

    def posted(self) -> list[str]:
        return [call.method for call in self.sandbox.state.api_calls if call.method.startswith("chat.")]


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
    await sandbox.start()
    launcher = FakeWorker()
    deps = bot_deps(
        launcher,
        identity=BotIdentity(team_id=HOME, bot_user_id="U0BOT", bot_id="B0BOT"),
        guard=SizeGuard(max_chars=200),
    )
    allowed = TeamAllowlist(frozenset({HOME}), frozenset({ENTERPRISE}))
    async with bot_client(deps, slack=sandbox, allowed=allowed) as client:
        yield Bot(client, launcher, sandbox)
    await sandbox.stop()


def command(text: str, team_id: str) -> bytes:
    return command_body(text, team_id=team_id)


def mention(team_id: str, *, user_team: str | None = None) -> bytes:
    body = app_mention_body(
        user_id="U0ALICE",
        channel_id="C0OPS",
        text="<@U0BOT> what is running?",
        ts="1732500099.000200",
        thread_ts=None,
        event_id="Ev0ALLOW",
        event_time=int(time.time()),
        bot_user_id="U0BOT",
        team_id=team_id,
    )
    if user_team is None:
        return body
    envelope = json.loads(body)
    envelope["event"]["user_team"] = user_team
    return json.dumps(envelope).encode()


def click(team_id: str, *, user_team: str | None = None, approval_id: str = "ap-1") -> bytes:
    payload = block_actions_payload(
        user_id="U0CAROL",
        channel_id="C0OPS",
        message_ts="1732500000.000100",
        button={"type": "button", "action_id": APPROVE_ACTION, "value": approval_id},
        block_id="b",
        trigger_id=new_trigger_id(time.time()),
        response_url=DEAD_RESPONSE_URL,
        action_ts="1732500001.000200",
        team_id=team_id,
    )
    payload["user"]["team_id"] = user_team or team_id
    return encode_interaction(payload)


async def test_a_command_from_another_workspace_is_refused_and_starts_nothing(bot: Bot) -> None:
    refused = await bot.post(command("restart the api please", OTHER))
    assert refused.status_code == 200
    assert refused.json() == {"response_type": "ephemeral", "text": NOT_ALLOWED}
    assert bot.launcher.calls == []

    served = await bot.post(command("restart the api please", HOME))
    assert served.json()["text"].startswith("On it")
    assert [call.handler for call in bot.launcher.calls] == [TASK_RUN]


async def test_an_event_from_another_workspace_is_acknowledged_and_dropped(bot: Bot) -> None:
    for body in (mention(OTHER), mention(HOME, user_team=OTHER)):  # the second: an outsider in a shared channel
        answer = await bot.post(body, JSON)
        assert (answer.status_code, answer.content) == (200, b"")  # 2xx: Slack must not redeliver it
    assert bot.posted() == []
    assert bot.launcher.calls == []

    assert (await bot.post(mention(HOME), JSON)).status_code == 200
    assert bot.posted() == ["chat.postMessage"]  # from home, the mention is answered in the channel


async def test_a_click_from_another_workspace_or_by_an_outsider_does_nothing(bot: Bot) -> None:
    for body in (click(OTHER, approval_id="ap-out"), click(HOME, user_team=OTHER, approval_id="ap-out")):
        answer = await bot.post(body)
        assert (answer.status_code, answer.content) == (200, b"")
    assert bot.launcher.calls == []

    assert (await bot.post(click(HOME, approval_id="ap-home"))).status_code == 200
    assert "ap-home" in repr(bot.launcher.calls)  # from home, the click asks the engine about the approval


def test_an_allowed_enterprise_allows_each_of_its_workspaces() -> None:
    allowed = TeamAllowlist(frozenset({HOME}), frozenset({ENTERPRISE}))
    assert allowed.allows(HOME) and allowed.allows(HOME, "E0ELSEWHERE")
    assert allowed.allows("T0ANYGRIDTEAM", ENTERPRISE)
    assert allowed.allows(None, ENTERPRISE)  # an org-wide install names no team
    assert not allowed.allows(OTHER) and not allowed.allows(OTHER, "E0ELSEWHERE") and not allowed.allows(None)


async def test_the_bot_serves_its_tokens_own_workspace_and_the_listed_ones(tmp_path: Path) -> None:
    """The composition root: in one workspace, the allowlist is auth.test's team (plus OPSGATE_SLACK_ALLOWED_TEAMS)."""
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
    await sandbox.start()
    try:
        for listed, served in ((None, {HOME}), ("T0PARTNER", {HOME, "T0PARTNER"})):
            settings = Settings(  # type: ignore[call-arg]
                slack_bot_token=SANDBOX_BOT_TOKEN,
                slack_signing_secret=SECRET,
                slack_api_url=sandbox.api_url.rstrip("/"),
                slack_allowed_teams=listed,
                slack_home_team=HOME if listed else None,
                database_url=f"sqlite:///{tmp_path / 'opsgate.db'}",
                data_dir=tmp_path,
            )
            app, deps = await build_bot(settings, TeamConfig.default())
            async with asgi_client(app) as client:
                for team in (HOME, "T0PARTNER", OTHER):
                    answer = await slash(client, "help", team_id=team)
                    assert answer.status_code == 200
                    assert (answer.json()["text"] == NOT_ALLOWED) is (team not in served), (listed, team)
            await deps.launcher.aclose()  # type: ignore[attr-defined]
    finally:
        await sandbox.stop()


def test_ids_that_are_not_strings_are_never_allowed() -> None:
    allowlist = TeamAllowlist(teams=frozenset({"T1"}), enterprises=frozenset({"E1"}))

    assert allowlist.allows("T1") and allowlist.allows(None, "E1")
    assert not allowlist.allows(["T1"]) and not allowlist.allows({"id": "T1"}, ["E1"])
