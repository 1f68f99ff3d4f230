"""The answer to a well-formed Slack request that no listener handles: a 2xx, always, over HTTP and Socket Mode.

Bare Bolt answers such a request 404 `{"error": "unhandled request"}`: Slack then redelivers an event (and
switches event delivery off when most fail), shows the person an error for an interaction, and in Socket Mode
the envelope is never acknowledged at all. The app is built with `raise_error_for_unhandled_request`, so Bolt
hands the request to `answer_error` once every listener has passed on it; listeners added later keep working,
since this runs only after all of them. The request was signed and allowed by then (bot.http, bot.allowlist).

What is ignored is logged by its type and ids, never by its text. A modal of ours that a newer version renamed
says so in the modal; a renamed button of ours is answered by bot.listeners.actions.older_cards.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse

__all__ = ["OLDER_CARD", "OLDER_MODAL", "OUR_ID", "answer_error", "describe"]

log = logging.getLogger(__name__)

OUR_ID = re.compile(r"\A(approval|task)_[A-Za-z0-9_.:-]*\Z")
"""The action and callback ids opsgate puts on its cards and modals (bot.cards, bot.blocks, bot.reports,
bot.modals) all look like this; one that matches and that no listener knows comes from an older version."""
OLDER_CARD = (
    "This card is from an older version of opsgate; its buttons no longer work. "
    "`/ops status` lists your tasks and `/ops approvals` the approvals waiting on you."
)
OLDER_MODAL = (
    "This form is from an older version of opsgate, so nothing was recorded. Close it; "
    "`/ops approvals` lists the approvals waiting on you."
)
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.:/-]")


def _id(value: Any) -> str:
    """An id fit for a log line: Slack's ids and ours are short and plain; anything else is cut and masked."""
    return _SAFE_ID.sub("?", value[:64]) if isinstance(value, str) else "-"


def describe(body: dict[str, Any]) -> str:
    """What kind of request this is, by type, subtype and ids (never a person's text)."""
    if "command" in body:
        return f"slash command {_id(body.get('command'))}"
    kind = _id(body.get("type")) if "type" in body else "request"
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        subtype = event.get("subtype")
        return f"event {_id(event.get('type'))}" + (f"/{_id(subtype)}" if subtype else "")
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        first = actions[0]
        return f"{kind} {_id(first.get('action_id') or first.get('name'))}"
    view = body.get("view")
    callback = body.get("callback_id") or (view.get("callback_id") if isinstance(view, dict) else None)
    action = body.get("action_id")
    return f"{kind} {_id(callback or action)}" if callback or action else kind


def _older_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "opsgate"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": OLDER_MODAL}}],
    }


def unhandled_answer(body: dict[str, Any]) -> BoltResponse:
    """The 200 for a request nobody handles; its body is what Slack expects for the kind."""
    kind = body.get("type")
    if kind in ("block_suggestion", "dialog_suggestion"):  # an empty list, not an error in the select menu
        return BoltResponse(status=200, body={"options": []})
    view = body.get("view")
    if kind == "view_submission" and isinstance(view, dict) and OUR_ID.match(str(view.get("callback_id"))):
        return BoltResponse(status=200, body={"response_action": "update", "view": _older_modal()})
    return BoltResponse(status=200, body="")


async def answer_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """Bolt's error handler: an unhandled request is acknowledged; any other error is logged and stays a 500,
    as Bolt's default handler leaves it."""
    if not isinstance(error, BoltUnhandledRequestError):
        log.error("a listener or middleware failed on a Slack %s", describe(body), exc_info=error)
        return None
    if body.get("type") == "app_rate_limited":  # Slack is dropping this workspace's events for a minute
        log.warning(
            "Slack rate-limited the events of workspace %s (minute %s)",
            _id(body.get("team_id")),
            _id(str(body.get("minute_rate_limited"))),
        )
    else:
        log.info("acknowledged a Slack %s that no listener handles", describe(body))
    return unhandled_answer(body)
