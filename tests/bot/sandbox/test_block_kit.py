"""Slack's Block Kit limits, checked without a running sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.block_kit import MODAL_MAX_BLOCKS, block_errors, blocks_json_length


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(**overrides: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}, **overrides}


def test_a_typical_card_is_fine() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Approval needed"}},
        {**section("*restart* `api`"), "fields": [{"type": "mrkdwn", "text": "tier: high"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "requested by <@U0ALICE>"}]},
        {"type": "actions", "elements": [button(style="primary"), button(action_id="no", style="danger")]},
    ]

    assert block_errors(blocks) == []


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button(text={"type": "plain_text", "text": "b" * 76})]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button(value="v" * 2001)]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
            "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
        ),
        (
            [{"type": "actions", "elements": [button(action_id=f"b{i}") for i in range(26)]}],
            "must be less than 26 items [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "must be less than 11 items [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
        ),
        ([section("ok")] * 51, "must be less than 51 items [json-pointer:/blocks]"),
        ([{"type": "carousel"}], "unsupported block type: carousel [json-pointer:/blocks/0/type]"),
        (
            [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            "must be a valid enum value [json-pointer:/blocks/0/text/type]",
        ),
        (
            [{"type": "actions", "elements": [button(style="green")]}],
            "must be a valid enum value [json-pointer:/blocks/0/elements/0/style]",
        ),
        ([{"type": "section"}], "must provide text or fields [json-pointer:/blocks/0]"),
    ],
)
def test_slacks_limits_are_enforced_with_slacks_messages(blocks: list[Any], expected: str) -> None:
    assert expected in block_errors(blocks)


def test_modals_allow_a_hundred_blocks() -> None:
    assert block_errors([section("x")] * 100, max_blocks=MODAL_MAX_BLOCKS) == []
    assert block_errors([section("x")] * 101, max_blocks=MODAL_MAX_BLOCKS) == [
        "must be less than 101 items [json-pointer:/blocks]"
    ]


def test_blocks_must_be_a_list_of_objects() -> None:
    assert block_errors({"type": "divider"}) == ["must provide an array [json-pointer:/blocks]"]
    assert block_errors(["divider"]) == ["must provide an object [json-pointer:/blocks/0]"]


def test_duplicate_block_ids_are_refused() -> None:
    blocks = [{"type": "divider", "block_id": "d"}, {"type": "divider", "block_id": "d"}]

    assert block_errors(blocks) == ["duplicate block_id: d [json-pointer:/blocks/1/block_id]"]


def test_json_length_is_measured_compactly() -> None:
    assert blocks_json_length([{"type": "divider"}]) == len('[{"type":"divider"}]')
