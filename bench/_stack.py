"""The processes behind the ack benchmark: sandbox, restate-server, worker and the three apps, all on loopback.

They are children of an `opsgate.stack.Stack` (the harness `opsgate up` and the tests run too), each in its own
session with its output in a log file of the run's temp dir. `AckStack.close()` stops them by PID (SIGTERM, then
SIGKILL after a bound): the apps first (they send to Restate), then Restate, then the worker and the sandbox; then
it removes the temp dir, whatever happened before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsgate.restate_server import RestateServer, free_port
from opsgate.stack import Child, Stack

__all__ = ["SECRET", "AckStack", "BenchStack"]

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"


class BenchStack:
    """What every benchmark's stack is: an `opsgate.stack.Stack` in a temporary directory, read by the names the
    benchmarks use. Subclasses start their own children on it; `close()` stops them in the stack's order and
    removes the directory (unless `keep`)."""

    def __init__(self, prefix: str, **options: Any) -> None:
        self.stack = Stack(prefix=prefix, **options)

    @property
    def dir(self) -> Path:
        return self.stack.directory

    @property
    def restate(self) -> RestateServer:
        return self.stack.restate

    @property
    def ingress_url(self) -> str:
        return self.stack.ingress_url

    @property
    def admin_url(self) -> str:
        return self.stack.admin_url

    @property
    def children(self) -> list[Child]:
        return self.stack.children

    @property
    def closing(self) -> bool:
        return self.stack.closing

    def child(self, name: str) -> Child:
        return self.stack.child(name)

    def check_alive(self) -> None:
        self.stack.check_alive()

    async def close(self, keep: bool = False) -> None:
        await self.stack.close(keep=keep)


class AckStack(BenchStack):
    """Sandbox, restate-server, a real worker, and one process per app; `close()` undoes everything."""

    def __init__(self, apps: tuple[str, ...], server: str) -> None:
        super().__init__("opsgate-bench-ack-")
        self.apps = apps
        self.server = server
        self.app_urls: dict[str, str] = {}
        self.app_children: dict[str, Child] = {}
        self.database = self.dir / "bench.db"
        self.sandbox_url = ""

    @property
    def api_url(self) -> str:
        return self.sandbox_url + "api"

    async def start(self) -> None:
        sandbox_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}/"
        sandbox_argv = ["bot.sandbox", "--signing-secret", SECRET, "--port", str(sandbox_port), "--no-rate-limit"]
        sandbox = self.stack.spawn("sandbox", sandbox_argv, port=sandbox_port)
        await self.stack.start_nodes()
        worker = await self.stack.start_worker(
            {
                **self.stack.opsgate_env(),  # the envelope keys the apps sign with are in the stack's directory
                "OPSGATE_DATABASE_URL": f"sqlite:///{self.database}",
                "OPSGATE_SLACK_API_URL": self.api_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_CONFIG_FILE": str(self.dir / "absent-opsgate.yml"),
                "OPSGATE_LOG_LEVEL": "WARNING",
            },
            timeout=60,
        )
        await sandbox.wait_http("/", timeout=30)
        await self.stack.register(worker.url)
        started: list[Child] = []
        for app in self.apps:
            port = free_port()
            argv = ["bench._apps", app, "--port", str(port), "--server", self.server]
            argv += ["--ingress", self.stack.ingress_url, "--slack-api", self.api_url, "--secret", SECRET]
            started.append(self.stack.spawn(app, argv, self.stack.opsgate_env(), front=True, port=port))
        for child in started:
            await child.wait_http("/healthz", timeout=30)
            self.app_urls[child.name] = child.url + "/slack/events"
            self.app_children[child.name] = child
