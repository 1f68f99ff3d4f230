"""restate-server's start: ports taken between their choice and the bind, and what a failed start says."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opsgate.restate_server import PORT_TRIES, RestatePorts, RestateServer, RestateServerError, exit_reason

pytestmark = pytest.mark.integration


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another listener holds for the whole test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_three_free_ports_are_three_different_ports() -> None:
    for _ in range(2_000):
        ports = RestatePorts.free()
        assert len({ports.ingress, ports.admin, ports.node}) == 3


def test_chosen_ports_that_turn_out_taken_are_chosen_again(tmp_path: Path, taken_port: int) -> None:
    choices: list[RestatePorts] = []

    def choose() -> RestatePorts:
        fresh = RestatePorts.free()
        chosen = fresh if choices else RestatePorts(ingress=taken_port, admin=fresh.admin, node=fresh.node)
        choices.append(chosen)
        return chosen

    server = RestateServer(tmp_path / "restate", ports=choose)
    try:
        server.start()
        assert len(choices) == 2
        assert server.ports == choices[1]
        assert httpx.get(f"{server.ingress_url}/restate/health", timeout=5).status_code == 200
        assert "Address in use" in (tmp_path / "restate" / "restate.log").read_text()
        server.stop()
        server.start()  # a restart keeps the ports others were given
        assert len(choices) == 2
        assert server.ports == choices[1]
    finally:
        server.stop()


def test_fixed_ports_that_are_taken_fail_with_the_reason(tmp_path: Path, taken_port: int) -> None:
    fresh = RestatePorts.free()
    server = RestateServer(tmp_path / "restate", ports=RestatePorts(fresh.ingress, taken_port, fresh.node))
    with pytest.raises(RestateServerError, match=rf"exited early.*127\.0\.0\.1:{taken_port}.*Address in use"):
        server.start()
    assert server.ports.admin == taken_port


def test_choosing_gives_up_after_a_bounded_number_of_starts(tmp_path: Path, taken_port: int) -> None:
    starts: list[RestatePorts] = []

    def always_taken() -> RestatePorts:
        fresh = RestatePorts.free()
        starts.append(RestatePorts(fresh.ingress, fresh.admin, taken_port))
        return starts[-1]

    server = RestateServer(tmp_path / "restate", ports=always_taken)
    with pytest.raises(RestateServerError, match="Address in use"):
        server.start()
    assert len(starts) == PORT_TRIES


def test_the_reason_is_read_from_a_coloured_log_too() -> None:
    coloured = (
        "\x1b[2m2026-12-07T18:03:57Z\x1b[0m \x1b[31mERROR\x1b[0m restate_server\n"
        "  \x1b[1;31mRestate application failed\x1b[0m\n"
        "    \x1b[1;31merror\x1b[0m\x1b[31m: [admin-api-server] failed binding to address '127.0.0.1:9': "
        "Address in use\n"
        "    restate.error.code: RT0004\n"
        "\x1b[2;3mon\x1b[0m main\n"
    )
    assert exit_reason(coloured) == "error: [admin-api-server] failed binding to address '127.0.0.1:9': Address in use"
    assert exit_reason("one\ntwo\n\nthree\nfour\n") == "two / three / four"
    assert exit_reason("") == ""
