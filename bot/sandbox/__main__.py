"""`python -m bot.sandbox --signing-secret S --bot-url URL [--port N]`: run the sandbox on its own.

For trying the bot by hand: the page at the printed URL sends slash commands and clicks to the bot, and the
bot's Web API client should use the printed API URL and token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.sandbox.server import Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description="A local stand-in for Slack.")
    parser.add_argument("--signing-secret", required=True, help="the secret the bot verifies requests with")
    parser.add_argument(
        "--bot-url", default=None, help="the bot's request URL, e.g. http://127.0.0.1:3000/slack/events"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--bot-token", default="xoxb-sandbox-token")
    parser.add_argument("--no-rate-limit", action="store_true", help="switch off chat.postMessage's rate limit")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        signing_secret=args.signing_secret,
        bot_url=args.bot_url,
        host=args.host,
        port=args.port,
        bot_token=args.bot_token,
        rate_limit=not args.no_rate_limit,
    )
    await sandbox.start()
    print(f"sandbox web page: {sandbox.web_url}", flush=True)
    print(f"Web API base URL: {sandbox.api_url} (token {sandbox.bot_token})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
