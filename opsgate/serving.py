"""Serving ASGI apps with hypercorn: HTTP/2 (h2c) for the Restate endpoint, HTTP/1.1 for Slack."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

__all__ = ["serve_asgi"]


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{host}:{port}"]
    # Restate opens up to 128 streams per connection; hypercorn's default of 100 would stall it (NOTES).
    config.h2_max_concurrent_streams = 2**31 - 1
    config.keep_alive_timeout = 75
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


async def serve_asgi(app: Any, host: str, port: int, shutdown: asyncio.Event) -> None:
    await serve(_answering_lifespan(app), hypercorn_config(host, port), shutdown_trigger=shutdown.wait)
