"""The worker's HTTP/2 server keeps Restate's connection open however many requests it carries."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

from opsgate.processes import wait_until
from opsgate.serving import serve_asgi

REQUESTS = 1_200  # more than hypercorn's default of 1,000 requests per connection


async def test_one_http2_connection_carries_more_than_a_thousand_requests() -> None:
    clients: set[tuple[str, int]] = set()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        clients.add(tuple(scope["client"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    listening, shutdown = socket.create_server(("127.0.0.1", 0)), asyncio.Event()
    port = listening.getsockname()[1]
    serving = asyncio.create_task(serve_asgi(app, "127.0.0.1", port, shutdown, sock=listening))
    try:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(http1=False, http2=True, limits=limits, timeout=10) as client:
            await wait_until(
                lambda: client.get(f"http://127.0.0.1:{port}/"),
                timeout=5,
                what="the server listening",
                ignore=(httpx.ConnectError,),
            )
            clients.clear()
            for _ in range(REQUESTS // 100):
                answers = await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/") for _ in range(100)))
                assert all(answer.status_code == 200 and answer.http_version == "HTTP/2" for answer in answers)
        assert len(clients) == 1, f"{REQUESTS} requests used {len(clients)} connections"
    finally:
        shutdown.set()
        await asyncio.wait_for(serving, timeout=10)
