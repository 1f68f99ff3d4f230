"""The approval card as approvers see it, built by the real builders (`ApprovalState.card`, `approval_blocks`)."""

from __future__ import annotations

import json
from typing import Any

from agents.guardrails.masking import masked_placeholders
from agents.guardrails.sealed import VaultSealer
from approvals import Decision, Handling, ProposedAction, Tier
from bot.cards import approval_blocks
from bot.sandbox.block_kit import block_errors
from handlers.approval_object import ApprovalState
from handlers.contracts import ApprovalRequest

ADDRESS = "ops-lead@example.com"


def request(
    tier: Tier = Tier.HIGH,
    *,
    arguments: dict[str, Any] | None = None,
    sealed: str | None = None,
    ping_groups: bool = True,
) -> ApprovalRequest:
    action = ProposedAction(tool="notify", arguments=arguments or {"to": "<EMAIL_1>", "text": "it is fixed"})
    sealer = VaultSealer("a test key of some length")
    masked = masked_placeholders(sealer.open(sealed), action.arguments, types=frozenset({"EMAIL"}))
    return ApprovalRequest(
        approval_id="a-1",
        task_id="t-1",
        requester="U0ALICE",
        channel="C0OPS",
        thread_ts="1.0",
        agent="ops",
        action=action,
        action_hash="h" * 64,
        decision=Decision(
            tier=tier,
            handling=Handling.for_tier(tier),
            rules=[],
            reasons=["Matches rule `notify`."],
            reversible=False,
            approvers=["U0BOB", "S0ONCALL"],
            quorum=2 if tier is Tier.CRITICAL else 1,
            expiry_seconds=3600,
            reminder_seconds=None,
            escalate_to=None,
            confirm=tier is Tier.CRITICAL,
            blocked=False,
            block_reason=None,
            rule_hash="r" * 64,
        ),
        awakeable_id="awk-1",
        opened_at=1_767_225_600.0,
        masked=masked,
        ping_groups=ping_groups,
    )


def blocks_of(approval: ApprovalRequest) -> list[dict[str, Any]]:
    _, blocks = approval_blocks(ApprovalState(request=approval).card())
    return blocks


def test_restored_personal_data_is_shown_masked_beside_its_placeholder() -> None:
    sealed = VaultSealer("a test key of some length").seal({"<EMAIL_1>": ADDRESS, "<EMAIL_2>": "other@example.org"})

    blocks = blocks_of(request(sealed=sealed))

    [line] = [b for b in blocks if b["type"] == "context" and "Personal data" in json.dumps(b)]
    assert line["elements"][0]["text"] == (
        ":lock: Personal data, masked here, restored only in the approved call: `&lt;EMAIL_1&gt;` is `o***@example.com`"
    )
    shown = json.dumps(blocks)
    assert ADDRESS not in shown and "ops-lead" not in shown
    assert "other@example.org" not in shown and "EMAIL_2" not in shown, "only what this call would get back"


def test_a_card_without_personal_data_has_no_masked_line() -> None:
    assert "Personal data" not in json.dumps(blocks_of(request(arguments={"service": "api"})))
    assert "Personal data" not in json.dumps(blocks_of(request())), "nothing sealed: nothing to show"


def test_past_the_tasks_ping_cap_the_card_names_the_group_without_a_ping() -> None:
    pinging = json.dumps(blocks_of(request()))
    quiet = json.dumps(blocks_of(request(ping_groups=False)))

    assert "approvers: <@U0BOB>, <!subteam^S0ONCALL>" in pinging
    assert "approvers: <@U0BOB>, group `S0ONCALL`" in quiet
    assert "subteam" not in quiet


def actions_of(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    [actions] = [b for b in blocks if b["type"] == "actions"]
    elements: list[dict[str, Any]] = actions["elements"]
    return elements


def test_approve_on_a_high_card_asks_for_confirmation_first() -> None:
    blocks = blocks_of(request(arguments={"service": "api"}))

    assert actions_of(blocks) == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Approve"},
            "action_id": "approval_approve",
            "value": "a-1",
            "style": "primary",
            "confirm": {
                "title": {"type": "plain_text", "text": "Approve this action?"},
                "text": {"type": "mrkdwn", "text": "`notify` will run as shown on the card. It cannot be undone."},
                "confirm": {"type": "plain_text", "text": "Approve"},
                "deny": {"type": "plain_text", "text": "Cancel"},
                "style": "primary",
            },
        },
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Reject…"},
            "action_id": "approval_reject",
            "value": "a-1",
            "style": "danger",
        },
    ]
    assert block_errors(blocks) == [], "within Slack's limits, as the sandbox checks them"


def test_the_confirmation_text_stays_within_slacks_limit_and_shows_no_markup() -> None:
    long = request(arguments={"service": "api"}).model_copy(
        update={"action": ProposedAction(tool="t" * 200, target="<!channel> " + "x" * 400)}
    )
    blocks = blocks_of(long)
    [approve, _] = actions_of(blocks)
    text = approve["confirm"]["text"]["text"]

    assert len(text) <= 300 and "<!channel>" not in text
    assert block_errors(blocks) == []


def test_critical_keeps_its_typed_confirmation_modal_and_no_dialog() -> None:
    [approve, _] = actions_of(blocks_of(request(Tier.CRITICAL)))

    assert approve["text"]["text"] == "Approve…"
    assert "confirm" not in approve
