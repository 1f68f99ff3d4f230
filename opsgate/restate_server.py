"""Runs a local restate-server (the npm build, no Docker) for `opsgate up`, the tests and the benchmarks.

The config keeps everything on loopback and uses a fast retry policy (100 ms doubling up to 2 s) so a crashed
worker is retried within seconds, not a minute; after the attempts run out the invocation pauses for a person
instead of being dropped. Only the keys measured to work with restate-server 1.7 are used (see NOTES).

restate-server signs every request it sends to a worker with an ed25519 key (its request identity); opsgate's
worker serves only requests signed by a key it knows, so someone who reaches the worker's port cannot call its
handlers around Restate.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from opsgate.keys import restate_public_key
from opsgate.processes import WaitTimeout, stop_process, wait_until_sync

__all__ = [
    "PORT_TRIES",
    "RestatePorts",
    "RestateServer",
    "RestateServerError",
    "bind_failed",
    "exit_reason",
    "find_restate_binary",
    "free_port",
]

RESTATE_VERSION = "1.7.12"
_DEFAULT_BIN = Path(".restate/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server")


class RestateServerError(Exception):
    pass


LISTEN_PORTS = range(20_000, 32_000)
"""Where `free_port` looks: below Linux's ephemeral range (32768-60999), which outgoing connections draw from."""


