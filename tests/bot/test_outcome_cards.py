"""The card of an outcome question (did this action, whose outcome is unknown, happen?), built by the real builders
(`ApprovalState.card`, `approval_blocks`), within Slack's limits and showing untrusted text as text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from approvals import Tier
from bot.cards import (
    APPROVE_ACTION,
    OUTCOME_HAPPENED_ACTION,
    OUTCOME_NOT_HAPPENED_ACTION,
    OUTCOME_RERUN_ACTION,
    approval_blocks,
)
from bot.sandbox.block_kit import block_errors
from handlers.approval_object import ApprovalState
from handlers.contracts import ApprovalCard, ApprovalRequest, ApprovalStatus
from tests.bot.test_cards import request
from tests.bot.test_slack_escaping import EXAMPLES, UNTRUSTED, assert_only_ours

WHY = "The call was sent, then failed before it answered (it timed out): it may or may not have taken effect."


def question(tier: Tier = Tier.HIGH, **update: Any) -> ApprovalRequest:
    return request(tier).model_copy(update={"kind": "outcome", "uncertainty": WHY, **update})


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_a_pending_question_asks_whether_it_happened_with_two_buttons() -> None:
    fallback, blocks = approval_blocks(ApprovalState(request=question()).card())

    assert block_errors(blocks) == []
    assert blocks[0]["text"]["text"] == "Did this happen? notify"
    assert WHY in json.dumps(blocks, ensure_ascii=False)
    shown = buttons(blocks)
    assert list(shown) == [OUTCOME_HAPPENED_ACTION, OUTCOME_NOT_HAPPENED_ACTION]
    assert all(button["value"] == "a-1" for button in shown.values())
    confirm = shown[OUTCOME_NOT_HAPPENED_ACTION]["confirm"]
    assert confirm["text"]["text"] == "The agent may then run `notify` once more. Say so only if you checked."
    assert APPROVE_ACTION not in json.dumps(blocks, ensure_ascii=False)
    assert fallback == ":grey_question: Did notify happen? Its outcome is unknown; a person must say."
    assert "*Who may answer*\n<@U0BOB>, <!subteam^S0ONCALL>" in json.dumps(blocks).replace("\\n", "\n")


def test_run_it_again_is_offered_only_where_the_question_says_so() -> None:
    _, blocks = approval_blocks(ApprovalState(request=question(rerun=True)).card())

    assert list(buttons(blocks)) == [OUTCOME_HAPPENED_ACTION, OUTCOME_NOT_HAPPENED_ACTION, OUTCOME_RERUN_ACTION]
    assert block_errors(blocks) == []


def test_an_answered_question_says_who_answered_and_keeps_no_buttons() -> None:
    state = ApprovalState(
        request=question(), status=ApprovalStatus.NOT_HAPPENED, decided_by=["U0CAROL"], decided_at=1_767_225_900.0
    )

    fallback, blocks = approval_blocks(state.card())

    assert buttons(blocks) == {}
    assert ":x: It did not happen · said by <@U0CAROL> · <!date^1767225900^" in json.dumps(blocks, ensure_ascii=False)
    assert fallback == "notify: not happened"
    assert block_errors(blocks) == []


def test_reminders_and_escalations_name_the_question_not_an_approval() -> None:
    assert ApprovalState(request=question()).what() == "the question whether `notify` happened"
    assert ApprovalState(request=request()).what() == "the approval for `notify`"


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED)
def test_the_question_shows_untrusted_text_as_text(untrusted: str) -> None:
    card = ApprovalCard.model_validate(
        {
            **ApprovalState(request=question()).card().model_dump(),
            "arguments": {"to": untrusted, "nested": [untrusted]},
            "target": untrusted or None,
            "rationale": untrusted,
            "uncertainty": untrusted,
            "requester": "U0ALICE",
            "approvers": ["U0CAROL", "S0ONCALL"],
        }
    )

    fallback, blocks = approval_blocks(card)

    assert_only_ours(fallback, blocks)
