"""The stack the chaos benchmark breaks: sandbox in process; restate-server, the worker and the real bot as children.

The worker is the integration tests' worker (the real task workflow, Approval object and switches, a scripted model
that proposes the high-risk `restart_service`, and a `restart_service` tool that honours its idempotency key by
recording every delivery with its key on disk, fsynced, outside the worker). The bot is `python -m opsgate bot`.
The worker keeps its port across restarts, so the deployment Restate knows stays valid.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
from pathlib import Path

from bench._approvals_stack import Board, bench_team_config
from bench._stack import SECRET, Child, _stop_all, wait_http
from bot.sandbox import Sandbox
from opsgate.restate_server import RestateServer, free_port

__all__ = ["ChaosStack"]

BOT_TOKEN = "xoxb-sandbox-token"
PATIENT_ATTEMPTS = 1800  # an hour at the 2 s ceiling


class ChaosStack:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="opsgate-bench-chaos-"))
        self.sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
        self.board = Board(self.sandbox)
        self.probe_dir = self.dir / "probe"
        # Patient retries, as in production (Restate's defaults retry for about an hour): with the test config's
        # 60 attempts, an invocation that finds the worker down for two minutes pauses and waits for a person.
        self.restate = RestateServer(self.dir / "restate", max_attempts=PATIENT_ATTEMPTS)
        self.worker_port = free_port()
        self.bot_port = free_port()
        self.worker: Child | None = None
        self.bot: Child | None = None
        self._sandbox_started = False

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.worker_port}"

    @property
    def bot_events_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}/slack/events"

    def _env(self) -> dict[str, str]:
        return {
            "OPSGATE_DATABASE_URL": f"sqlite:///{self.dir / 'opsgate.db'}",
            "OPSGATE_SLACK_API_URL": self.sandbox.api_url.rstrip("/"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSGATE_TEST_PROBE_DIR": str(self.probe_dir),
            "OPSGATE_CONFIG_FILE": str(self.dir / "opsgate.yml"),
            "OPSGATE_DATA_DIR": str(self.dir),
            "OPSGATE_RESTATE_INGRESS_URL": self.restate.ingress_url,
            "OPSGATE_RESTATE_ADMIN_URL": self.restate.admin_url,
            "OPSGATE_RESTATE_IDENTITY_KEYS": self.restate.identity_public_key,
            "OPSGATE_LOG_LEVEL": "WARNING",
        }

    async def start(self) -> None:
        self.probe_dir.mkdir()
        config, _ = bench_team_config()
        (self.dir / "opsgate.yml").write_text(config)
        await self.sandbox.start()
        self._sandbox_started = True
        self.sandbox.bot_url = self.bot_events_url
        await asyncio.to_thread(self.restate.start)
        env = self._env()
        self.worker = Child("worker", ["tests.integration.worker_app"], self.dir, env | self._worker_port())
        self.worker.start()
        self.bot = Child("bot", ["opsgate", "bot"], self.dir, env | {"OPSGATE_BOT_PORT": str(self.bot_port)})
        self.bot.start()
        await wait_http(self.worker, f"{self.worker_url}/health", timeout=90)
        await asyncio.to_thread(self.restate.register, self.worker_url)
        await wait_http(self.bot, f"http://127.0.0.1:{self.bot_port}/healthz", timeout=90)

    def _worker_port(self) -> dict[str, str]:
        return {"OPSGATE_WORKER_PORT": str(self.worker_port)}

    async def kill_worker(self) -> None:
        """SIGKILL, then a new worker on the same port (as a supervisor would restart it)."""
        assert self.worker is not None and self.worker.process is not None
        self.worker.process.kill()
        await asyncio.to_thread(self.worker.process.wait, 10)
        self.worker.start()
        await wait_http(self.worker, f"{self.worker_url}/health", timeout=90)

    async def restart_restate(self) -> None:
        await asyncio.to_thread(self.restate.stop, 5.0)
        await asyncio.to_thread(self.restate.start)

    def check_alive(self) -> None:
        for child in (self.worker, self.bot):
            if child is not None and child.exited():
                raise RuntimeError(f"{child.name} exited during the run:\n{child.tail()}")

    def deliveries(self, name: str) -> list[str]:
        """Every delivery of `name`'s effect: one line each, with the idempotency key it came with."""
        path = self.probe_dir / f"{name}.exec"
        return path.read_text().splitlines() if path.exists() else []

    async def close(self, keep: bool = False) -> None:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            _stop_all([child for child in (self.bot,) if child is not None])
            self.restate.stop(grace=5.0)  # before the worker: hypercorn can hang while Restate holds a stream
            _stop_all([child for child in (self.worker,) if child is not None])
            if self._sandbox_started:
                await self.sandbox.stop()
        finally:
            if not keep:
                shutil.rmtree(self.dir, ignore_errors=True)
            signal.signal(signal.SIGINT, previous)
