"""The bot answers from the policy of the moment, as the worker decides with it: a change to `opsgate.yml`
needs no restart of the bot either (it read the file once, at start-up, and went on naming old approvers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from bot.sandbox import Sandbox
from opsgate.botmain import build_bot
from opsgate.settings import Settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.teamconfig import load_team_config
from testkit.fakes.bot import SECRET, asgi_client, slash

EXAMPLE = Path(__file__).resolve().parents[2] / "opsgate.yml"


async def policy_answer(client: httpx.AsyncClient, user: str) -> str:
    answer = await slash(client, "policy decommission_service", user_id=user)
    assert answer.status_code == 200, answer.text
    text: str = answer.json()["text"]
    return text


async def test_the_bot_follows_a_policy_change_without_a_restart(tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text(EXAMPLE.read_text())  # the example that ships
    sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
    await sandbox.start()
    try:
        settings = Settings(
            slack_bot_token=SANDBOX_BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=sandbox.api_url.rstrip("/"),
            database_url=f"sqlite:///{tmp_path / 'opsgate.db'}",
            config_file=config,
            data_dir=tmp_path,
        )
        app, deps = await build_bot(settings, load_team_config(config))
        async with asgi_client(app) as client:
            before = await policy_answer(client, "U0ALICE")
            assert "U0DAVE" in before and "U0ERIN" not in before
            config.write_text(config.read_text().replace("[U0BOB, U0CAROL, U0DAVE]", "[U0BOB, U0CAROL, U0ERIN]"))
            later = time.time() + 5
            os.utime(config, (later, later))  # a new modification time, however coarse the file system's clock
            after = await policy_answer(client, "U0ALICE")
        assert "U0ERIN" in after and "U0DAVE" not in after
        await deps.launcher.aclose()  # type: ignore[attr-defined]
    finally:
        await sandbox.stop()
