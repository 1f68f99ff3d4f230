"""A click on a button of ours that this version does not know: a card posted by an older version of opsgate,
whose button a newer one renamed or removed. The clicker is told so, only them, through the click's
response_url, like every other button's answer.

Registered after every other action listener (Bolt tries them in order), so it only sees what none of them took;
a click on someone else's button id is left to bot.unhandled (acknowledged, nothing said).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.unhandled import OLDER_CARD, OUR_ID, describe

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def tell_the_clicker(body: dict[str, Any], respond: AsyncRespond) -> None:
        log.info("a click on an older card: %s", describe(body))
        if not body.get("response_url"):  # a button in a modal or on the Home tab: nowhere to answer
            return
        await respond(response_type="ephemeral", replace_original=False, text=OLDER_CARD)

    app.action({"type": "block_actions", "action_id": OUR_ID})(ack=ack_now, lazy=[tell_the_clicker])
