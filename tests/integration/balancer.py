"""Load balancers on loopback for the replica tests: what sits in front of two bots and two workers in production.

`HttpBalancer` is an L7 balancer in front of the bots: every request goes to the next bot in turn, byte for byte
(Slack's signature covers the raw body). `TcpBalancer` is an L4 balancer in front of the workers, like a
Kubernetes Service or Docker's DNS round robin: each new connection goes to the next worker that accepts it, so a
dead worker costs Restate one failed connection, then its retries land on the live one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter

import aiohttp
from aiohttp import web

from opsgate.restate_server import free_port

__all__ = ["HttpBalancer", "TcpBalancer"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class HttpBalancer:
    """Round robin per request; `served` counts the requests each backend answered."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.port = free_port()
        self.served: Counter[str] = Counter()
        self._turn = itertools.cycle(range(len(backends)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        backend = self.backends[next(self._turn)]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        body = await request.read()
        async with self._session.request(
            request.method, backend + request.path_qs, data=body, headers=headers
        ) as answer:
            content = await answer.read()
            self.served[backend] += 1
            forwarded = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=answer.status, body=content, headers=forwarded)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


class TcpBalancer:
    """Round robin per connection, skipping backends that refuse; `connections` counts them per backend port."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = free_port()
        self.connections: Counter[int] = Counter()
        self._turn = itertools.cycle(range(len(ports)))
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        for _ in range(len(self.ports)):
            port = self.ports[next(self._turn)]
            try:
                backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            self.connections[port] += 1
            pipes = [
                asyncio.create_task(_pipe(client_reader, backend_writer)),
                asyncio.create_task(_pipe(backend_reader, client_writer)),
            ]
            self._pipes.update(pipes)
            try:
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                    self._pipes.discard(pipe)
                for writer in (backend_writer, client_writer):
                    writer.close()
            return
        client_writer.close()  # nobody listens: the caller sees a reset and retries

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
