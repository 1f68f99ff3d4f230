"""Modals of the approval flow: a reason for a rejection, the typed target for a critical approval.

The tool and the target (the model's) are shown as escaped inline code (agents.slack_text)."""

from __future__ import annotations

import json
from typing import Any

from agents.slack_text import inline_code
from bot.blocks import clip
from handlers.contracts import ApprovalCard

__all__ = ["CONFIRM_CALLBACK", "REJECT_CALLBACK", "confirm_modal", "reject_modal"]

REJECT_CALLBACK = "approval_reject_reason"
CONFIRM_CALLBACK = "approval_confirm"
INPUT_BLOCK = "answer"
INPUT_ACTION = "value"


def _modal(
    callback: str, card: ApprovalCard, channel: str, title: str, submit: str, prompt: str, label: str
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": json.dumps({"approval_id": card.approval_id, "channel": channel}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(prompt, 3000)}},
            {
                "type": "input",
                "block_id": INPUT_BLOCK,
                "label": {"type": "plain_text", "text": label},
                "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 2000},
            },
        ],
    }


def reject_modal(card: ApprovalCard, channel: str) -> dict[str, Any]:
    what = inline_code(card.tool, 80) + (f" on {inline_code(card.target, 200)}" if card.target else "")
    return _modal(
        REJECT_CALLBACK,
        card,
        channel,
        "Reject action",
        "Reject",
        f"Reject {what}? Your reason goes back to the agent.",
        "Reason",
    )


def confirm_modal(card: ApprovalCard, channel: str) -> dict[str, Any]:
    target = card.target or card.tool
    return _modal(
        CONFIRM_CALLBACK,
        card,
        channel,
        "Confirm critical action",
        "Approve",
        f":red_circle: This is a critical action: {inline_code(card.tool, 80)} on {inline_code(target, 200)}. "
        f"Type {inline_code(target, 200)} to approve it.",
        "Target name",
    )
