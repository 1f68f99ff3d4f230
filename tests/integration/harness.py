"""Processes for the integration tests: a worker subprocess we can SIGKILL, and the bot served in-process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
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
from opsgate.processes import stop_process, wait_until_sync
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_http11
from opsgate.settings import Settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.teamconfig import TeamConfig, load_team_config

ROOT = Path(__file__).resolve().parents[2]
SECRET = "integration-signing-secret"
TEAM_YML = Path(__file__).with_name("team.yml")


class WorkerProcess:
    """`python -m testkit.worker_app` on a fixed port, so a restart keeps the registered URL."""

    def __init__(
        self, env: dict[str, str], log_file: Path, port: int | None = None, module: str = "testkit.worker_app"
    ) -> None:
        self.module = module
        """`opsgate.cli` runs the worker exactly as production does (`opsgate worker`)."""
        self.port = port or free_port()
        self.env = {**os.environ, **env, "OPSGATE_WORKER_PORT": str(self.port)}
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, *(["worker"] if self.module == "opsgate.cli" else [])],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self.process
        wait_until_sync(
            lambda: httpx.get(f"{self.url}/health", timeout=0.5),
            timeout=timeout,
            what=lambda: f"worker listening\n{self.log_file.read_text()[-2000:]}",
            ignore=(httpx.HTTPError,),
            dead=lambda: "it exited" if process.poll() is not None else None,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        stop_process(self.process, grace)


class BotServer:
    """The real bot (Bolt app behind our ASGI layer) served by hypercorn in the test's event loop."""

    def __init__(self, settings: Settings, team: TeamConfig) -> None:
        self.settings = settings
        self.team = team
        self.port = settings.bot_port
        self._shutdown = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.app: SlackHttpApp | None = None

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def start(self) -> None:
        self.app, self.deps = await build_bot(self.settings, self.team)
        self._task = asyncio.create_task(serve_http11(self.app, "127.0.0.1", self.port, self._shutdown))
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    await client.get(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5)
                    return
                except httpx.HTTPError:
                    await asyncio.sleep(0.02)
        raise RuntimeError("bot did not start")

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
    restate: RestateServer
    worker: WorkerProcess
    bot: BotServer
    sandbox: Sandbox
    store: TaskStore
    probe_dir: Path
    config_file: Path
    keyring: Keyring
    """The envelope keys bot and worker share (generated in the stack's directory)."""

    def engine(self) -> TaskLauncher:
        """A client of Restate's ingress that signs as the bot does (close it with `aclose`)."""
        return TaskLauncher(self.restate.ingress_url, keyring=self.keyring)


def process_env(
    sandbox: Sandbox, directory: Path, database_url: str, config_file: Path, restate: RestateServer
) -> dict[str, str]:
    """What a worker or bot child of a test stack runs with: the sandbox as Slack, probes under `directory/probe`,
    restate-server's request-identity key (the worker serves nothing else), and `directory` as the data directory
    (where the envelope keys shared by bot and worker are generated)."""
    return {
        "OPSGATE_RESTATE_IDENTITY_KEYS": restate.identity_public_key,
        "OPSGATE_RESTATE_INGRESS_URL": restate.ingress_url,
        "OPSGATE_RESTATE_ADMIN_URL": restate.admin_url,
        "OPSGATE_DATABASE_URL": database_url,
        "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGATE_TEST_PROBE_DIR": str(directory / "probe"),
        "OPSGATE_CONFIG_FILE": str(config_file),
        "OPSGATE_DATA_DIR": str(directory),
    }


async def start_stack(
    directory: Path,
    sandbox: Sandbox,
    worker_env: dict[str, str] | None = None,
    *,
    config: str | None = None,
    worker_module: str = "testkit.worker_app",
) -> Stack:
    """A stack of its own in `directory`; `worker_env` adds to (or overrides) the worker's environment, `config`
    replaces the test team file, and `worker_module="opsgate.cli"` runs the production worker."""
    directory.mkdir(parents=True, exist_ok=True)
    probe_dir = directory / "probe"
    probe_dir.mkdir(exist_ok=True)
    database_url = f"sqlite:///{directory / 'opsgate.db'}"
    config_file = directory / "opsgate.yml"
    config_file.write_text(TEAM_YML.read_text() if config is None else config)
    restate = RestateServer(directory / "restate")
    restate.start()
    env = {**process_env(sandbox, directory, database_url, config_file, restate), **(worker_env or {})}
    worker = WorkerProcess(env, directory / "worker.log", module=worker_module)
    worker.start()
    restate.register(worker.url)
    settings = Settings(
        slack_bot_token=SANDBOX_BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=sandbox.api_url.rstrip("/"),
        restate_ingress_url=restate.ingress_url,
        bot_port=free_port(),
        database_url=database_url,
        data_dir=directory,  # the worker's too: the keys generated there are shared
    )
    bot = BotServer(settings, load_team_config(config_file))
    await bot.start()
    sandbox.bot_url = bot.events_url
    store = TaskStore(create_db_engine(database_url))
    return Stack(restate, worker, bot, sandbox, store, probe_dir, config_file, envelope_keyring(settings))


async def stop_stack(stack: Stack) -> None:
    await stack.bot.stop()
    stack.worker.stop()
    stack.restate.stop()


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
