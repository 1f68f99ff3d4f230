"""The processes of the approvals benchmark besides restate-server and the worker, each alone in its own process.

    python -m bench._approvals_apps opsgate --port N --ingress URL --slack-api URL --secret S
                                    --config-file FILE --database-url URL [--server uvicorn|hypercorn]
    python -m bench._approvals_apps bolt    --port N --ingress URL --slack-api URL --secret S [--server ...]
    python -m bench._approvals_apps service --port N --slack-api URL [--suspend-after SECONDS]

- `opsgate`: the real bot from its composition root (`build_bot`) with the team configuration the worker reads
  (its approval policy) and the worker's database, served as in the ack benchmark (`bench._apps`).
- `bolt` (baseline, Slack side): bare Bolt whose `baseline_approve` action acks and resolves the awakeable whose id
  is the button's value (`POST {ingress}/restate/awakeables/{id}/resolve`) with one shared HTTP client. Naive on
  purpose: the awakeable id travels in the button, nobody checks who clicked.
- `service` (baseline, Restate side): a Restate service `BaselineApproval` whose `run` handler creates an
  awakeable, posts a card carrying its id (one `ctx.run`), awaits it, then edits the card with one `chat.update`
  (one `ctx.run`). Served like the worker: hypercorn, HTTP/2, `opsgate.serving.serve_asgi`; its inactivity timeout
  is the benchmark worker's, so both suspend their waiting invocations after the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import restate
from restate import Context
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bench._apps import BOT_TOKEN, SERVERS, AsgiApp, Cleanup, _bare_bolt, _nothing, _serve_with

__all__ = ["BASELINE_ACTION", "BASELINE_SERVICE", "KINDS", "baseline_card_blocks", "serve"]

KINDS = ("opsgate", "bolt", "service")
BASELINE_SERVICE = "BaselineApproval"
BASELINE_ACTION = "baseline_approve"
HOST = "127.0.0.1"


def baseline_card_blocks(name: str, awakeable_id: str | None, approved_by: str | None) -> list[dict[str, Any]]:
    """The baseline's card: one line of text, then the Approve button or who approved it."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Approval needed: `restart_service` on `{name}`"}}
    ]
    if approved_by is None:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Approve"},
            "action_id": BASELINE_ACTION,
            "value": awakeable_id or "",
        }
        blocks.append({"type": "actions", "block_id": f"baseline:{name}", "elements": [button]})
    else:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"Approved by <@{approved_by}>"}})
    return blocks


async def build_opsgate(args: argparse.Namespace) -> tuple[AsgiApp, Cleanup]:
    from bot.launcher import TaskLauncher
    from opsgate.botmain import build_bot
    from opsgate.settings import Settings
    from opsgate.teamconfig import load_team_config
    from opsgate.telemetry import install, setup_telemetry

    install(setup_telemetry("opsgate-bot"))
    config_file = Path(args.config_file)
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=args.secret,
        slack_api_url=args.slack_api,
        restate_ingress_url=args.ingress,
        bot_port=args.port,
        database_url=args.database_url,
        config_file=config_file,
    )
    app, deps = await build_bot(settings, load_team_config(config_file))
    launcher = deps.launcher
    return app, launcher.aclose if isinstance(launcher, TaskLauncher) else _nothing


def build_bolt(args: argparse.Namespace) -> tuple[AsgiApp, Cleanup]:
    app = _bare_bolt(args)
    client = httpx.AsyncClient(base_url=args.ingress, timeout=5.0)

    async def approve(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        awakeable_id = body["actions"][0]["value"]
        response = await client.post(f"/restate/awakeables/{awakeable_id}/resolve", json={"by": body["user"]["id"]})
        response.raise_for_status()

    app.action(BASELINE_ACTION)(approve)
    return AsyncSlackRequestHandler(app), client.aclose


def build_service(args: argparse.Namespace) -> AsgiApp:
    slack = AsyncWebClient(token=BOT_TOKEN, base_url=args.slack_api + "/")
    service = restate.Service(BASELINE_SERVICE, inactivity_timeout=timedelta(seconds=args.suspend_after))

    @service.handler()
    async def run(ctx: Context, request: dict[str, str]) -> str:
        name = request["name"]
        channel = request["channel"]
        awakeable_id, decided = ctx.awakeable(type_hint=dict)

        async def post_card() -> str:
            blocks = baseline_card_blocks(name, awakeable_id, None)
            response = await slack.chat_postMessage(channel=channel, text=f"approve {name}?", blocks=blocks)
            return str(response["ts"])

        ts = await ctx.run_typed("post card", post_card)
        decision: dict[str, Any] = await decided
        approver = str(decision.get("by", "someone"))

        async def update_card() -> None:
            blocks = baseline_card_blocks(name, None, approver)
            await slack.chat_update(channel=channel, ts=ts, text=f"{name}: approved", blocks=blocks)

        await ctx.run_typed("update card", update_card)
        return approver

    app: AsgiApp = restate.app([service])
    return app


async def serve(args: argparse.Namespace) -> None:
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown.set)
    if args.kind == "service":
        from opsgate.serving import serve_asgi

        await serve_asgi(build_service(args), HOST, args.port, shutdown)
        return
    if args.kind == "opsgate":
        app, cleanup = await build_opsgate(args)
    else:
        app, cleanup = build_bolt(args)
    try:
        await _serve_with(args.server, app, args.port, shutdown)
    finally:
        await cleanup()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench._approvals_apps", description="Serve one approvals app.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api", required=True, help="the sandbox's Web API URL, without trailing slash")
    parser.add_argument("--ingress", default="", help="Restate's ingress URL")
    parser.add_argument("--secret", default="", help="the Slack signing secret")
    parser.add_argument("--config-file", default="opsgate.yml", help="the team configuration (opsgate only)")
    parser.add_argument("--database-url", default="sqlite:///./.opsgate/opsgate.db", help="(opsgate only)")
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--suspend-after", type=float, default=60.0, help="inactivity timeout (service only)")
    args = parser.parse_args(argv)
    args.ingress = args.ingress.rstrip("/")
    args.slack_api = args.slack_api.rstrip("/")
    return args


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
