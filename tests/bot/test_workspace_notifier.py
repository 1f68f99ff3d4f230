"""The worker's Slack notifier speaks as the task's workspace in OAuth mode, and exactly as before with one token."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.installations import SlackInstallations
from bot.notifier import SlackNotifier
from bot.sandbox import Sandbox
from bot.sandbox.state import SECOND_TEAM
from bot.workspaces import WorkspaceNotInstalled, WorkspaceTokens
from handlers.contracts import TaskPhase, TaskView, ThreadRef, in_workspace

FIRST, SECOND = "T0SANDBOX", SECOND_TEAM.id
VIEW = TaskView(task_id="t-1", requester="U0ALICE", request="restart the api", phase=TaskPhase.RUNNING)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    running = Sandbox(signing_secret="unused", rate_limit=False)
    await running.start()
    yield running
    await running.stop()


def installed(sandbox: Sandbox, engine: Engine, *teams: str) -> tuple[SlackInstallations, dict[str, str]]:
    """Workspaces installed as an OAuth install leaves them: a bot token from Slack, saved in the store."""
    store = SlackInstallations("1111.2222", engine, token_key="notifier-test-key")
    tokens = {}
    for team in teams:
        tokens[team] = sandbox.state.issue_bot_token(team)
        store.save(
            Installation(
                app_id="A0SANDBOX",
                team_id=team,
                bot_token=tokens[team],
                bot_id="B0BOT",
                bot_user_id="U0BOT",
                user_id="U0ALICE",
                installed_at=time.time(),
            )
        )
    return store, tokens


async def test_one_bot_token_speaks_everywhere_as_before(sandbox: Sandbox) -> None:
    notifier = SlackNotifier(AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url))

    assert in_workspace(notifier, SECOND) is notifier
    ref = await notifier.post_root("C0OPS", VIEW)
    await notifier.reply(ref, "done")

    assert [(c.method, c.token) for c in sandbox.state.api_calls] == [
        ("chat.postMessage", sandbox.bot_token),
        ("chat.postMessage", sandbox.bot_token),
    ]


async def test_a_tasks_posts_carry_its_workspaces_token(sandbox: Sandbox, db_engine: Engine) -> None:
    store, tokens = installed(sandbox, db_engine, FIRST, SECOND)
    notifier = SlackNotifier(AsyncWebClient(base_url=sandbox.api_url), workspaces=WorkspaceTokens(store))

    second = in_workspace(notifier, SECOND)
    ref = await second.post_root("C0OPS", VIEW)
    await second.update_root(ref, VIEW.model_copy(update={"phase": TaskPhase.DONE}))
    await second.post_in_thread(ref.channel, ref.ts, "approved")
    await in_workspace(notifier, FIRST).reply(ThreadRef(channel=ref.channel, ts=ref.ts), "from the first")

    calls = [(c.method, c.team_id, c.token) for c in sandbox.state.api_calls]
    assert calls == [
        ("chat.postMessage", SECOND, tokens[SECOND]),
        ("chat.update", SECOND, tokens[SECOND]),
        ("chat.postMessage", SECOND, tokens[SECOND]),
        ("chat.postMessage", FIRST, tokens[FIRST]),
    ]


async def test_posts_of_no_task_go_to_the_home_workspace(sandbox: Sandbox, db_engine: Engine) -> None:
    store, tokens = installed(sandbox, db_engine, FIRST, SECOND)
    client = AsyncWebClient(base_url=sandbox.api_url)

    with pytest.raises(WorkspaceNotInstalled, match="OPSGATE_SLACK_HOME_TEAM"):
        await SlackNotifier(client, workspaces=WorkspaceTokens(store)).post("C0OPS", "the digest")
    await SlackNotifier(client, workspaces=WorkspaceTokens(store, home_team=SECOND)).post("C0OPS", "the digest")

    assert [(c.team_id, c.token) for c in sandbox.state.api_calls] == [(SECOND, tokens[SECOND])]


async def test_a_workspace_that_removed_opsgate_gets_no_post(sandbox: Sandbox, db_engine: Engine) -> None:
    store, _ = installed(sandbox, db_engine, FIRST)
    notifier = SlackNotifier(AsyncWebClient(base_url=sandbox.api_url), workspaces=WorkspaceTokens(store))

    with pytest.raises(WorkspaceNotInstalled, match=f"not installed in workspace {SECOND}"):
        await in_workspace(notifier, SECOND).post_root("C0OPS", VIEW)
    assert sandbox.state.api_calls == []
