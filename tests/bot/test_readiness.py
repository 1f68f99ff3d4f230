"""`/readyz` in public: ok or fail per check, never the dependency's error text (hosts, ports, the database user),
which goes to the log; on the bot's port (SlackHttpApp) and the worker's (readiness_app)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import sqlalchemy as sa

from agents.guardrails import SizeGuard
from bot.readiness import Readiness, database_check, readiness_app
from opsgate.db import create_db_engine
from testkit.fakes.bot import asgi_client, bot_app, bot_deps

LEAK = "connection to server at 10.20.30.40, port 5432 failed: FATAL: password authentication failed for user opsadmin"


async def failing() -> str:
    raise ConnectionError(LEAK)


async def hanging() -> str:
    await asyncio.Event().wait()
    return "never"


async def fine() -> str:
    return "signed in as U0BOT in T0SANDBOX"


def readiness() -> Readiness:
    return Readiness({"restate": fine, "database": failing, "slack": hanging}, timeout_s=0.2)


def ready_bot(ready: Readiness) -> Any:
    return bot_app(bot_deps(guard=SizeGuard(max_chars=9)), readiness=ready)


async def never_called(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("readiness_app passed /readyz on")


@pytest.mark.parametrize("where", ["bot", "worker"])
async def test_readyz_says_ok_or_fail_and_logs_the_detail(where: str, caplog: pytest.LogCaptureFixture) -> None:
    app = ready_bot(readiness()) if where == "bot" else readiness_app(never_called, readiness())
    caplog.set_level(logging.WARNING, logger="bot.readiness")
    async with asgi_client(app) as client:
        answer = await client.get("/readyz")

    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "checks": {"restate": "ok", "database": "fail", "slack": "fail"}}
    for secret in ("10.20.30.40", "5432", "opsadmin", "U0BOT", "ConnectionError", "within"):
        assert secret not in answer.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"not ready: database: ConnectionError: {LEAK}" in logged
    assert "not ready: slack: no answer within 0.2 s" in logged


async def test_readyz_is_200_when_every_check_answers(tmp_path: Any) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    app = ready_bot(Readiness({"restate": fine, "database": database_check(engine)}))
    async with asgi_client(app) as client:
        answer = await client.get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"ready": True, "checks": {"restate": "ok", "database": "ok"}})
    engine.dispose()
