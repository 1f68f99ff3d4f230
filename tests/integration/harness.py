"""The integration tests' stack: restate-server and a worker subprocess we can SIGKILL, run by the one process
harness (`opsgate.stack`), and the bot served in-process."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.http import SlackHttpApp
from bot.launcher import TaskLauncher
from bot.sandbox import Sandbox, new_trigger_id, sign_request, slash_command_body
from handlers.contracts.envelope import Actor, Keyring, sealed_header
from handlers.store import TaskStore
from opsgate.botmain import build_bot
from opsgate.db import create_db_engine
from opsgate.keys import envelope_keyring
from opsgate.processes import wait_until
from opsgate.restate_server import RestateServer
from opsgate.serving import serve_http11
from opsgate.settings import Settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.stack import OFFLINE_DROPS, Child
from opsgate.stack import Stack as Processes
from opsgate.teamconfig import TeamConfig, load_team_config

ROOT = Path(__file__).resolve().parents[2]
SECRET = "integration-signing-secret"
TEAM_YML = Path(__file__).with_name("team.yml")
TEST_WORKER = ("testkit.worker_app",)
"""The worker with the test tools (probes, scripted models): `python -m testkit.worker_app`."""
PRODUCTION_WORKER = ("opsgate", "worker")
"""The worker exactly as production runs it: `python -m opsgate worker`."""


class BotServer:
    """The real bot (Bolt app behind our ASGI layer) served by uvicorn in the test's event loop, on a port the
    system picks when it starts (`port`)."""

    def __init__(self, settings: Settings, team: TeamConfig) -> None:
        self.settings = settings
        self.team = team
        self.port = 0
        self._shutdown = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.app: SlackHttpApp | None = None

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def start(self, timeout: float = 10.0) -> None:
        self.app, self.deps = await build_bot(self.settings, self.team)
        # Bound here on a port the system picks: a port chosen first and bound later could be taken meanwhile.
        listening = socket.create_server(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        serving = serve_http11(self.app, "127.0.0.1", self.port, self._shutdown, sock=listening)
        task = self._task = asyncio.create_task(serving)
        async with httpx.AsyncClient(timeout=0.5) as client:
            await wait_until(
                lambda: client.get(f"http://127.0.0.1:{self.port}/healthz"),
                timeout=timeout,
                what="the in-process bot listening",
                every=0.02,
                ignore=(httpx.HTTPError,),
                dead=lambda: "its server ended" if task.done() else None,
            )

    async def stop(self) -> None:
        self._shutdown.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        await self.deps.launcher.aclose()  # type: ignore[attr-defined]


class Probes:
    """What the test worker's probe tools write to `probe_dir`, outside the worker, and the files that release them."""

    probe_dir: Path

    def probe_lines(self, name: str, kind: str) -> list[str]:
        path = self.probe_dir / f"{name}.{kind}"
        return path.read_text().splitlines() if path.exists() else []

    def release(self, name: str) -> None:
        (self.probe_dir / f"{name}.release").touch()


@dataclass
class Stack(Probes):
    processes: Processes
    """restate-server and the worker (`opsgate.stack`): started, restarted and stopped in its order."""
    worker: Child
    bot: BotServer
    sandbox: Sandbox
    store: TaskStore
    probe_dir: Path
    config_file: Path
    keyring: Keyring
    """The envelope keys bot and worker share (generated in the stack's directory)."""

    @property
    def restate(self) -> RestateServer:
        return self.processes.restate

    def engine(self) -> TaskLauncher:
        """A client of Restate's ingress that signs as the bot does (close it with `aclose`)."""
        return TaskLauncher(self.restate.ingress_url, keyring=self.keyring)

    async def restart_worker(self, timeout: float = 60.0) -> None:
        """SIGKILL the worker (if it still runs) and start it again on its port, as a supervisor would."""
        await self.processes.restart_worker(self.worker, timeout=timeout)


