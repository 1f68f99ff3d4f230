"""`opsgate worker` stops on SIGTERM, as a supervisor (systemd, compose, Kubernetes) asks it to.

The Restate endpoint installs its own SIGTERM handler on its first request (registration's discovery is one),
which used to replace the worker's: the worker then ignored SIGTERM until the supervisor killed it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from opsgate.processes import stop_process
from opsgate.restate_server import RestateServer
from tests.integration.harness import ROOT, WorkerProcess, process_env

pytestmark = pytest.mark.integration


async def test_the_production_worker_exits_cleanly_on_sigterm_after_serving_restate(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    config = tmp_path / "opsgate.yml"
    config.write_text((ROOT / "opsgate.yml").read_text())
    restate = RestateServer(tmp_path / "restate")
    restate.start()
    try:
        env = process_env(sandbox, tmp_path, f"sqlite:///{tmp_path / 'opsgate.db'}", config, restate)
        worker = WorkerProcess(env, tmp_path / "worker.log", module="opsgate.cli")
        await asyncio.to_thread(worker.start)
        await asyncio.to_thread(restate.register, worker.url)  # Restate's discovery: the endpoint has served
        killed = await asyncio.to_thread(stop_process, worker.process, 20.0)  # generous: it used to never exit
        assert not killed, (tmp_path / "worker.log").read_text()[-2000:]
        assert worker.process is not None and worker.process.returncode == 0
    finally:
        restate.stop()
