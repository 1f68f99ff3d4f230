"""`opsgate worker` stops on SIGTERM, as a supervisor (systemd, compose, Kubernetes) asks it to.

The Restate endpoint installs its own SIGTERM handler on its first request (registration's discovery is one),
which used to replace the worker's: the worker then ignored SIGTERM until the supervisor killed it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from opsgate.stack import Stack
from tests.integration.harness import PRODUCTION_WORKER, ROOT, child_env

pytestmark = pytest.mark.integration


async def test_the_production_worker_exits_cleanly_on_sigterm_after_serving_restate(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text((ROOT / "opsgate.yml").read_text())
    stack = Stack(tmp_path)
    try:
        await stack.start_nodes()
        env = child_env(stack, sandbox, f"sqlite:///{tmp_path / 'opsgate.db'}", config)
        worker = await stack.start_worker(env, argv=PRODUCTION_WORKER)
        await stack.register(worker.url)  # Restate's discovery: the endpoint has served
        killed = await asyncio.to_thread(worker.stop, 20.0)  # generous: it used to never exit
        assert not killed, worker.tail(2000)
        assert worker.process is not None and worker.process.returncode == 0
    finally:
        await stack.close()
