"""Integration fixtures: a real restate-server on free ports, a worker subprocess, the bot, the sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from tests.integration.harness import SECRET, Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(signing_secret=SECRET, rate_limit=False)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture(scope="session")
async def stack(session_dir: Path, sandbox: Sandbox) -> AsyncIterator[Stack]:
    """One shared stack for tests that do not break anything."""
    shared = await start_stack(session_dir / "shared", sandbox)
    yield shared
    await stop_stack(shared)


@pytest.fixture
async def own_stack(tmp_path: Path, sandbox: Sandbox, stack: Stack) -> AsyncIterator[Stack]:
    """A stack of its own, for tests that kill or stop a part of it."""
    private = await start_stack(tmp_path / "stack", sandbox)
    yield private
    await stop_stack(private)
    sandbox.bot_url = stack.bot.events_url


@pytest.fixture
def probe_name() -> str:
    return f"p{uuid.uuid4().hex[:10]}"
