"""One harness for every run of opsgate's processes: Restate nodes, workers, bots, and the parts a run adds.

`opsgate up`, the integration tests and the benchmarks all build a `Stack`, so start order, readiness and shutdown
order are written once:
- start: the Restate nodes first (`start_nodes`; a list, one node today, so a cluster is a parameter later), then
  the children in the order the caller spawns them, each awaited with `Child.wait_http` (one `wait_until`), and
  the workers' deployment registered with `register`;
- close: the front (what sends work to Restate: bots, a benchmark's apps) first, then the Restate nodes, which
  closes the HTTP/2 streams the workers hold for suspended invocations, then the back (workers, services;
  hypercorn can hang on SIGTERM while Restate holds a stream, NOTES), then the in-process parts (sandbox, mail
  sink, balancers) in reverse order, then the directory when the stack made it. A second Ctrl-C during close is
  ignored, so it cannot leave processes behind.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path

import httpx

from opsgate.processes import WaitTimeout, stop_process, wait_until
from opsgate.restate_server import PORT_TRIES, RestateServer, bind_failed, free_port

__all__ = ["OFFLINE_DROPS", "ROOT", "Child", "Stack", "stop_all"]

ROOT = Path(__file__).resolve().parent.parent
OFFLINE_DROPS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "OPSGATE_ANTHROPIC_API_KEY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OPSGATE_RESTATE_ADMIN_URL",
)
"""What a test or benchmark child never inherits from the caller's shell: no model key, no trace export (offline
and loopback only), no admin URL (only the workers are given one, as in production)."""

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class Child:
    """`python -m <argv>` in its own session (a Ctrl-C reaches only us; it is stopped by PID), its output appended
    to `log_file`. `start` may be called again after it exited or was killed: a supervisor's restart."""

    def __init__(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str], log_file: Path, port: int | None = None
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_file = log_file
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ValueError(f"{self.name} has no port of its own")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> Child:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *self.argv],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def terminate(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def stop(self, grace: float = 5.0) -> bool:
        """SIGTERM, then SIGKILL after `grace` seconds; True when it had to be killed."""
        return stop_process(self.process, grace)

    def kill(self) -> None:
        """SIGKILL, as a crash would end it."""
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """User + system CPU time it has used so far (Linux /proc; NaN elsewhere or once it is gone)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    async def wait_http(
        self,
        path_or_url: str,
        *,
        timeout: float = 60.0,
        ok: Callable[[httpx.Response], bool] = lambda response: response.status_code < 500,
    ) -> None:
        """Until `path_or_url` (a path on its own port, or a whole URL) answers `ok`; fails early if it exits."""
        url = path_or_url if "://" in path_or_url else self.url + path_or_url

        async def answered() -> bool:
            return ok(await client.get(url))

        async with httpx.AsyncClient(timeout=1.0) as client:
            await wait_until(
                answered,
                timeout=timeout,
                what=lambda: f"{self.name} answering {url}; its log ends:\n{self.tail()}",
                every=0.05,
                ignore=(httpx.HTTPError,),
                dead=lambda: f"{self.name} exited" if self.exited() else None,
            )


def stop_all(children: Iterable[Child], grace: float = 5.0) -> list[str]:
    """SIGTERM to all, a wait for each within one shared bound, SIGKILL for what is left; the names killed."""
    children = list(children)
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    return [child.name for child in children if child.stop(grace=max(0.1, deadline - time.monotonic()))]


Closer = Callable[[], Awaitable[None]]


class Stack:
    """Restate nodes and the children and in-process parts of one run, in `directory` (a new temporary one, removed
    on close, when none is given). `drop_env` names what children do not inherit from this process's environment
    (`OFFLINE_DROPS` by default; `opsgate up` passes the user's model key through)."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        prefix: str = "opsgate-stack-",
        nodes: Sequence[RestateServer] | None = None,
        max_attempts: int = 60,
        drop_env: Iterable[str] = OFFLINE_DROPS,
        logs: Path | None = None,
        choose_port: Callable[[], int] = free_port,
    ) -> None:
        """`max_attempts`: the default node's retries before an invocation pauses (`RestateServer`);
        `choose_port`: where a child's port comes from when the caller gives none."""
        self.choose_port = choose_port
        self._handed_out: set[int] = set()
        self.owns_directory = directory is None
        self.directory = (Path(tempfile.mkdtemp(prefix=prefix)) if directory is None else directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.logs = logs or self.directory
        try:
            self.nodes = (
                list(nodes) if nodes else [RestateServer(self.directory / "restate", max_attempts=max_attempts)]
            )
        except BaseException:  # no restate-server binary: nothing was started, leave no directory behind
            if self.owns_directory:
                shutil.rmtree(self.directory, ignore_errors=True)
            raise
        dropped = set(drop_env)
        self.base_env = {name: value for name, value in os.environ.items() if name not in dropped}
        self.front: list[Child] = []
        self.back: list[Child] = []
        self.killed: list[str] = []
        self._closers: list[Closer] = []
        self.closing = False

    @property
    def restate(self) -> RestateServer:
        """The node the stack's clients and registrations use (the only one today)."""
        return self.nodes[0]

    @property
    def ingress_url(self) -> str:
        return self.restate.ingress_url

    @property
    def admin_url(self) -> str:
        return self.restate.admin_url

    @property
    def children(self) -> list[Child]:
        return [*self.front, *self.back]

    def child(self, name: str) -> Child:
        found = [child for child in self.children if child.name == name]
        if not found:
            raise KeyError(f"no child named {name!r} (have {', '.join(c.name for c in self.children)})")
        return found[0]

    def opsgate_env(self) -> dict[str, str]:
        """What every opsgate process of this stack needs: Restate's ingress and its request-identity key (the
        worker serves nothing else), and the stack's directory as the data directory (the envelope keys bot and
        worker share are generated there)."""
        return {
            "OPSGATE_RESTATE_INGRESS_URL": self.ingress_url,
            "OPSGATE_RESTATE_IDENTITY_KEYS": self.restate.identity_public_key,
            "OPSGATE_DATA_DIR": str(self.directory.resolve()),
        }

    async def start_nodes(self) -> None:
        for node in self.nodes:
            await asyncio.to_thread(node.start)

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        *,
        front: bool = False,
        port: int | None = None,
    ) -> Child:
        """Start `python -m <argv>` as a child of the stack: `front` ones stop before Restate, the rest after it."""
        child = Child(name, argv, env={**self.base_env, **(env or {})}, log_file=self.logs / f"{name}.log", port=port)
        (self.front if front else self.back).append(child)
        return child.start()

    async def start_worker(
        self,
        env: Mapping[str, str],
        *,
        name: str = "worker",
        argv: Sequence[str] = ("opsgate", "worker"),
        port: int | None = None,
        timeout: float = 60.0,
        wait: bool = True,
    ) -> Child:
        """A worker on its own port (kept across restarts, so the registered deployment stays valid), with the admin
        API for its paused watch, as in production (never the bot's); returned once `/health` answers (`wait=False`:
        at once, for callers that start several children together and then wait on each)."""
        for attempt in range(1, PORT_TRIES + 1):
            chosen = port or self._new_port()
            worker_env = {**env, "OPSGATE_WORKER_PORT": str(chosen), "OPSGATE_RESTATE_ADMIN_URL": self.admin_url}
            worker = self.spawn(name, argv, worker_env, port=chosen)
            if not wait:
                return worker
            try:
                await worker.wait_http("/health", timeout=timeout)
            except WaitTimeout:
                # A port chosen here that another listener took before the worker bound it: choose again.
                if port is not None or attempt == PORT_TRIES or not worker.exited() or not bind_failed(worker.tail()):
                    raise
                self.back.remove(worker)
                continue
            return worker
        raise AssertionError("unreachable: the last attempt returns or raises")

    def spawn_bot(
        self,
        env: Mapping[str, str],
        *,
        name: str = "bot",
        argv: Sequence[str] = ("opsgate", "bot"),
        port: int | None = None,
    ) -> Child:
        """`opsgate bot` on its own port, in the front; await `wait_http("/healthz")` (or `/readyz`) on it."""
        port = port or self._new_port()
        return self.spawn(name, argv, {**env, "OPSGATE_BOT_PORT": str(port)}, front=True, port=port)

    def _new_port(self) -> int:
        """A port for a child, never one this stack handed out before: children started together (`wait=False`,
        several bots) bind theirs later, so a free port is not yet a taken one."""
        for _ in range(100):
            port = self.choose_port()
            if port not in self._handed_out:
                self._handed_out.add(port)
                return port
        raise RuntimeError("no new port: choose_port keeps returning ports handed out already")

    async def register(self, url: str) -> None:
        """Register (or refresh) a deployment at `url` with the nodes' admin API."""
        await asyncio.to_thread(self.restate.register, url)

    async def restart_worker(self, worker: Child, *, timeout: float = 60.0) -> None:
        """SIGKILL, then the same command on the same port, as a supervisor restarts a crashed worker."""
        await asyncio.to_thread(worker.kill)
        worker.start()
        await worker.wait_http("/health", timeout=timeout)

    def on_close(self, closer: Closer) -> None:
        """Run `closer` on close, after every process is stopped (in-process parts: sandbox, mail sink, balancer)."""
        self._closers.append(closer)

    def check_alive(self) -> None:
        for child in self.children:
            if child.exited():
                raise RuntimeError(f"{child.name} exited during the run; its log ends:\n{child.tail()}")

    async def close(self, *, keep: bool = False, grace: float = 5.0) -> None:
        """Every step runs even when one before it failed (the first failure is raised at the end), so a failed
        stop leaves no other process behind."""
        self.closing = True
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
        failures: list[BaseException] = []

        async def attempt(step: Callable[[], Awaitable[object]]) -> None:
            try:
                await step()
            except Exception as exc:  # kept, and raised once everything else is stopped
                failures.append(exc)

        async def stop_front() -> None:
            self.killed += await asyncio.to_thread(stop_all, self.front, grace)

        async def stop_back() -> None:
            self.killed += await asyncio.to_thread(stop_all, self.back, grace)

        try:
            await attempt(stop_front)
            for node in self.nodes:
                await attempt(functools.partial(asyncio.to_thread, node.stop, grace))
            await attempt(stop_back)
            for closer in reversed(self._closers):
                await attempt(closer)
        finally:
            if self.owns_directory and not keep:
                shutil.rmtree(self.directory, ignore_errors=True)
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if failures:
            raise failures[0]


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
