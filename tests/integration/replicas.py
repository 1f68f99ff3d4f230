"""Two bot processes and two worker processes on one restate-server and one PostgreSQL, as a team runs them.

The bots sit behind an L7 balancer (each Slack request goes to the next bot), the workers behind an L4 one (each
connection Restate opens goes to the next worker), and Restate knows one deployment: the balancer's URL.
Every process is real and separate (`python -m opsgate bot`, the test worker), so no state is shared in memory.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from bot.sandbox import Sandbox
from handlers.store import TaskStore
from opsgate.db import create_db_engine
from opsgate.processes import stop_process, wait_until
from opsgate.restate_server import RestateServer, free_port
from tests.integration.balancer import HttpBalancer, TcpBalancer
from tests.integration.harness import ROOT, TEAM_YML, Probes, WorkerProcess, process_env

__all__ = ["DIGEST_CHANNEL", "REQUESTS_PER_USER", "USERS", "BotProcess", "Replicas", "start_replicas", "stop_replicas"]

DIGEST_CHANNEL = "C0DIGEST"
REQUESTS_PER_USER = 12
USERS = [*(f"U0SPREAD{n}" for n in range(5)), "U0RATE"]


class BotProcess:
    """`python -m opsgate bot` in HTTP mode on its own port."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "OPSGATE_BOT_PORT": str(self.port)}
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "opsgate", "bot"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, timeout: float = 60.0) -> None:
        process = self.process

        async def ready() -> bool:
            return (await client.get(f"{self.url}/readyz")).status_code == 200

        async with httpx.AsyncClient(timeout=1.0) as client:
            await wait_until(
                ready,
                timeout=timeout,
                what=lambda: f"bot ready\n{self.log_file.read_text()[-3000:]}",
                every=0.1,
                ignore=(httpx.HTTPError,),
                dead=lambda: "it exited" if process is None or process.poll() is not None else None,
            )

    def stop(self, grace: float = 10.0) -> None:
        stop_process(self.process, grace)


@dataclass
class Replicas(Probes):
    restate: RestateServer
    workers: list[WorkerProcess]
    worker_balancer: TcpBalancer
    bots: list[BotProcess]
    bot_balancer: HttpBalancer
    sandbox: Sandbox
    store: TaskStore
    probe_dir: Path
    database_url: str


def replica_team_config(directory: Path) -> Path:
    """The integration team, with a per-user rate the test can reach and a digest every minute."""
    team = yaml.safe_load(TEAM_YML.read_text())
    team["commands"]["requests_per_user"] = {"limit": REQUESTS_PER_USER, "window_s": 600}
    team["digests"] = [{"channel": DIGEST_CHANNEL, "cron": "* * * * *", "timezone": "UTC", "covers_hours": 1}]
    path = directory / "opsgate.yml"
    path.write_text(yaml.safe_dump(team, sort_keys=False))
    return path


async def start_replicas(directory: Path, sandbox: Sandbox, database_url: str) -> Replicas:
    directory.mkdir(parents=True, exist_ok=True)
    for user in USERS:
        if user not in sandbox.state.users:
            sandbox.state.add_user(user, user.lower())
    if DIGEST_CHANNEL not in sandbox.state.channels:
        sandbox.state.add_channel(DIGEST_CHANNEL, "ops-digest", members=USERS, bot_is_member=True)
    probe_dir = directory / "probe"
    probe_dir.mkdir(exist_ok=True)
    config_file = replica_team_config(directory)
    restate = RestateServer(directory / "restate")
    restate.start()
    env = {
        **process_env(sandbox, directory, database_url, config_file, restate),
        "OPSGATE_LOG_LEVEL": "WARNING",
    }
    workers = [WorkerProcess(env, directory / f"worker-{n}.log") for n in range(2)]
    bots = [BotProcess(env, directory / f"bot-{n}.log") for n in range(2)]
    worker_balancer = TcpBalancer([worker.port for worker in workers])
    bot_balancer = HttpBalancer([bot.url for bot in bots])
    try:
        for bot in bots:
            bot.start()
        # All four start at once; the migrations take turns on PostgreSQL's advisory lock.
        await asyncio.gather(*(asyncio.to_thread(worker.start, 60.0) for worker in workers))
        await worker_balancer.start()
        await asyncio.to_thread(restate.register, worker_balancer.url)  # the balancer runs in this loop
        await asyncio.gather(*(bot.wait_ready() for bot in bots))
        await bot_balancer.start()
    except BaseException:  # whatever started is stopped: a failed start leaves no process behind
        await _stop(restate, workers, worker_balancer, bots, bot_balancer)
        raise
    sandbox.bot_url = f"{bot_balancer.url}/slack/events"
    store = TaskStore(create_db_engine(database_url))
    return Replicas(restate, workers, worker_balancer, bots, bot_balancer, sandbox, store, probe_dir, database_url)


async def stop_replicas(replicas: Replicas) -> None:
    r = replicas
    await _stop(r.restate, r.workers, r.worker_balancer, r.bots, r.bot_balancer)
    r.store.engine.dispose()


async def _stop(
    restate: RestateServer,
    workers: list[WorkerProcess],
    worker_balancer: TcpBalancer,
    bots: list[BotProcess],
    bot_balancer: HttpBalancer,
) -> None:
    await bot_balancer.stop()
    for bot in bots:
        bot.stop()
    for worker in workers:
        worker.stop()
    await worker_balancer.stop()
    restate.stop()
