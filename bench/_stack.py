"""The processes behind the ack benchmark: sandbox, restate-server, worker and the three apps, all on loopback.

Every child runs in its own session with its output in a log file of the run's temp dir; `Stack.close()` stops
them by PID (SIGTERM, then SIGKILL after a bound) and removes the temp dir, whatever happened before.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from opsgate.processes import wait_until
from opsgate.restate_server import RestateServer, free_port

__all__ = ["ROOT", "SECRET", "Child", "Stack"]

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"
# Offline and loopback only: no model key, no trace export, whatever the caller's shell has.
_SCRUBBED = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(extra)
    return env


class Child:
    """One subprocess (`python -m …`) in its own session, so a Ctrl-C reaches only us and we stop it by PID."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.log_file = log_dir / f"{name}.log"
        self.env = _child_env(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *self.argv],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def cpu_seconds(self) -> float:
        """User + system CPU time the child has used so far (Linux /proc; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, grace: float = 5.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


async def wait_http(child: Child, url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers anything over HTTP; fail early if the child died."""
    async with httpx.AsyncClient(timeout=1.0) as client:
        await wait_until(
            lambda: client.get(url),
            timeout=timeout,
            what=lambda: f"{child.name} answering {url}\n{child.tail()}",
            ignore=(httpx.HTTPError,),
            dead=lambda: "it exited" if child.exited() else None,
        )


class Stack:
    """Sandbox, restate-server, a real worker, and one process per app; `close()` undoes everything."""

    def __init__(self, apps: tuple[str, ...], server: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="opsgate-bench-ack-"))
        self.apps = apps
        self.server = server
        self.children: list[Child] = []
        self.app_urls: dict[str, str] = {}
        self.app_children: dict[str, Child] = {}
        self.restate: RestateServer | None = None
        self.database = self.dir / "bench.db"
        self.sandbox_url = ""

    @property
    def api_url(self) -> str:
        return self.sandbox_url + "api"

    def _child(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        child = Child(name, argv, self.dir, env)
        self.children.append(child)
        child.start()
        return child

    async def start(self) -> None:
        sandbox_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}/"
        sandbox = self._child(
            "sandbox",
            ["bot.sandbox", "--signing-secret", SECRET, "--port", str(sandbox_port), "--no-rate-limit"],
        )
        self.restate = RestateServer(self.dir / "restate")
        await asyncio.to_thread(self.restate.start)
        worker_port = free_port()
        worker = self._child(
            "worker",
            ["opsgate", "worker"],
            {
                "OPSGATE_WORKER_PORT": str(worker_port),
                "OPSGATE_DATABASE_URL": f"sqlite:///{self.database}",
                "OPSGATE_SLACK_API_URL": self.api_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_CONFIG_FILE": str(self.dir / "absent-opsgate.yml"),
                "OPSGATE_LOG_LEVEL": "WARNING",
                "OPSGATE_DATA_DIR": str(self.dir),  # the envelope keys the apps sign with
                "OPSGATE_RESTATE_IDENTITY_KEYS": self.restate.identity_public_key,
            },
        )
        await wait_http(sandbox, self.sandbox_url)
        await wait_http(worker, f"http://127.0.0.1:{worker_port}/health", timeout=60)
        await asyncio.to_thread(self.restate.register, f"http://127.0.0.1:{worker_port}")
        started: list[tuple[Child, str]] = []
        for app in self.apps:
            port = free_port()
            argv = ["bench._apps", app, "--port", str(port), "--server", self.server]
            argv += ["--ingress", self.restate.ingress_url, "--slack-api", self.api_url, "--secret", SECRET]
            child = self._child(app, argv, {"OPSGATE_DATA_DIR": str(self.dir)})
            started.append((child, f"http://127.0.0.1:{port}"))
        for child, url in started:
            await wait_http(child, url + "/healthz")
            self.app_urls[child.name] = url + "/slack/events"
            self.app_children[child.name] = child

    def check_alive(self) -> None:
        for child in self.children:
            if child.exited():
                raise RuntimeError(f"{child.name} exited during the run:\n{child.tail()}")

    def close(self, keep: bool = False) -> None:
        """Apps first (they send to Restate), then Restate, the worker and the sandbox; then the temp dir.

        A second Ctrl-C during clean-up is ignored, so it cannot leave processes behind.
        """
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            apps = [child for child in self.children if child.name in self.apps]
            _stop_all(apps)
            # Restate before the worker: hypercorn can hang on SIGTERM while Restate holds a stream open (NOTES).
            if self.restate is not None:
                self.restate.stop(grace=5.0)
            _stop_all([child for child in self.children if child not in apps])
        finally:
            if not keep:
                shutil.rmtree(self.dir, ignore_errors=True)
            signal.signal(signal.SIGINT, previous)


def _stop_all(children: list[Child], grace: float = 5.0) -> None:
    """SIGTERM to all, then wait for each within one shared bound, then SIGKILL what is left."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        child.stop(grace=max(0.1, deadline - time.monotonic()))
