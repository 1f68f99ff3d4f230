"""The one process harness (`opsgate.stack`): start, readiness, a crash seen, and the shutdown order, with a real
restate-server and real child processes.

The children are a small module written per test (`python -m stackchild`): it serves HTTP on its port and, on
SIGTERM, records whether Restate's ingress still answered at that moment, which is how the tests see the order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import textwrap
from pathlib import Path

import pytest

from opsgate.processes import WaitTimeout
from opsgate.restate_server import free_port
from opsgate.stack import OFFLINE_DROPS, Child, Stack, stop_all

pytestmark = pytest.mark.integration

CHILD = textwrap.dedent(
    '''
    """Serves 200 on its port; on SIGTERM writes whether Restate's ingress answered, then exits (or not)."""
    import http.server, json, os, signal, sys, threading, urllib.request

    name = os.environ["CHILD_NAME"]
    port = int(os.environ.get("CHILD_PORT") or os.environ["OPSGATE_WORKER_PORT"])
    out = os.environ["CHILD_OUT"]

    def restate_up():
        try:
            urllib.request.urlopen(os.environ["INGRESS"] + "/restate/health", timeout=1)
            return True
        except Exception:
            return False

    def on_term(signum, frame):
        with open(out, "a") as f:
            f.write(json.dumps({"name": name, "restate_up": restate_up(), "env": dict(os.environ)}) + "\\n")
        if os.environ.get("CHILD_STUBBORN") != "1":
            os._exit(0)

    signal.signal(signal.SIGTERM, on_term)

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    print(f"{name} listening", flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Ok).serve_forever()
    '''
)


@pytest.fixture
def child_module(tmp_path: Path) -> Path:
    folder = tmp_path / "mod"
    folder.mkdir()
    (folder / "stackchild.py").write_text(CHILD)
    return folder


def _env(stack: Stack, name: str, port: int, module: Path, out: Path, **extra: str) -> dict[str, str]:
    return {
        "CHILD_NAME": name,
        "CHILD_PORT": str(port),
        "CHILD_OUT": str(out),
        "INGRESS": stack.ingress_url,
        "PYTHONPATH": str(module),
        **extra,
    }


def _records(out: Path) -> dict[str, dict[str, object]]:
    import json

    lines = out.read_text().splitlines() if out.exists() else []
    return {record["name"]: record for record in map(json.loads, lines)}


async def test_close_stops_the_front_before_restate_and_the_back_after_it_then_the_in_process_parts(
    child_module: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-the-shell")
    out = tmp_path / "terms.jsonl"
    stack = Stack(prefix="opsgate-test-stack-")
    directory = stack.directory
    closed: list[str] = []

    async def close_sandbox() -> None:
        closed.append(
            f"sandbox, bot alive: {stack.child('bot').alive()}, worker alive: {stack.child('worker').alive()}"
        )

    stack.on_close(close_sandbox)
    try:
        await stack.start_nodes()
        port = free_port()
        worker = stack.spawn("worker", ["stackchild"], _env(stack, "worker", port, child_module, out), port=port)
        bot_port = free_port()
        bot = stack.spawn_bot(_env(stack, "bot", bot_port, child_module, out), argv=["stackchild"], port=bot_port)
        await worker.wait_http("/health")
        await bot.wait_http("/healthz")
        stack.check_alive()
    finally:
        await stack.close()
    terms = _records(out)
    assert terms["bot"]["restate_up"] is True, "the bot (front) is stopped while Restate still runs"
    assert terms["worker"]["restate_up"] is False, "the worker (back) is stopped after Restate"
    assert closed == ["sandbox, bot alive: False, worker alive: False"], "in-process parts close last"
    assert not directory.exists(), "a temporary directory the stack made is removed"
    bot_env = terms["bot"]["env"]
    assert isinstance(bot_env, dict)
    assert "ANTHROPIC_API_KEY" not in bot_env and "ANTHROPIC_API_KEY" in OFFLINE_DROPS
    assert bot_env["OPSGATE_BOT_PORT"] == str(bot_port)
    assert "OPSGATE_RESTATE_ADMIN_URL" not in bot_env, "the bot is never given the admin API"


async def test_a_crashed_child_is_named_with_its_log_and_a_restart_keeps_its_port(
    child_module: Path, tmp_path: Path
) -> None:
    out = tmp_path / "terms.jsonl"
    stack = Stack(tmp_path / "stack")
    try:
        await stack.start_nodes()
        port = free_port()
        env = _env(stack, "worker", port, child_module, out)
        worker = await stack.start_worker(env, argv=["stackchild"], port=port)
        assert worker.env["OPSGATE_RESTATE_ADMIN_URL"] == stack.admin_url, "a worker has the admin API"
        assert worker.env["OPSGATE_WORKER_PORT"] == str(port)
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        await asyncio.to_thread(worker.process.wait, 5)  # type: ignore[union-attr]
        with pytest.raises(RuntimeError, match="worker exited during the run") as crashed:
            stack.check_alive()
        assert "worker listening" in str(crashed.value), "the message carries the end of its log"
        await stack.restart_worker(worker)
        assert worker.alive() and worker.url == f"http://127.0.0.1:{port}"
        stack.check_alive()
    finally:
        await stack.close()
    assert (tmp_path / "stack").is_dir(), "a directory the caller gave is kept"


async def test_a_worker_whose_chosen_port_was_taken_starts_on_another(child_module: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], free_port()])
        stack = Stack(tmp_path / "stack", choose_port=lambda: next(ports))
        try:
            await stack.start_nodes()
            env = {**_env(stack, "worker", 0, child_module, tmp_path / "terms.jsonl"), "CHILD_PORT": ""}
            worker = await stack.start_worker(env, argv=["stackchild"])
            assert worker.port != taken.getsockname()[1] and worker.alive()
            assert worker.env["OPSGATE_WORKER_PORT"] == str(worker.port)
            assert stack.back == [worker], "the failed start is not kept as a child"
            assert "Address already in use" in worker.tail()
        finally:
            await stack.close()


def test_children_started_together_never_share_a_port(tmp_path: Path) -> None:
    """A free port is not a taken one until its child binds it: two children started before either listens must
    not be handed the same port, even when the chooser offers it twice."""
    offered = iter([21_001, 21_001, 21_002, 21_001, 21_003])
    stack = Stack(tmp_path / "stack", choose_port=lambda: next(offered))
    try:
        assert [stack._new_port() for _ in range(3)] == [21_001, 21_002, 21_003]
    finally:
        asyncio.run(stack.close())


async def test_a_worker_on_a_taken_port_the_caller_gave_fails_with_its_log(child_module: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = Stack(tmp_path / "stack")
        try:
            await stack.start_nodes()
            env = _env(stack, "worker", port, child_module, tmp_path / "terms.jsonl")
            with pytest.raises(WaitTimeout, match="worker exited") as failed:
                await stack.start_worker(env, argv=["stackchild"], port=port)
            assert "Address already in use" in str(failed.value)
        finally:
            await stack.close()


async def test_waiting_on_a_child_that_exits_fails_at_once_with_its_log(tmp_path: Path, child_module: Path) -> None:
    child = Child(
        "broken",
        ["stackchild"],
        env={**os.environ, "PYTHONPATH": str(child_module)},
        log_file=tmp_path / "b.log",
        port=free_port(),
    ).start()  # no CHILD_NAME: it dies with a KeyError at once
    try:
        with pytest.raises(WaitTimeout, match="broken exited") as failed:
            await child.wait_http("/health", timeout=30)
        assert "KeyError" in str(failed.value)
    finally:
        child.stop()


async def test_stop_all_kills_what_ignores_sigterm_within_one_shared_bound(tmp_path: Path, child_module: Path) -> None:
    out = tmp_path / "terms.jsonl"
    children = []
    for name, stubborn in (("polite", "0"), ("stubborn", "1")):
        port = free_port()
        env = {
            **os.environ,
            "CHILD_NAME": name,
            "CHILD_PORT": str(port),
            "CHILD_OUT": str(out),
            "INGRESS": "http://127.0.0.1:9",
            "PYTHONPATH": str(child_module),
            "CHILD_STUBBORN": stubborn,
        }
        child = Child(name, ["stackchild"], env=env, log_file=tmp_path / f"{name}.log", port=port).start()
        await child.wait_http("/")
        children.append(child)
    killed = await asyncio.to_thread(stop_all, children, 1.0)
    assert killed == ["stubborn"]
    assert not any(child.alive() for child in children)
    assert set(_records(out)) == {"polite", "stubborn"}, "both were asked politely first"
