"""The approval card: pure functions from `ApprovalCard` to Block Kit, within Slack's limits.

Button values carry only the approval id; the card never shows or holds the task's awakeable. Everything on the
card that came from the model, a tool or a person (arguments, target, dry run, reasons, rationale, a rejection
reason) is escaped where it is inserted (agents.slack_text): the surface approvers trust shows no mention, ping,
link or code fence that opsgate did not put there.

An outcome question (an approval of kind `outcome`) has a card of its own (`outcome_blocks`): did this action,
whose outcome is unknown, happen? *It happened* / *It did not happen* (and *Run it again* where offered).
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from agents.guardrails import GuardrailsConfig, InputGuardrails
from agents.slack_text import approver_mention, code_block, escape, inline_code, mention, quote
from approvals import Tier
from bot.blocks import SECTION_LIMIT, clip
from handlers.contracts import ApprovalCard, ApprovalStatus

__all__ = [
    "APPROVE_ACTION",
    "OUTCOME_HAPPENED_ACTION",
    "OUTCOME_NOT_HAPPENED_ACTION",
    "OUTCOME_RERUN_ACTION",
    "REJECT_ACTION",
    "approval_blocks",
    "outcome_blocks",
]

APPROVE_ACTION = "approval_approve"
REJECT_ACTION = "approval_reject"
OUTCOME_HAPPENED_ACTION = "approval_outcome_happened"
OUTCOME_NOT_HAPPENED_ACTION = "approval_outcome_not_happened"
OUTCOME_RERUN_ACTION = "approval_outcome_rerun"
ARGUMENTS_LIMIT = 2500
_BADGE = {
    Tier.LOW: ":large_green_circle: Low risk",
    Tier.MEDIUM: ":large_yellow_circle: Medium risk",
    Tier.HIGH: ":large_orange_circle: High risk",
    Tier.CRITICAL: ":red_circle: Critical",
}
_DONE = {
    ApprovalStatus.APPROVED: ":white_check_mark: Approved",
    ApprovalStatus.REJECTED: ":no_entry: Rejected",
    ApprovalStatus.EXPIRED: ":hourglass: Expired",
    ApprovalStatus.CANCELLED: ":heavy_multiplication_x: Cancelled",
    ApprovalStatus.VOIDED: ":recycle: Voided: the policy changed after approval, so it was asked again",
    ApprovalStatus.HAPPENED: ":white_check_mark: It happened",
    ApprovalStatus.NOT_HAPPENED: ":x: It did not happen",
    ApprovalStatus.RERUN: ":repeat: Run it again",
}


def _when(epoch: float) -> str:
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {{time}}|{fallback}>"


def _who(ids: list[str], *, ping_groups: bool = True) -> str:
    return ", ".join(approver_mention(i, ping_groups=ping_groups) for i in ids) or "nobody"


@functools.cache
def _redactor() -> InputGuardrails:
    """Redaction only: the card's text is never judged for injection here, so the learned detector is not run."""
    return InputGuardrails(GuardrailsConfig.for_tool_output().model_copy(update={"detector": False}))


def _arguments(card: ApprovalCard) -> str:
    """The arguments as approvers see them: secrets redacted, personal data as its pseudonyms (as the model saw)."""
    text = _redactor().check(json.dumps(card.arguments, indent=2, ensure_ascii=False, sort_keys=True)).text
    if len(text) > ARGUMENTS_LIMIT:
        text = text[:ARGUMENTS_LIMIT] + f"\n… (truncated: {len(text)} characters; see task {card.task_id})"
    return code_block(text, SECTION_LIMIT)


def _masked(masked: dict[str, str]) -> str:
    """The personal data the approved call gets back, masked: enough to recognise, never the value itself."""
    shown = ", ".join(
        f"{inline_code(placeholder, 40)} is {inline_code(value, 120)}" for placeholder, value in masked.items()
    )
    return clip(f":lock: Personal data, masked here, restored only in the approved call: {shown}", 2000)


