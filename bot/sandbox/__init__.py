"""A local, stateful stand-in for Slack: Web API, response_urls, signed requests to the bot, and a web page.

It lets a newcomer run opsgate with no Slack workspace, and it is the Slack double of the end-to-end tests:

    sandbox = Sandbox(signing_secret="s3cret", bot_url="http://127.0.0.1:3000/slack/events")
    await sandbox.start()
    client = AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="restart api")
    root = await sandbox.wait_for(lambda s: next(iter(s.messages_in("C0OPS")), None))
"""

from bot.sandbox.delivery import BotReply
from bot.sandbox.payloads import block_actions_body, block_actions_payload, new_trigger_id, slash_command_body
from bot.sandbox.server import Sandbox
from bot.sandbox.signing import sign_request
from bot.sandbox.state import SandboxState

__all__ = [
    "BotReply",
    "Sandbox",
    "SandboxState",
    "block_actions_body",
    "block_actions_payload",
    "new_trigger_id",
    "sign_request",
    "slash_command_body",
]
