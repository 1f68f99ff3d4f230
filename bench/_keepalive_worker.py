"""The worker of the keep-alive benchmark: a minimal Restate service, served the way opsgate's worker is.

    python -m bench._keepalive_worker --port N --service NAME [--max-requests M]

The service has one handler, `ping`, which journals one `ctx.run_typed` step and answers. Without
`--max-requests` it is served by `opsgate.serving.serve_asgi`, exactly as the worker serves its endpoint; with it,
by the same hypercorn configuration except `keep_alive_max_requests` (1,000 is hypercorn's default: the baseline).
`GET /bench/connections` answers, for each connection that carried invocations, how many requests it carried.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from typing import Any

import restate
from hypercorn.asyncio import serve

from opsgate.serving import hypercorn_config, serve_asgi

__all__ = ["HANDLER", "build_app"]

HANDLER = "ping"
HOST = "127.0.0.1"


def build_service(name: str) -> restate.Service:
    service = restate.Service(name)

    @service.handler(name=HANDLER)
    async def ping(ctx: restate.Context, n: int) -> int:
        async def step(n: int) -> int:
            return n + 1

        return await ctx.run_typed("step", step, n=n)

    return service


def build_app(name: str) -> Any:
    """The Restate endpoint, wrapped to count the connections and requests that carry invocations."""
    endpoint = restate.app([build_service(name)])
    carried: dict[str, int] = {}
    """client address → invocation requests its connection carried."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # hypercorn asks; the Restate endpoint does not speak it
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "http" and scope["path"] == "/bench/connections":
            body = json.dumps(carried).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and scope["path"].startswith("/invoke/"):
            host, port = scope["client"]
            carried[f"{host}:{port}"] = carried.get(f"{host}:{port}", 0) + 1
        await endpoint(scope, receive, send)

    return app


async def serve_worker(args: argparse.Namespace) -> None:
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown.set)
    app = build_app(args.service)
    if args.max_requests is None:
        await serve_asgi(app, HOST, args.port, shutdown)
        return
    config = hypercorn_config(HOST, args.port)
    config.keep_alive_max_requests = args.max_requests
    await serve(app, config, shutdown_trigger=shutdown.wait)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._keepalive_worker", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service", required=True, help="the Restate service's name")
    parser.add_argument("--max-requests", type=int, help="hypercorn's keep_alive_max_requests (default: opsgate's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    asyncio.run(serve_worker(args))


if __name__ == "__main__":
    main()
