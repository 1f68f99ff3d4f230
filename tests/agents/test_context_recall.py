"""`read_result` keeps the cut marker's word: the model reads the whole result back from the conversation."""

from __future__ import annotations

import re

import pytest

from agents.context import (
    READ_RESULT,
    ContextConfig,
    ContextManager,
    answer_read_result,
    read_result_tool,
    recall,
    truncate_result,
)
from agents.context.recall import MAX_LENGTH
from agents.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock

LOG = "\n".join(f"2026-12-07T03:{i % 60:02d}:00 INFO api handled /v1/x{i} in {i % 90}ms" for i in range(600))
OTHER = "db: healthy, 3 of 3 replicas"
MARKER = re.compile(r'call read_result with ref="(ref:\d+:[\w-]+)" offset=(\d+)\]')


def _conversation() -> list[Message]:
    """Two turns; the long log is turn 2's result, as the loop keeps it: whole."""
    return [
        Message.user_text("why is api slow?"),
        Message(role="assistant", content=[ToolUseBlock(id="toolu_db", name="status", input={"service": "db"})]),
        Message(role="user", content=[ToolResultBlock(tool_use_id="toolu_db", content=OTHER)]),
        Message(
            role="assistant",
            content=[TextBlock(text="Reading the logs."), ToolUseBlock(id="toolu_log", name="get_logs", input={})],
        ),
        Message(role="user", content=[ToolResultBlock(tool_use_id="toolu_log", content=LOG)]),
        Message(role="assistant", content=[ToolUseBlock(id="toolu_read", name=READ_RESULT, input={})]),
    ]


def _read(messages: list[Message], arguments: dict[str, object]) -> tuple[str, bool]:
    result = answer_read_result(messages, ToolUseBlock(id="toolu_r", name=READ_RESULT, input=arguments))
    return result.content, result.is_error


def test_the_cut_result_names_a_ref_and_offset_that_read_on_exactly_where_the_head_ends() -> None:
    messages = _conversation()
    window = ContextManager(ContextConfig(max_result_chars=1_000)).prepare("system", messages[:-1], [])
    [shown] = [b for m in window.request.messages for b in m.content if isinstance(b, ToolResultBlock)][-1:]
    found = MARKER.search(shown.content)
    assert found is not None, shown.content
    ref, offset = found.group(1), int(found.group(2))
    assert ref == "ref:2:toolu_log"
    assert shown.content[:offset] == LOG[:offset]  # the head the model saw ends at the offset it is told

    content, is_error = _read(messages, {"ref": ref, "offset": offset})
    assert not is_error
    header, body = content.split("\n", 1)
    end = offset + 1_500
    assert (
        header
        == f'[{ref}, characters {offset}–{end} of {len(LOG)}; the rest: call read_result with ref="{ref}" offset={end}]'
    )
    assert body == LOG[offset:end]


def test_reading_on_from_each_next_offset_yields_the_whole_result_and_says_where_it_ends() -> None:
    messages = _conversation()
    parts, offset = [], 0
    for _ in range(100):  # bounded
        result = recall(messages, "ref:2:toolu_log", offset, 1_000)
        assert not result.is_error
        header, body = result.content.split("\n", 1)
        parts.append(body)
        following = re.search(r"offset=(\d+)\]$", header)
        if following is None:
            assert header.endswith("this is the end of the result]")
            break
        offset = int(following.group(1))
    assert "".join(parts) == LOG
    assert (
        recall(messages, "ref:1:toolu_db").content
        == f"[ref:1:toolu_db, characters 0–{len(OTHER)} of {len(OTHER)}; this is the end of the result]\n{OTHER}"
    )


def test_recall_is_a_pure_function_of_the_conversation() -> None:
    assert recall(_conversation(), "ref:2:toolu_log", 700, 300) == recall(_conversation(), "ref:2:toolu_log", 700, 300)


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"ref": "ref:1:toolu_log", "offset": 0}, "that call's result is ref:2:toolu_log"),
        ({"ref": "ref:2:toolu_nope", "offset": 0}, "no tool call toolu_nope has a result in turn 2"),
        ({"ref": "ref:9:toolu_log", "offset": 0}, "that call's result is ref:2:toolu_log"),
        ({"ref": "ref:2:toolu_log", "offset": len(LOG)}, f"past the end of ref:2:toolu_log, which has {len(LOG)}"),
        ({"ref": "ref:2:toolu_log", "offset": 10**9}, f"use an offset from 0 to {len(LOG) - 1}"),
        ({"ref": "toolu_log", "offset": 0}, "ref must look like ref:<turn>:<call id>"),
        ({"ref": "ref:2:toolu_log", "offset": -1}, "offset must be a whole number"),
        ({"ref": "ref:2:toolu_log", "offset": True}, "offset must be a whole number"),
        ({"ref": "ref:2:toolu_log"}, "offset must be a whole number"),
        ({"ref": "ref:2:toolu_log", "offset": 0, "length": MAX_LENGTH + 1}, f"from 1 to {MAX_LENGTH}"),
        ({"ref": "ref:2:toolu_log", "offset": 0, "path": "/etc"}, "unknown argument(s) path"),
    ],
)
def test_refs_and_offsets_that_name_nothing_get_an_error_the_model_can_act_on(
    arguments: dict[str, object], says: str
) -> None:
    content, is_error = _read(_conversation(), arguments)
    assert is_error
    assert content.startswith("read_result: ")
    assert says in content


def test_the_tool_is_read_only_opsgates_own_and_its_schema_bounds_the_arguments() -> None:
    spec = read_result_tool()
    definition = spec.for_model()
    schema = definition["input_schema"]
    assert definition["name"] == READ_RESULT == "read_result"
    assert set(schema["properties"]) == {"ref", "offset", "length"}  # no confidence fields: it only reads
    assert schema["required"] == ["ref", "offset"]
    assert re.fullmatch(schema["properties"]["ref"]["pattern"], "ref:12:toolu_01A-b_c")
    assert schema["properties"]["offset"]["minimum"] == 0
    assert schema["properties"]["length"]["maximum"] == MAX_LENGTH
    assert spec.annotations.read_only and not spec.annotations.open_world


def test_a_full_slice_with_its_header_is_never_cut_again_by_the_default_window() -> None:
    content, _ = _read(_conversation(), {"ref": "ref:2:toolu_log", "offset": 0, "length": MAX_LENGTH})
    limit = ContextConfig().max_result_chars
    assert len(content) <= limit
    assert truncate_result(content, "ref:3:toolu_r", limit) == content
