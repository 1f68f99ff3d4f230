"""Block Kit checks with Slack's limits, so a card that Slack would refuse is refused here too.

slack_sdk's block models check lengths only in `to_dict()` and never count blocks or measure the total, so
without these checks a too-large approval card would pass every test and fail in the first real workspace.
Errors read like Slack's: `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_MAX_BLOCKS = 50
MODAL_MAX_BLOCKS = 100
MAX_BLOCKS_JSON_CHARS = 12_000
KNOWN_BLOCK_TYPES = frozenset({"section", "header", "context", "divider", "actions", "image", "input", "rich_text"})
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
BUTTON_STYLES = frozenset({"primary", "danger"})


def blocks_json_length(blocks: list[Any]) -> int:
    """The size Slack measures for `msg_blocks_too_long`: the compact JSON of the blocks."""
    return len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False))


def block_errors(blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS, pointer: str = "/blocks") -> list[str]:
    """Every reason Slack would answer `invalid_blocks` for these blocks; empty when they are fine."""
    checker = _BlockChecker()
    checker.check_blocks(blocks, max_blocks, pointer)
    return checker.errors


class _BlockChecker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def check_blocks(self, blocks: Any, max_blocks: int, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must provide an array", pointer)
            return
        self.check_count(blocks, max_blocks, pointer)
        seen_block_ids: set[str] = set()
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index}"
            if not isinstance(block, dict):
                self.fail("must provide an object", here)
                continue
            block_id = block.get("block_id")
            if block_id is not None:
                self.check_string(block_id, 255, f"{here}/block_id")
                if block_id in seen_block_ids:
                    self.fail(f"duplicate block_id: {block_id}", f"{here}/block_id")
                seen_block_ids.add(str(block_id))
            self.check_block(block, here)

    def check_block(self, block: dict[str, Any], here: str) -> None:
        kind = block.get("type")
        if kind not in KNOWN_BLOCK_TYPES:
            self.fail(f"unsupported block type: {kind}", f"{here}/type")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail("must provide text or fields", here)
            if "text" in block:
                self.check_text(block["text"], 3000, f"{here}/text")
            if "fields" in block:
                self.check_fields(block["fields"], f"{here}/fields")
            if "accessory" in block:
                self.check_element(block["accessory"], f"{here}/accessory")
        elif kind == "header":
            self.check_text(self.required(block, "text", here), 150, f"{here}/text", plain_only=True)
        elif kind == "context":
            elements = self.required(block, "elements", here)
            self.check_count(elements, 10, f"{here}/elements")
            for index, element in enumerate(elements if isinstance(elements, list) else []):
                if isinstance(element, dict) and element.get("type") == "image":
                    self.check_image(element, f"{here}/elements/{index}")
                else:
                    self.check_text(element, 3000, f"{here}/elements/{index}")
        elif kind == "actions":
            elements = self.required(block, "elements", here)
            self.check_count(elements, 25, f"{here}/elements")
            for index, element in enumerate(elements if isinstance(elements, list) else []):
                self.check_element(element, f"{here}/elements/{index}")
        elif kind == "image":
            self.check_image(block, here)
        elif kind == "input":
            self.check_text(self.required(block, "label", here), 2000, f"{here}/label", plain_only=True)
            self.required(block, "element", here)
        elif kind == "rich_text":
            self.required(block, "elements", here)

    def required(self, block: dict[str, Any], name: str, here: str) -> Any:
        if name not in block:
            self.fail(f"missing required field: {name}", here)
        return block.get(name)

    def check_count(self, items: Any, limit: int, pointer: str) -> None:
        if not isinstance(items, list):
            self.fail("must provide an array", pointer)
        elif len(items) > limit:
            self.fail(f"must be less than {limit + 1} items", pointer)

    def check_string(self, value: Any, limit: int, pointer: str) -> None:
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def check_text(self, text: Any, limit: int, pointer: str, *, plain_only: bool = False) -> None:
        if not isinstance(text, dict):
            self.fail("must provide an object", pointer)
            return
        allowed = {"plain_text"} if plain_only else TEXT_TYPES
        if text.get("type") not in allowed:
            self.fail("must be a valid enum value", f"{pointer}/type")
        value = text.get("text")
        if isinstance(value, str) and not value:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        else:
            self.check_string(value, limit, f"{pointer}/text")

    def check_fields(self, fields: Any, pointer: str) -> None:
        self.check_count(fields, 10, pointer)
        for index, field_text in enumerate(fields if isinstance(fields, list) else []):
            self.check_text(field_text, 2000, f"{pointer}/{index}")

    def check_image(self, image: dict[str, Any], pointer: str) -> None:
        self.check_string(self.required(image, "image_url", pointer), 3000, f"{pointer}/image_url")
        self.check_string(self.required(image, "alt_text", pointer), 2000, f"{pointer}/alt_text")

    def check_element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict):
            self.fail("must provide an object", pointer)
            return
        if "action_id" in element:
            self.check_string(element["action_id"], 255, f"{pointer}/action_id")
        if element.get("type") != "button":
            return  # other interactive elements are accepted as they are
        self.check_text(self.required(element, "text", pointer), 75, f"{pointer}/text", plain_only=True)
        if "value" in element:
            self.check_string(element["value"], 2000, f"{pointer}/value")
        if "url" in element:
            self.check_string(element["url"], 3000, f"{pointer}/url")
        if "style" in element and element["style"] not in BUTTON_STYLES:
            self.fail("must be a valid enum value", f"{pointer}/style")
        if "confirm" in element:
            self.check_confirm(element["confirm"], f"{pointer}/confirm")

    def check_confirm(self, dialog: Any, pointer: str) -> None:
        """A confirmation dialog object: Slack's limits (title 100, text 300, buttons 30 characters)."""
        if not isinstance(dialog, dict):
            self.fail("must provide an object", pointer)
            return
        self.check_text(self.required(dialog, "title", pointer), 100, f"{pointer}/title", plain_only=True)
        self.check_text(self.required(dialog, "text", pointer), 300, f"{pointer}/text")
        self.check_text(self.required(dialog, "confirm", pointer), 30, f"{pointer}/confirm", plain_only=True)
        self.check_text(self.required(dialog, "deny", pointer), 30, f"{pointer}/deny", plain_only=True)
        if "style" in dialog and dialog["style"] not in BUTTON_STYLES:
            self.fail("must be a valid enum value", f"{pointer}/style")
