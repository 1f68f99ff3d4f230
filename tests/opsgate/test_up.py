"""`opsgate up`, as `make demo` runs it: one request through the whole stack, then SIGTERM stops all of it.

The command runs as a child process on free ports with a data directory of its own, no Slack token (so it
starts the sandbox) and no model key (so the worker takes the offline model), with the example `opsgate.yml`.
The request goes in as the sandbox's page sends it (`POST /ui/command`) and the answer is awaited in its thread
through the page's long poll; then the process gets SIGTERM by its PID, must exit 0, and every port of the
stack must be closed: restate-server, the worker and the bot stopped with it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from opsgate.processes import WaitTimeout, wait_until
from opsgate.restate_server import free_port
from opsgate.stack import Child
from tests.integration.shipped import MODEL_VARIABLES

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

START_TIMEOUT = 120.0  # restate-server, the worker (MCP servers and all) and the bot, on two busy cores
ANSWER_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0  # the children get 5 s grace each before SIGKILL
READY_LINE = "opsgate is up."
QUESTION = "what services are running in staging?"


@dataclass
class Up:
    child: Child
    """`python -m opsgate up`, its output in its log file."""
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    data_dir: Path

    @property
    def sandbox(self) -> str:
        return f"http://127.0.0.1:{self.ports['sandbox']}"

    def output(self) -> list[str]:
        """What `opsgate up` printed so far, line by line."""
        return self.child.tail(chars=1_000_000).splitlines(keepends=True)

    def tail(self) -> str:
        """The end of what `opsgate up` printed and of its children's logs, for a failure's message."""
        logs = sorted((self.data_dir / "logs").glob("*.log"))
        children = [f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-30:]) for log in logs]
        return "\n".join(["".join(self.output()[-60:]), *children])

    def exited(self) -> str | None:
        return None if self.process.poll() is None else f"opsgate up exited with {self.process.returncode}"


def stack_env(data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """The shell's environment without any opsgate, Slack or model setting, and the stack's own ports."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPSGATE_", "SLACK_")) and name not in MODEL_VARIABLES
    }
    if "OPSGATE_RESTATE_BIN" in os.environ:
        kept["OPSGATE_RESTATE_BIN"] = os.environ["OPSGATE_RESTATE_BIN"]
    return kept | {
        "OPSGATE_DATA_DIR": str(data_dir),
        "OPSGATE_DATABASE_URL": f"sqlite:///{data_dir / 'opsgate.db'}",
        "OPSGATE_BOT_PORT": str(ports["bot"]),
        "OPSGATE_WORKER_PORT": str(ports["worker"]),
        "OPSGATE_SANDBOX_PORT": str(ports["sandbox"]),
        "OPSGATE_RESTATE_INGRESS_URL": f"http://127.0.0.1:{ports['ingress']}",
        "OPSGATE_RESTATE_ADMIN_URL": f"http://127.0.0.1:{ports['admin']}",
    }


def free_ports(*names: str) -> dict[str, int]:
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(names):
        ports = {name: free_port() for name in names}
    return ports


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    ports = free_ports("bot", "worker", "sandbox", "ingress", "admin")
    data_dir = tmp_path / "data"
    # in the repository's root (the example opsgate.yml, as `make demo`), in a session of its own
    child = Child("opsgate up", ["opsgate", "up"], env=stack_env(data_dir, ports), log_file=tmp_path / "up.log")
    process = child.start().process
    assert process is not None
    try:
        yield Up(child, process, ports, data_dir)
    finally:
        child.stop(grace=STOP_TIMEOUT)  # the test failed before stopping it: stop it the same way


def thread_of(state: dict[str, Any], question: str) -> list[dict[str, Any]] | None:
    """The messages in the thread the request started, once its trace summary is there (the task ended)."""
    messages = [m for m in state["messages"] if m["channel"] == "C0OPS"]
    roots = [m for m in messages if m.get("thread_ts") == m["ts"] and question in json.dumps(m)]
    for root in roots:
        thread = [m for m in messages if m.get("thread_ts") == root["ts"] and m["ts"] != root["ts"]]
        if any("Task done" in m["text"] for m in thread):
            return thread
    return None


async def wait_for_thread(client: httpx.AsyncClient, up: Up, question: str) -> list[dict[str, Any]]:
    """Long-polls the page's state (`since` = the last version seen) until the thread is complete."""
    version = -1
    async with asyncio.timeout(ANSWER_TIMEOUT):
        while True:
            response = await client.get(f"{up.sandbox}/ui/state", params={"since": version, "user": "U0ALICE"})
            state = response.json()
            thread = thread_of(state, question)
            if thread is not None:
                return thread
            assert up.exited() is None, up.tail()
            version = state["version"]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_opsgate_up_answers_a_request_in_its_thread_and_stops_cleanly_on_sigterm(up: Up) -> None:
    async def ready() -> bool:  # the line `opsgate up` prints when everything answers
        return any(line.strip() == READY_LINE for line in up.output())

    try:
        await wait_until(ready, timeout=START_TIMEOUT, what="opsgate up ready", every=0.1, dead=up.exited)
    except WaitTimeout as failed:
        pytest.fail(f"{failed}:\n{up.tail()}")
    assert f"Sandbox (Slack stand-in): {up.sandbox}/" in up.tail()

    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
        sent = await client.post(
            f"{up.sandbox}/ui/command",
            json={"user_id": "U0ALICE", "channel_id": "C0OPS", "text": f"/ops {QUESTION}"},
        )
        assert sent.json() == {"ok": True, "status": 200, "error": None}, up.tail()
        thread = await wait_for_thread(client, up, QUESTION)
    assert any("staging" in message["text"] for message in thread), thread  # the answer, in its thread

    assert all(listening(port) for port in up.ports.values()), up.ports
    up.process.send_signal(signal.SIGTERM)
    try:
        exit_code = await asyncio.to_thread(up.process.wait, STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"opsgate up did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM:\n{up.tail()}")
    assert exit_code == 0, up.tail()
    assert "stopping opsgate…" in "".join(up.output())
    still_open = {name: port for name, port in up.ports.items() if listening(port)}
    assert still_open == {}, f"still listening after opsgate up exited: {still_open}\n{up.tail()}"