def approval_blocks(card: ApprovalCard) -> tuple[str, list[dict[str, Any]]]:
    if card.kind == "outcome":
        return outcome_blocks(card)
    what = inline_code(card.tool, 80) + (f" on {inline_code(card.target, 200)}" if card.target else "")
    yes = sum(1 for v in card.votes if v.approve)
    fields = [
        f"*Requested by*\n{mention(card.requester)}",
        f"*Reversible*\n{'yes' if card.reversible else 'no'}",
        f"*Approvals*\n{yes} of {card.quorum}",
        f"*Expires*\n{_when(card.expires_at)}",
        "*Agent confidence*\n"
        + (f"{card.confidence:.0%}" if card.confidence is not None else "not stated (counts as low)"),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(f"Approval needed: {card.tool}", 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(f"{_BADGE[card.tier]} · {what}", SECTION_LIMIT)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {"type": "section", "text": {"type": "mrkdwn", "text": _arguments(card)}},
    ]
    if card.masked:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _masked(card.masked)}]})
    if card.preview:
        preview = code_block(_redactor().check(card.preview).text, ARGUMENTS_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Dry run:*\n{preview}"}})
    why = "\n".join(f"• {escape(reason, 500)}" for reason in card.reasons)
    if why:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip("*Why:*\n" + why, SECTION_LIMIT)}})
    context = []
    if card.rationale:
        context.append(f"Agent: {escape(card.rationale, 400)}")
    context.append(f"approvers: {_who(card.approvers, ping_groups=card.ping_groups)}")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(" · ".join(context), 2000)}]})
    if card.status is ApprovalStatus.PENDING:
        hint = " (you will be asked to type the target's name)" if card.confirm else ""
        blocks.append(
            {
                "type": "actions",
                "block_id": f"approval:{card.approval_id}",
                "elements": [
                    _button("Approve" + ("…" if card.confirm else ""), APPROVE_ACTION, card.approval_id, "primary")
                    | _approve_confirm(card),
                    _button("Reject…", REJECT_ACTION, card.approval_id, "danger"),
                ],
            }
        )
        if hint:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Critical action" + hint}]})
    else:
        outcome = f"{_DONE[card.status]} by {_who(card.decided_by)}" if card.decided_by else _DONE[card.status]
        if card.decided_at:
            outcome += f" · {_when(card.decided_at)}"
        if card.reason and card.status is not ApprovalStatus.APPROVED:
            outcome += "\n" + quote(card.reason, 500)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(outcome, SECTION_LIMIT)}})
    tool = escape(card.tool, 80)
    fallback = (
        f"{_BADGE[card.tier]}: {tool} needs approval"
        if card.status is ApprovalStatus.PENDING
        else f"{tool}: {card.status.value}"
    )
    return fallback, blocks


def _approve_confirm(card: ApprovalCard) -> dict[str, Any]:
    """High: Slack asks "are you sure?" before the click is sent, so one stray click approves nothing. (Critical
    opens a modal with a typed confirmation instead; the other tiers have no card.)"""
    if card.tier is not Tier.HIGH or card.confirm:
        return {}
    reversible = "It can be undone." if card.reversible else "It cannot be undone."
    what = inline_code(card.tool, 60) + (f" on {inline_code(card.target, 150)}" if card.target else "")  # ≤ 300
    return {
        "confirm": {
            "title": {"type": "plain_text", "text": "Approve this action?"},
            "text": {"type": "mrkdwn", "text": clip(f"{what} will run as shown on the card. {reversible}", 300)},
            "confirm": {"type": "plain_text", "text": "Approve"},
            "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "primary",
        }
    }


def _button(text: str, action_id: str, value: str, style: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
        "style": style,
    }


def outcome_blocks(card: ApprovalCard) -> tuple[str, list[dict[str, Any]]]:
    """The card of an outcome question: what ran (or may have), why its outcome is unknown, who may answer."""
    what = inline_code(card.tool, 80) + (f" on {inline_code(card.target, 200)}" if card.target else "")
    fields = [
        f"*Requested by*\n{mention(card.requester)}",
        f"*Who may answer*\n{_who(card.approvers, ping_groups=card.ping_groups)}",
        f"*Expires*\n{_when(card.expires_at)}",
    ]
    why = escape(card.uncertainty or "Its outcome is unknown.", 500)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(f"Did this happen? {card.tool}", 150)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(f"{_BADGE[card.tier]} · {what}\n:grey_question: {why}", 3000)},
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {"type": "section", "text": {"type": "mrkdwn", "text": _arguments(card)}},
    ]
    if card.rationale:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Agent: {escape(card.rationale, 400)}"}]}
        )
    if card.status is ApprovalStatus.PENDING:
        elements = [
            _button("It happened", OUTCOME_HAPPENED_ACTION, card.approval_id, "primary"),
            _button("It did not happen…", OUTCOME_NOT_HAPPENED_ACTION, card.approval_id, "danger")
            | _not_happened_confirm(card),
        ]
        if card.rerun:
            elements.append(_button("Run it again", OUTCOME_RERUN_ACTION, card.approval_id, "primary"))
        blocks.append({"type": "actions", "block_id": f"outcome:{card.approval_id}", "elements": elements})
        hint = "Check first: *It did not happen* lets the agent try once more; *It happened* lets nothing run again."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    else:
        said = f"{_DONE[card.status]} · said by {_who(card.decided_by)}" if card.decided_by else _DONE[card.status]
        if card.decided_at:
            said += f" · {_when(card.decided_at)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(said, SECTION_LIMIT)}})
    tool = escape(card.tool, 80)
    if card.status is ApprovalStatus.PENDING:
        fallback = f":grey_question: Did {tool} happen? Its outcome is unknown; a person must say."
    else:
        fallback = f"{tool}: {card.status.value.replace('_', ' ')}"
    return fallback, blocks


def _not_happened_confirm(card: ApprovalCard) -> dict[str, Any]:
    what = inline_code(card.tool, 60) + (f" on {inline_code(card.target, 150)}" if card.target else "")  # ≤ 300
    return {
        "confirm": {
            "title": {"type": "plain_text", "text": "It did not happen?"},
            "text": {
                "type": "mrkdwn",
                "text": clip(f"The agent may then run {what} once more. Say so only if you checked.", 300),
            },
            "confirm": {"type": "plain_text", "text": "It did not happen"},
            "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "danger",
        }
    }
