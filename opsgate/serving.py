"""Serving ASGI apps: hypercorn (HTTP/2, h2c) for the Restate endpoint, uvicorn (HTTP/1.1) for Slack.

Slack speaks HTTP/1.1 only; uvicorn served the bot's acks faster and with less CPU than hypercorn in bench/ack
(p50 43 vs 53 ms at 10 concurrent, 0.4 vs 0.7 ms CPU per bare ack). Restate needs HTTP/2 streams: hypercorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

__all__ = ["serve_asgi", "serve_http11"]


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{host}:{port}"]
    # Restate opens up to 128 streams per connection; hypercorn's default of 100 would stall it (NOTES).
    config.h2_max_concurrent_streams = 2**31 - 1
    config.keep_alive_timeout = 75
    # Restate keeps one HTTP/2 connection to a worker for every call; hypercorn closes a connection after 1,000
    # requests by default, and each close stalls the calls in flight on it (Restate logs RT0010; measured stalls of
    # 7 s to over 30 s). A worker's connection lives as long as Restate wants it.
    config.keep_alive_max_requests = 2**62
    config.graceful_timeout = 3
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.loglevel = "WARNING"
    return config


def _answering_lifespan(app: Any) -> Any:
    """Complete ASGI lifespan for apps that do not speak it (the Restate endpoint), instead of a logged error."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped


async def serve_asgi(
    app: Any, host: str, port: int, shutdown: asyncio.Event, *, sock: socket.socket | None = None
) -> None:
    """Serve until `shutdown` is set. `sock`: a socket already bound and listening, which hypercorn takes over
    (as `serve_http11`'s: a caller that bound port 0 cannot lose its port between choosing and binding)."""
    config = hypercorn_config(host, port)
    if sock is not None:
        config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns the descriptor now, and closes it
    await serve(_answering_lifespan(app), config, shutdown_trigger=shutdown.wait)


async def serve_http11(
    app: Any, host: str, port: int, shutdown: asyncio.Event, *, sock: socket.socket | None = None
) -> None:
    """Serve until `shutdown` is set; in-flight requests (acks) finish before the server returns. `sock`: a socket
    already bound and listening (host and port are then its own), so a caller that bound port 0 cannot lose the
    port it was given to another listener between choosing and binding."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,  # longer than load balancers keep idle connections, so they close first
        timeout_graceful_shutdown=5,
    )

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the caller owns SIGINT/SIGTERM and sets `shutdown`

    server = Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock] if sock is not None else None))
    stopping = asyncio.create_task(shutdown.wait())
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopping.cancel()
        await serving
