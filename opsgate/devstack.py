"""`opsgate up`: the whole product on one machine, stopped cleanly with Ctrl-C.

restate-server, the worker and the bot run as child processes of an `opsgate.stack.Stack` (the harness the tests
and the benchmarks run too); the sandbox (when no Slack token is set) and the mail sink run in this process.
Shutdown is the stack's: the bot, restate-server, the worker, each with a bounded grace period, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import urlparse

from opsgate.keys import envelope_keyring, restate_identity_pem
from opsgate.mailsink import MailSink
from opsgate.restate_server import RestatePorts, RestateServer, free_port
from opsgate.settings import SANDBOX_SIGNING_SECRET, Settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.stack import Stack

__all__ = ["run_dev_stack"]

log = logging.getLogger(__name__)


def _port(url: str, default: int) -> int:
    return urlparse(url).port or default


async def run_dev_stack(settings: Settings, shutdown: asyncio.Event) -> None:
    restate = RestateServer(
        settings.data_dir / "restate",
        binary=settings.restate_bin,
        ports=RestatePorts(
            ingress=_port(settings.restate_ingress_url, 8080),
            admin=_port(settings.restate_admin_url, 9070),
            node=free_port(),
        ),
        log_file=settings.data_dir / "logs" / "restate.log",
        identity_pem=restate_identity_pem(settings),  # the worker finds its public half in the same directory
    )
    # The user's shell reaches the children (a model key, trace export), except an admin URL: only the worker
    # is given one, never the bot.
    stack = Stack(
        settings.data_dir.resolve(),
        nodes=[restate],
        drop_env=("OPSGATE_RESTATE_ADMIN_URL",),
        logs=settings.data_dir / "logs",
    )
    envelope_keyring(settings)  # generated once, before bot and worker start: both read this one
    env = stack.opsgate_env()
    sandbox_url: str | None = None
    try:
        if settings.sandbox:
            from bot.sandbox import Sandbox

            sandbox = Sandbox(
                signing_secret=SANDBOX_SIGNING_SECRET,
                bot_url=f"http://127.0.0.1:{settings.bot_port}/slack/events",
                port=settings.sandbox_port,
            )
            await sandbox.start()
            stack.on_close(sandbox.stop)
            sandbox_url = sandbox.web_url
            env |= {
                "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
                "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
            }
        if settings.smtp_host is None:
            mail = MailSink(settings.data_dir / "mail")
            await asyncio.to_thread(mail.start)
            stack.on_close(lambda: asyncio.to_thread(mail.stop))
            env |= mail.env()
        log.info("starting restate-server (ingress %s, admin %s)", restate.ingress_url, restate.admin_url)
        await stack.start_nodes()
        worker = await stack.start_worker(env, port=settings.worker_port, timeout=30)
        await stack.register(settings.worker_url or worker.url)
        bot = stack.spawn_bot(env, port=settings.bot_port)
        await bot.wait_http("/healthz", timeout=30)
        _announce(settings, sandbox_url, stack.logs)
        while not shutdown.is_set():
            stack.check_alive()
            try:
                await asyncio.wait_for(shutdown.wait(), timeout=1.0)
            except TimeoutError:
                continue
    finally:
        print("\nstopping opsgate…", flush=True)
        await stack.close()
        for name in stack.killed:
            log.warning("%s did not stop in time; killed it", name)


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
