"""A person is (team, user) in the composition roots too: the bot built as `opsgate bot` builds it, serving a
partner workspace besides its own, tells the home workspace's admin from a partner's user with the same id, and
looks user groups up in the workspace that owns them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from approvals import CachedUserGroups
from bot.sandbox import Sandbox
from opsgate.botmain import build_bot
from opsgate.settings import Settings, SettingsError
from opsgate.slack import SANDBOX_BOT_TOKEN, slack_client, usergroup_members
from opsgate.teamconfig import load_team_config
from opsgate.worker import build_approval_deps
from testkit.fakes.bot import SECRET, asgi_client, slash

EXAMPLE = Path(__file__).resolve().parents[2] / "opsgate.yml"
HOME, PARTNER = "T0SANDBOX", "T0PARTNER"
NOT_ADMIN = "Only policy admins can freeze or unfreeze opsgate"


def settings(sandbox: Sandbox, tmp_path: Path, config: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": SANDBOX_BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": sandbox.api_url.rstrip("/"),
        "slack_allowed_teams": PARTNER,
        "slack_home_team": HOME,
        "database_url": f"sqlite:///{tmp_path / 'opsgate.db'}",
        "config_file": config,
        "data_dir": tmp_path,
        "restate_ingress_url": "http://127.0.0.1:9",  # nothing listens: a freeze that passes is "unavailable"
        **changes,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def freeze(client: httpx.AsyncClient, team: str, user: str) -> str:
    answer = await slash(client, "freeze on", user_id=user, team_id=team)
    assert answer.status_code == 200, answer.text
    text: str = answer.json()["text"]
    return text


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    running = Sandbox(signing_secret=SECRET, rate_limit=False)
    await running.start()
    yield running
    await running.stop()


async def test_the_bot_compares_admins_as_people_of_a_workspace(sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    shipped = EXAMPLE.read_text()
    assert "  admins: [U0CAROL]\n" in shipped
    config.write_text(shipped.replace("  admins: [U0CAROL]\n", f"  admins: [U0CAROL, {PARTNER}:U0ERIN]\n"))
    app, deps = await build_bot(settings(sandbox, tmp_path, config), load_team_config(config))
    try:
        async with asgi_client(app) as client:
            assert NOT_ADMIN in await freeze(client, PARTNER, "U0CAROL")  # the partner's U0CAROL is someone else
            assert NOT_ADMIN in await freeze(client, HOME, "U0ERIN")
            for team, user in ((HOME, "U0CAROL"), (PARTNER, "U0ERIN")):  # admins: on to the worker
                answer = await freeze(client, team, user)
                assert NOT_ADMIN not in answer and "did not answer" in answer, answer
    finally:
        await deps.launcher.aclose()  # type: ignore[attr-defined]


async def test_user_groups_are_looked_up_in_the_workspace_that_owns_them(sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text(EXAMPLE.read_text())
    client = slack_client(settings(sandbox, tmp_path, config))
    groups = CachedUserGroups(usergroup_members(client, None))
    for group in ("S0ONCALL", f"{HOME}:S0ONCALL", f"{PARTNER}:S0ONCALL"):
        await groups.refresh(group)
    assert groups.members("S0ONCALL") == groups.members(f"{HOME}:S0ONCALL") == {"U0BOB", "U0CAROL"}
    assert groups.members(f"{PARTNER}:S0ONCALL") is None  # not the home group of the same id: unknown, nobody


def test_bot_and_worker_refuse_to_serve_other_workspaces_without_a_home_team(sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text(EXAMPLE.read_text())
    unsafe = settings(sandbox, tmp_path, config, slack_home_team=None)
    with pytest.raises(SettingsError, match="OPSGATE_SLACK_HOME_TEAM is not set, but OPSGATE_SLACK_ALLOWED_TEAMS"):
        build_approval_deps(unsafe, load_team_config(config))
    with pytest.raises(SettingsError, match="OPSGATE_SLACK_HOME_TEAM is not set"):
        unsafe.slack_allowlist()  # the bot's first check in build_bot
