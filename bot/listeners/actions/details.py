"""Details on a task's trace summary: a modal with the task's step tree, opened with the click's trigger."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agents.slack_text import inline_code
from bot.reports import DETAILS_ACTION, details_view

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def ack_now(ack: AsyncAck) -> None:
        await ack()

    async def open_details(body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        try:
            task_id = str(body["actions"][0]["value"])
            trigger_id = str(body["trigger_id"])
        except (KeyError, IndexError, TypeError):
            return
        reports = deps.reports
        if reports is None:
            await respond(response_type="ephemeral", replace_original=False, text="Task details are not kept here.")
            return
        summary = await asyncio.to_thread(reports.summary, task_id)
        if summary is None:
            text = f"I don't know a task {inline_code(task_id, 82)}."
            await respond(response_type="ephemeral", replace_original=False, text=text)
            return
        steps = await asyncio.to_thread(reports.steps, task_id)
        try:
            await client.views_open(trigger_id=trigger_id, view=details_view(summary, steps))
        except SlackApiError as exc:  # e.g. the trigger expired: say so rather than fail silently
            log.warning("could not open the details of %s: %s", task_id, exc.response.get("error"))
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text="I could not open the details in time; please click *Details* again.",
            )

    app.action(DETAILS_ACTION)(ack=ack_now, lazy=[open_details])