def free_port() -> int:
    """A loopback port nothing listens on now, for a server started next (restate-server, a worker, the bot).

    Not one the kernel hands out for port 0: those come from the ephemeral range, where any outgoing connection
    may take the port between this check and the server's bind (seen: restate-server failing with "Address in
    use" on restart). Only another listener choosing at random from the same range can collide now."""
    for _ in range(200):
        port = random.choice(LISTEN_PORTS)  # not a secret
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # the range is full: whatever the kernel offers
        sock.bind(("127.0.0.1", 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def find_restate_binary(configured: Path | None = None) -> Path:
    candidates = [configured] if configured else []
    env = os.environ.get("OPSGATE_RESTATE_BIN")
    if env:
        candidates.append(Path(env))
    candidates.append(Path(__file__).resolve().parent.parent / _DEFAULT_BIN)
    candidates.append(_DEFAULT_BIN)
    for candidate in candidates:
        if candidate and candidate.is_file():
            return candidate.resolve()
    raise RestateServerError(
        f"restate-server not found (looked at {', '.join(str(c) for c in candidates if c)}); run `make setup`, "
        f"which installs @restatedev/restate-server@{RESTATE_VERSION} under .restate/, or set OPSGATE_RESTATE_BIN"
    )


@dataclass(frozen=True)
class RestatePorts:
    ingress: int
    admin: int
    node: int

    @classmethod
    def free(cls) -> RestatePorts:
        """Three distinct free ports (three independent draws could repeat one: the server then fails to bind)."""
        chosen: list[int] = []
        while len(chosen) < 3:  # bounded: free_port draws from 12,000 ports
            port = free_port()
            if port not in chosen:
                chosen.append(port)
        return cls(ingress=chosen[0], admin=chosen[1], node=chosen[2])


PORT_TRIES = 3
"""Starts on freshly chosen ports before giving up, when the ports were chosen here and another listener took one
between the choice and restate-server's bind (the log then says "Address in use")."""

_BIND_FAILED = re.compile(r"address (?:already )?in use", re.IGNORECASE)


def bind_failed(log: str) -> bool:
    """Whether a server's log says its port was taken (restate-server: "Address in use"; Python servers:
    "[Errno 98] ... address already in use")."""
    return _BIND_FAILED.search(log) is not None


def render_config(base_dir: Path, ports: RestatePorts, *, identity_pem: Path, max_attempts: int = 60) -> str:
    return f"""\
base-dir = "{base_dir}"
bind-address = "127.0.0.1:{ports.node}"
advertised-address = "http://127.0.0.1:{ports.node}/"
disable-telemetry = true
default-num-partitions = 4
rocksdb-total-memory-size = "256 MiB"

[default-retry-policy]
initial-interval = "100ms"
exponentiation-factor = 2.0
max-interval = "2s"
max-attempts = {max_attempts}
on-max-attempts = "pause"

[ingress]
bind-address = "127.0.0.1:{ports.ingress}"

[admin]
bind-address = "127.0.0.1:{ports.admin}"

[worker.invoker]
request-identity-private-key-pem-file = "{identity_pem}"
"""


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FAILURE = re.compile(r"^(?:Failed:|error:)", re.IGNORECASE)


def exit_reason(log: str) -> str:
    """What a restate-server log written by one failed start says went wrong, on one line: its `Failed:` or
    `error:` line (the log may be coloured), else its last lines."""
    lines = [line.strip() for line in _ANSI.sub("", log).splitlines() if line.strip()]
    failures = [line for line in lines if _FAILURE.match(line)]
    return (failures[-1] if failures else " / ".join(lines[-3:]))[-400:]


class RestateServer:
    """One restate-server process. `start()` waits until both ingress and admin are healthy."""

    def __init__(
        self,
        base_dir: Path,
        *,
        binary: Path | None = None,
        ports: RestatePorts | Callable[[], RestatePorts] | None = None,
        log_file: Path | None = None,
        extra_env: dict[str, str] | None = None,
        max_attempts: int = 60,
        identity_pem: Path | None = None,
    ) -> None:
        """`max_attempts`: retries (100 ms doubling to 2 s) before an invocation pauses; 60 is about two minutes.
        `identity_pem`: the request-identity key (default: one generated in `base_dir`); its public half is
        `identity_public_key`, what the worker must be told (OPSGATE_RESTATE_IDENTITY_KEYS).
        `ports`: fixed ports, or how to choose them (default: `RestatePorts.free`); chosen ports are chosen again
        when the first start finds one taken, and kept from then on (a restart binds the same ones)."""
        self.base_dir = base_dir.resolve()
        self.identity_pem = (identity_pem or self.base_dir / "identity.pem").resolve()
        self.max_attempts = max_attempts
        self.binary = find_restate_binary(binary)
        self._choose: Callable[[], RestatePorts] | None = None
        if isinstance(ports, RestatePorts):
            self.ports = ports
        else:
            self._choose = ports or RestatePorts.free
            self.ports = self._choose()
        self.log_file = log_file or self.base_dir / "restate.log"
        self.extra_env = extra_env or {}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def ingress_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.ingress}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.admin}"

    @property
    def identity_public_key(self) -> str:
        self._ensure_identity()
        return restate_public_key(self.identity_pem)

    def _ensure_identity(self) -> None:
        if not self.identity_pem.exists():
            key = Ed25519PrivateKey.generate()
            self.identity_pem.parent.mkdir(parents=True, exist_ok=True)
            self.identity_pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            self.identity_pem.chmod(0o600)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until healthy. Ports chosen here that turn out taken are chosen again (up to PORT_TRIES
        starts) on the first start only; after that, or with fixed ports, a failed start raises with the log's end."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_identity()
        for attempt in range(1, PORT_TRIES + 1):
            log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
            self._spawn()
            try:
                self._wait_healthy(timeout, log_start)
            except RestateServerError:
                written = self._log_since(log_start)
                if self._choose is None or attempt == PORT_TRIES or not bind_failed(written):
                    raise
                self.kill()
                self.ports = self._choose()
                continue
            self._choose = None  # the ports are known to others from now on: a restart keeps them
            return

    def _spawn(self) -> None:
        config = self.base_dir / "restate.toml"
        rendered = render_config(
            self.base_dir / "data", self.ports, identity_pem=self.identity_pem, max_attempts=self.max_attempts
        )
        config.write_text(rendered)
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn"), **self.extra_env}
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.binary), "--config-file", str(config), "--no-logo"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_file.open("rb") as log:
                log.seek(offset)
                return log.read(64_000).decode("utf-8", "replace")
        except OSError:
            return ""

    def _wait_healthy(self, timeout: float, log_start: int) -> None:
        checks = [f"{self.admin_url}/health", f"{self.ingress_url}/restate/health"]

        def exited() -> str | None:
            if self._process is None or self._process.poll() is None:
                return None
            reason = exit_reason(self._log_since(log_start))
            return "it exited early" + (f" ({reason})" if reason else "")

        with httpx.Client(timeout=1.0) as client:
            try:
                wait_until_sync(
                    lambda: all(client.get(url).status_code == 200 for url in checks),
                    timeout=timeout,
                    what="restate-server healthy",
                    ignore=(httpx.HTTPError,),
                    dead=exited,
                )
            except WaitTimeout as exc:
                raise RestateServerError(f"{exc}; see {self.log_file}") from None

    def register(self, worker_url: str, *, timeout: float = 30.0) -> None:
        """Register (or refresh) the worker deployment; retried briefly while the worker starts listening."""
        last = [""]

        def registered(client: httpx.Client) -> bool:
            try:
                response = client.post(f"{self.admin_url}/deployments", json={"uri": worker_url, "force": True})
            except httpx.HTTPError as exc:
                last[0] = str(exc)
                return False
            last[0] = f"{response.status_code} {response.text[:300]}"
            return response.status_code < 300

        with httpx.Client(timeout=10.0) as client:
            try:
                wait_until_sync(lambda: registered(client), timeout=timeout, what=f"register {worker_url}", every=0.1)
            except WaitTimeout:
                raise RestateServerError(f"could not register {worker_url} with restate: {last[0]}") from None

    def stop(self, grace: float = 10.0) -> None:
        process, self._process = self._process, None
        stop_process(process, grace)

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)
