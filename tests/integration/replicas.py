"""Two bot processes and two worker processes on one restate-server and one PostgreSQL, as a team runs them.

The bots sit behind an L7 balancer (each Slack request goes to the next bot), the workers behind an L4 one (each
connection Restate opens goes to the next worker), and Restate knows one deployment: the balancer's URL.
Every process is real and separate (`python -m opsgate bot`, the test worker), so no state is shared in memory.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.sandbox import Sandbox
from handlers.store import TaskStore
from opsgate.db import create_db_engine
from opsgate.restate_server import RestateServer
from opsgate.stack import Child
from opsgate.stack import Stack as Processes
from tests.integration.balancer import HttpBalancer, TcpBalancer
from tests.integration.harness import TEAM_YML, TEST_WORKER, Probes, child_env

__all__ = ["DIGEST_CHANNEL", "REQUESTS_PER_USER", "USERS", "Replicas", "start_replicas", "stop_replicas"]

DIGEST_CHANNEL = "C0DIGEST"
REQUESTS_PER_USER = 12
USERS = [*(f"U0SPREAD{n}" for n in range(5)), "U0RATE"]


@dataclass
class Replicas(Probes):
    processes: Processes
    """restate-server, the bots and the workers (`opsgate.stack`), and the balancers it stops after them."""
    workers: list[Child]
    worker_balancer: TcpBalancer
    bots: list[Child]
    bot_balancer: HttpBalancer
    sandbox: Sandbox
    store: TaskStore
    probe_dir: Path
    database_url: str

    @property
    def restate(self) -> RestateServer:
        return self.processes.restate

    async def restart(self, worker: Child) -> None:
        """Start `worker` again (SIGKILLed first if it still runs) on its port, behind the balancer."""
        await self.processes.restart_worker(worker)


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
    processes = Processes(directory)
    try:
        await processes.start_nodes()
        env = {**child_env(processes, sandbox, database_url, config_file), "OPSGATE_LOG_LEVEL": "WARNING"}
        bots = [processes.spawn_bot(env, name=f"bot-{n}") for n in range(2)]
        # All four start at once; the migrations take turns on PostgreSQL's advisory lock.
        workers = list(
            await asyncio.gather(*(processes.start_worker(env, name=f"worker-{n}", argv=TEST_WORKER) for n in range(2)))
        )
        worker_balancer = TcpBalancer([worker.port for worker in workers if worker.port is not None])
        await worker_balancer.start()
        processes.on_close(worker_balancer.stop)
        await processes.register(worker_balancer.url)  # the balancer runs in this loop
        await asyncio.gather(*(bot.wait_http("/readyz", ok=lambda r: r.status_code == 200) for bot in bots))
        bot_balancer = HttpBalancer([bot.url for bot in bots])
        await bot_balancer.start()
        processes.on_close(bot_balancer.stop)
    except BaseException:  # whatever started is stopped: a failed start leaves no process behind
        await processes.close()
        raise
    sandbox.bot_url = f"{bot_balancer.url}/slack/events"
    store = TaskStore(create_db_engine(database_url))
    return Replicas(processes, workers, worker_balancer, bots, bot_balancer, sandbox, store, probe_dir, database_url)


async def stop_replicas(replicas: Replicas) -> None:
    """The bots, restate-server, the workers, then the balancers (`opsgate.stack`'s order)."""
    try:
        await replicas.processes.close()
    finally:
        replicas.store.engine.dispose()
