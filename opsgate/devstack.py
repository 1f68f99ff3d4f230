"""`opsgate up`: the whole product on one machine, stopped cleanly with Ctrl-C.

restate-server, the worker and the bot run as child processes; the sandbox (when no Slack token is set) runs
in this process. Shutdown goes in reverse order, each child with a bounded grace period and then SIGKILL:
hypercorn can hang on SIGTERM while Restate holds an HTTP/2 stream open for a suspended task (NOTES).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from opsgate.keys import envelope_keyring, restate_identity_pem
from opsgate.mailsink import MailSink
from opsgate.processes import stop_process
from opsgate.restate_server import RestatePorts, RestateServer, free_port
from opsgate.settings import SANDBOX_SIGNING_SECRET, Settings
from opsgate.slack import SANDBOX_BOT_TOKEN

__all__ = ["ChildProcess", "run_dev_stack"]

log = logging.getLogger(__name__)


class ChildProcess:
    """A child `opsgate` process, stopped with SIGTERM, then SIGKILL after `grace` seconds."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_file: Path) -> None:
        self.name = name
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            self.process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.log_file = log_file

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        if stop_process(self.process, grace):
            log.warning("%s did not stop within %.0fs; killed it", self.name, grace)


def _port(url: str, default: int) -> int:
    return urlparse(url).port or default


async def _wait_http(url: str, timeout: float, child: ChildProcess) -> None:
    import httpx

    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=1.0) as client:
        while asyncio.get_running_loop().time() < deadline:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited; see {child.log_file}")
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{child.name} did not answer at {url} within {timeout:.0f}s; see {child.log_file}")


async def run_dev_stack(settings: Settings, shutdown: asyncio.Event) -> None:
    logs = settings.data_dir / "logs"
    restate = RestateServer(
        settings.data_dir / "restate",
        binary=settings.restate_bin,
        ports=RestatePorts(
            ingress=_port(settings.restate_ingress_url, 8080),
            admin=_port(settings.restate_admin_url, 9070),
            node=free_port(),
        ),
        log_file=logs / "restate.log",
        identity_pem=restate_identity_pem(settings),  # the worker finds its public half in the same directory
    )
    envelope_keyring(settings)  # generated once, before bot and worker start: both read this one
    env = {
        **{name: value for name, value in os.environ.items() if name != "OPSGATE_RESTATE_ADMIN_URL"},
        "OPSGATE_DATA_DIR": str(settings.data_dir.resolve()),
        "OPSGATE_RESTATE_INGRESS_URL": restate.ingress_url,
        "OPSGATE_WORKER_PORT": str(settings.worker_port),
        "OPSGATE_BOT_PORT": str(settings.bot_port),
    }
    worker_env = {"OPSGATE_RESTATE_ADMIN_URL": restate.admin_url}  # the worker's paused watch; never the bot
    sandbox = None
    if settings.sandbox:
        from bot.sandbox import Sandbox

        sandbox = Sandbox(
            signing_secret=SANDBOX_SIGNING_SECRET,
            bot_url=f"http://127.0.0.1:{settings.bot_port}/slack/events",
            port=settings.sandbox_port,
        )
        await sandbox.start()
        env |= {
            "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
            "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
        }
    mail = None
    if settings.smtp_host is None:
        mail = MailSink(settings.data_dir / "mail")
        await asyncio.to_thread(mail.start)
        env |= mail.env()
    children: list[ChildProcess] = []
    try:
        log.info("starting restate-server (ingress %s, admin %s)", restate.ingress_url, restate.admin_url)
        await asyncio.to_thread(restate.start)
        python = [sys.executable, "-m", "opsgate"]
        worker = ChildProcess("worker", [*python, "worker"], env | worker_env, logs / "worker.log")
        children.append(worker)
        worker_url = settings.worker_url or f"http://127.0.0.1:{settings.worker_port}"
        await _wait_http(f"http://127.0.0.1:{settings.worker_port}/health", 30, worker)
        await asyncio.to_thread(restate.register, worker_url)
        bot = ChildProcess("bot", [*python, "bot"], env, logs / "bot.log")
        children.append(bot)
        await _wait_http(f"http://127.0.0.1:{settings.bot_port}/healthz", 30, bot)
        _announce(settings, sandbox.web_url if sandbox else None, logs)
        while not shutdown.is_set():
            dead = [c for c in children if not c.alive()]
            if dead:
                raise RuntimeError(f"{dead[0].name} exited unexpectedly; see {dead[0].log_file}")
            try:
                await asyncio.wait_for(shutdown.wait(), timeout=1.0)
            except TimeoutError:
                continue
    finally:
        print("\nstopping opsgate…", flush=True)
        # The bot first (no new work), then restate-server, which closes the HTTP/2 streams the worker holds
        # for suspended tasks, so the worker then stops at once instead of waiting out its grace period.
        for child in children:
            if child.name == "bot":
                await asyncio.to_thread(child.stop)
        await asyncio.to_thread(restate.stop)
        for child in children:
            await asyncio.to_thread(child.stop)
        if sandbox is not None:
            await sandbox.stop()
        if mail is not None:
            await asyncio.to_thread(mail.stop)


def _announce(settings: Settings, sandbox_url: str | None, logs: Path) -> None:
    lines = ["", "opsgate is up."]
    if sandbox_url:
        lines += [
            f"  Sandbox (Slack stand-in): {sandbox_url}",
            "  Open it, pick #ops and type:  /ops what services are running in staging?",
        ]
    else:
        lines.append(f"  Slack requests go to http://{settings.bot_host}:{settings.bot_port}/slack/events")
    lines += [f"  Logs: {logs}/", "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)