def child_env(processes: Processes, sandbox: Sandbox, database_url: str, config_file: Path) -> dict[str, str]:
    """What a worker or bot child of a test stack runs with: the stack's own (Restate's ingress, its request-identity
    key, the stack's directory as the data directory, where the envelope keys shared by bot and worker are
    generated), the sandbox as Slack, and probes under `probe` in the stack's directory."""
    return {
        **processes.opsgate_env(),
        "OPSGATE_DATABASE_URL": database_url,
        "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGATE_TEST_PROBE_DIR": str(processes.directory / "probe"),
        "OPSGATE_CONFIG_FILE": str(config_file),
    }


async def start_stack(
    directory: Path,
    sandbox: Sandbox,
    worker_env: dict[str, str] | None = None,
    *,
    config: str | None = None,
    worker: Sequence[str] = TEST_WORKER,
    drop_env: Iterable[str] = OFFLINE_DROPS,
) -> Stack:
    """A stack of its own in `directory` (kept after the stack stops); `worker_env` adds to (or overrides) the
    worker's environment, `config` replaces the test team file, `worker=PRODUCTION_WORKER` runs the production
    worker, and `drop_env` names what the worker does not inherit from this process's environment."""
    directory.mkdir(parents=True, exist_ok=True)
    probe_dir = directory / "probe"
    probe_dir.mkdir(exist_ok=True)
    database_url = f"sqlite:///{directory / 'opsgate.db'}"
    config_file = directory / "opsgate.yml"
    config_file.write_text(TEAM_YML.read_text() if config is None else config)
    processes = Processes(directory, drop_env=drop_env)
    try:
        await processes.start_nodes()
        env = {**child_env(processes, sandbox, database_url, config_file), **(worker_env or {})}
        started = await processes.start_worker(env, argv=worker)
        await processes.register(started.url)
        settings = Settings(
            slack_bot_token=SANDBOX_BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=sandbox.api_url.rstrip("/"),
            restate_ingress_url=processes.ingress_url,
            database_url=database_url,
            data_dir=directory,  # the worker's too: the keys generated there are shared
        )
        bot = BotServer(settings, load_team_config(config_file))
        await bot.start()
    except BaseException:  # whatever started is stopped: a failed start leaves no process behind
        await processes.close()
        raise
    sandbox.bot_url = bot.events_url
    store = TaskStore(create_db_engine(database_url))
    return Stack(processes, started, bot, sandbox, store, probe_dir, config_file, envelope_keyring(settings))


async def stop_stack(stack: Stack) -> None:
    """The bot first (it is the front: no new work), then restate-server and the worker in the harness's order."""
    try:
        await stack.bot.stop()
    finally:
        await stack.processes.close()


def envelope_headers(
    keyring: Keyring, actor: Actor, service: str, key: str, handler: str, body: str | None
) -> dict[str, str]:
    """The headers the bot's client sends with a call it makes for `actor` (for tests that call the ingress
    directly, as the bot would)."""
    nonce, now = new_trigger_id(time.time()), time.time()
    sealed = sealed_header(keyring, actor, service=service, key=key, handler=handler, body=body, nonce=nonce, now=now)
    return {"content-type": "application/json", **sealed}


async def signed_call(
    ingress_url: str, keyring: Keyring, actor: Actor, service: str, key: str, handler: str, body: str | None
) -> httpx.Response:
    """A request-response call to a handler through the ingress, signed for `actor` as the bot signs (for tests
    that address a handler the bot's typed client does not offer, e.g. to call one twice and see it answer once)."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        return await client.post(
            f"{ingress_url}/{service}/{key}/{handler}",
            content=body,
            headers=envelope_headers(keyring, actor, service, key, handler, body),
        )


def signed_slash_command(
    *, user_id: str, channel_id: str, text: str, timestamp_offset: int = 0
) -> tuple[bytes, dict[str, str], str]:
    """A signed slash command built by hand, so a test can deliver the very same request several times."""
    trigger_id = new_trigger_id(time.time())
    body = slash_command_body(
        user_id=user_id,
        channel_id=channel_id,
        text=text,
        trigger_id=trigger_id,
        response_url="http://127.0.0.1:9/unused-response-url",
    )
    headers = sign_request(SECRET, body, int(time.time()) + timestamp_offset)
    return body, headers, trigger_id
