"""`read_result`: the model reads a tool result that was cut, a slice at a time, from the conversation itself.

The loop keeps every tool result whole in its messages; only the request sent to the model is cut
(`results.truncate_result`). A reference therefore names a block the conversation already holds, and answering it
is a pure function of the messages: the same on a replay (journaled by construction), with no store, no side
effect and nothing for the gate to decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeGuard

from agents.context.conversation import split_conversation
from agents.context.results import result_ref
from agents.messages import Message, ToolResultBlock, ToolUseBlock
from agents.tools import ToolAnnotations, ToolResult, ToolSpec

__all__ = ["DEFAULT_LENGTH", "MAX_LENGTH", "READ_RESULT", "answer_read_result", "read_result_tool", "recall"]

READ_RESULT = "read_result"
DEFAULT_LENGTH = 1_500
MAX_LENGTH = 1_800
"""A slice and its header stay under the context manager's default cut (2,000), so a slice is never cut again."""
REF_PATTERN = r"^ref:(\d+):([A-Za-z0-9_-]+)$"
_REF = re.compile(REF_PATTERN)


def read_result_tool(max_length: int = MAX_LENGTH) -> ToolSpec:
    """The tool the model sees; `max_length` should leave a slice's header room under `max_result_chars`."""
    return ToolSpec(
        name=READ_RESULT,
        description=(
            "Read a part of an earlier tool result that was shown cut (it says `call read_result with ref=…`). "
            "Give the ref and the character offset to start at; the answer says which characters it holds and "
            "the offset of the next part."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "ref": {"type": "string", "pattern": REF_PATTERN, "description": "The result, e.g. ref:3:toolu_01."},
                "offset": {"type": "integer", "minimum": 0, "description": "First character to read (0-based)."},
                "length": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": max_length,
                    "description": f"How many characters to read (default {min(DEFAULT_LENGTH, max_length)}).",
                },
            },
            "required": ["ref", "offset"],
            "additionalProperties": False,
        },
        annotations=ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
        server="opsgate",
    )


def recall(messages: Sequence[Message], ref: str, offset: int = 0, length: int = DEFAULT_LENGTH) -> ToolResult:
    """Characters `offset` to `offset + length` of the result `ref` names, under a header that says which part
    this is and where the next one starts; an error the model can act on for a ref or offset that names nothing."""
    found = _find(messages, ref)
    if isinstance(found, str):
        return _refused(found)
    content = found.content
    total = len(content)
    if offset < 0 or offset > total or (offset == total and total > 0):
        return _refused(
            f"offset {offset} is past the end of {ref}, which has {total} characters; "
            f"use an offset from 0 to {max(0, total - 1)}."
        )
    end = min(total, offset + max(1, length))
    rest = (
        f'the rest: call read_result with ref="{ref}" offset={end}' if end < total else "this is the end of the result"
    )
    return ToolResult(content=f"[{ref}, characters {offset}–{end} of {total}; {rest}]\n{content[offset:end]}")


def answer_read_result(messages: Sequence[Message], call: ToolUseBlock, max_length: int = MAX_LENGTH) -> ToolResult:
    """A `read_result` call answered from `messages`, its arguments checked against the tool's schema first (the
    call does not pass the gate, which would check them otherwise)."""
    arguments: dict[str, Any] = call.input
    ref, offset = arguments.get("ref"), arguments.get("offset")
    length = arguments.get("length", min(DEFAULT_LENGTH, max_length))
    unknown = sorted(set(arguments) - {"ref", "offset", "length"})
    if unknown:
        return _refused(f"unknown argument(s) {', '.join(unknown)}; read_result takes ref, offset and length.")
    if not isinstance(ref, str) or not _REF.fullmatch(ref):
        return _refused(f"ref must look like ref:<turn>:<call id> (e.g. ref:3:toolu_01), not {ref!r}.")
    if not _is_int(offset) or offset < 0:
        return _refused(f"offset must be a whole number of characters, 0 or more, not {offset!r}.")
    if not _is_int(length) or not 1 <= length <= max_length:
        return _refused(f"length must be a whole number from 1 to {max_length}, not {length!r}.")
    return recall(messages, ref, offset, length)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _find(messages: Sequence[Message], ref: str) -> ToolResultBlock | str:
    """The result block `ref` names (the turn as `result_ref` numbers it), or why there is none."""
    match = _REF.fullmatch(ref)
    if match is None:
        return f"ref must look like ref:<turn>:<call id> (e.g. ref:3:toolu_01), not {ref!r}."
    turn, call_id = int(match.group(1)), match.group(2)
    _, exchanges = split_conversation(messages)
    located = [
        (exchange.turn, block)
        for exchange in exchanges
        if exchange.reply is not None
        for block in exchange.reply.content
        if isinstance(block, ToolResultBlock)
    ]
    for at, block in located:
        if at == turn and block.tool_use_id == call_id:
            return block
    elsewhere = [result_ref(at, block.tool_use_id) for at, block in located if block.tool_use_id == call_id]
    if elsewhere:
        return f"no result {ref} in this conversation; that call's result is {elsewhere[0]}."
    return f"no result {ref} in this conversation: no tool call {call_id} has a result in turn {turn}."


def _refused(reason: str) -> ToolResult:
    return ToolResult(content=f"read_result: {reason}", is_error=True, error_kind="arguments")
