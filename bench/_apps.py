"""The three apps of the ack benchmark, each served alone in its own process by the same ASGI server.

    python -m bench._apps {opsgate|baseline|ackonly} --port N --ingress URL --slack-api URL --secret S
                          [--server hypercorn|uvicorn]

- `opsgate`: the real bot from its composition root (`build_bot`), with telemetry installed as `opsgate bot` does.
  Its `Settings` also read `OPSGATE_*` from the environment, so `OPSGATE_RESTATE_MAX_CONNECTIONS=64 python -m
  bench.ack` measures another pool bound.
- `baseline`: the minimal durable hand-off: bare Bolt behind Bolt's own ASGI adapter; `/ops` sends the same
  `TaskWorkflow/{key}/run/send` with a fresh `httpx.AsyncClient()` per request (no pool, no deadline beyond
  httpx's default 5 s), then acks. The clients share one SSL context: building a client otherwise loads the CA
  bundle each time (25–67 ms of CPU), which would measure certificate parsing, not the hand-off.
- `ackonly`: bare Bolt whose `/ops` only acks.

Both Bolt apps get an `authorize` function (as opsgate has) so Bolt's lazy `auth.test` never lands on a measured
request, and `process_before_response=True` (as opsgate), so none of the three pays Bolt's 10 ms ack polling.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from handlers.contracts import TASK_RUN, TASK_WORKFLOW, TaskRequest, task_id_for

__all__ = ["APPS", "SERVERS", "serve"]

APPS = ("opsgate", "baseline", "ackonly")
SERVERS = ("hypercorn", "uvicorn")
BOT_TOKEN = "xoxb-sandbox-token"
HOST = "127.0.0.1"
SHARED_SSL = ssl.create_default_context()

AsgiApp = Callable[..., Awaitable[None]]
Cleanup = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


async def build_opsgate(args: argparse.Namespace) -> tuple[AsgiApp, Cleanup]:
    from agents.guardrails import Rate
    from bot.launcher import TaskLauncher
    from opsgate.botmain import build_bot
    from opsgate.settings import Settings
    from opsgate.teamconfig import TeamConfig
    from opsgate.telemetry import install, setup_telemetry

    install(setup_telemetry("opsgate-bot"))
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=args.secret,
        slack_api_url=args.slack_api,
        restate_ingress_url=args.ingress,
        bot_port=args.port,
    )
    # One user sends every request here: keep the shared rate limits on (their database write is part of the
    # cost of an ack) but high enough never to refuse.
    many = Rate(limit=10_000_000, window_s=60.0)
    team = TeamConfig.default()
    team = team.model_copy(
        update={"commands": team.commands.model_copy(update={"requests_per_user": many, "requests_per_channel": many})}
    )
    app, deps = await build_bot(settings, team)
    launcher = deps.launcher
    return app, launcher.aclose if isinstance(launcher, TaskLauncher) else _nothing


def _bare_bolt(args: argparse.Namespace) -> AsyncApp:
    # No token on the client: `authorize` supplies it per request (Bolt warns when it is given both ways).
    client = AsyncWebClient(base_url=args.slack_api + "/")

    async def authorize() -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None, team_id="T0SANDBOX", bot_user_id="U0OPSGATE", bot_id="B0OPSGATE", bot_token=BOT_TOKEN
        )

    return AsyncApp(signing_secret=args.secret, client=client, authorize=authorize, process_before_response=True)


def build_baseline(args: argparse.Namespace) -> tuple[AsgiApp, Cleanup]:
    app = _bare_bolt(args)
    ingress = args.ingress

    async def ops(ack: AsyncAck, body: dict[str, Any]) -> None:
        key = task_id_for(body["team_id"], body["trigger_id"])
        request = TaskRequest(
            task_id=key,
            team_id=body["team_id"],
            channel_id=body["channel_id"],
            user_id=body["user_id"],
            text=body.get("text", ""),
            response_url=body.get("response_url"),
        )
        async with httpx.AsyncClient(verify=SHARED_SSL) as client:
            response = await client.post(
                f"{ingress}/{TASK_WORKFLOW}/{key}/{TASK_RUN}/send",
                content=request.model_dump_json(),
                headers={"content-type": "application/json"},
            )
        # Naive, but not dishonest: a refused hand-off is an error (Bolt answers 500), not "On it".
        response.raise_for_status()
        await ack("On it")

    app.command("/ops")(ops)
    return AsyncSlackRequestHandler(app), _nothing


def build_ackonly(args: argparse.Namespace) -> tuple[AsgiApp, Cleanup]:
    app = _bare_bolt(args)

    async def ops(ack: AsyncAck) -> None:
        await ack("On it")

    app.command("/ops")(ops)
    return AsyncSlackRequestHandler(app), _nothing


async def _serve_with(server: str, app: AsgiApp, port: int, shutdown: asyncio.Event) -> None:
    if server == "hypercorn":
        from opsgate.serving import serve_asgi

        await serve_asgi(app, HOST, port, shutdown)
        return
    import uvicorn

    config = uvicorn.Config(app, host=HOST, port=port, lifespan="on", log_level="warning", access_log=False)
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve())
    stop = asyncio.create_task(shutdown.wait())
    await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    runner.should_exit = True
    stop.cancel()
    await task


async def serve(args: argparse.Namespace) -> None:
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown.set)
    if args.app == "opsgate":
        app, cleanup = await build_opsgate(args)
    elif args.app == "baseline":
        app, cleanup = build_baseline(args)
    else:
        app, cleanup = build_ackonly(args)
    try:
        await _serve_with(args.server, app, args.port, shutdown)
    finally:
        await cleanup()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench._apps", description="Serve one app of the ack bench.")
    parser.add_argument("app", choices=APPS)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ingress", required=True, help="Restate's ingress URL")
    parser.add_argument("--slack-api", required=True, help="the sandbox's Web API URL, without trailing slash")
    parser.add_argument("--secret", required=True, help="the Slack signing secret")
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    args = parser.parse_args(argv)
    args.ingress = args.ingress.rstrip("/")
    args.slack_api = args.slack_api.rstrip("/")
    return args


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
