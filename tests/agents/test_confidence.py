"""The reserved fields: what the model is asked for, how a call is split, and tools that would clash with them."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest
from pydantic import ValidationError

from agents.confidence import CONFIDENCE, RATIONALE, Stated, split_reserved, with_reserved, without_reserved
from agents.mcp import InProcessServer, McpConnections, build_builtin_server
from agents.messages import ToolUseBlock
from agents.team import delegate_tool
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolResult, ToolSpec
from tests.agents.mcp.conftest import RestartService
from tests.agents.sample_tools import ListServices

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"service": {"type": "string"}},
    "required": ["service"],
    "additionalProperties": False,
}
READ = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)


def test_a_write_asks_the_model_for_confidence_and_rationale_and_the_tool_keeps_its_schema() -> None:
    spec = RestartService.spec

    shown = spec.for_model()["input_schema"]

    assert shown["properties"][CONFIDENCE]["type"] == "number"
    assert (shown["properties"][CONFIDENCE]["minimum"], shown["properties"][CONFIDENCE]["maximum"]) == (0, 1)
    assert shown["properties"][RATIONALE]["type"] == "string"
    assert shown["required"] == ["service", "environment", CONFIDENCE, RATIONALE]
    assert shown["additionalProperties"] is False
    assert CONFIDENCE not in spec.input_schema["properties"], "what the tool and the schema check see is unchanged"
    assert spec.input_schema["required"] == ["service", "environment"]


def test_only_opsgates_own_reads_are_not_asked() -> None:
    builtin_read = ListServices.spec
    remote_read = ListServices.spec.model_copy(update={"server": "github"})  # whether to believe it: the policy's
    delegate = delegate_tool([])

    assert CONFIDENCE not in builtin_read.for_model()["input_schema"].get("properties", {})
    assert CONFIDENCE not in delegate.for_model()["input_schema"]["properties"]
    assert CONFIDENCE in remote_read.for_model()["input_schema"]["properties"]


def test_with_reserved_copes_with_a_schema_without_properties_and_changes_nothing_in_place() -> None:
    bare: dict[str, Any] = {"type": "object"}

    assert with_reserved(bare)["required"] == [CONFIDENCE, RATIONALE]
    assert bare == {"type": "object"}


@pytest.mark.parametrize(
    ("arguments", "stated"),
    [
        ({CONFIDENCE: 0.8, RATIONALE: "named in the request"}, Stated(0.8, "named in the request")),
        ({CONFIDENCE: 1}, Stated(1.0)),
        ({CONFIDENCE: 0}, Stated(0.0)),
        ({}, Stated()),
        ({CONFIDENCE: None}, Stated()),
        ({CONFIDENCE: True}, Stated(None, "", "the stated confidence ('True') is not a number from 0 to 1")),
        ({CONFIDENCE: "0.9"}, Stated(None, "", "the stated confidence ('0.9') is not a number from 0 to 1")),
        ({CONFIDENCE: float("nan")}, Stated(None, "", "the stated confidence ('nan') is not a number from 0 to 1")),
        ({CONFIDENCE: 85}, Stated(None, "", "the stated confidence (85) is not between 0 and 1")),
        ({CONFIDENCE: -0.1}, Stated(None, "", "the stated confidence (-0.1) is not between 0 and 1")),
        ({RATIONALE: "  two\n lines\tand   spaces "}, Stated(None, "two lines and spaces")),
        ({RATIONALE: ["not", "text"]}, Stated()),
        ({RATIONALE: "x" * 500}, Stated(None, "x" * 300)),
    ],
)
def test_what_the_agent_states_is_read_strictly(arguments: dict[str, Any], stated: Stated) -> None:
    own, got = split_reserved({"service": "api", **arguments})

    assert own == {"service": "api"}
    assert got == stated


def test_the_whole_namespace_comes_off_and_nothing_else() -> None:
    arguments = {"service": "api", "_opsgate_made_up": 1, "_opsgate": 2, "opsgate_confidence": 3, "_other": 4}

    own, _ = split_reserved(arguments)

    assert own == {"service": "api", "_opsgate": 2, "opsgate_confidence": 3, "_other": 4}


def test_a_call_is_split_into_the_call_the_tool_gets_and_what_was_stated() -> None:
    call = ToolUseBlock(id="toolu_1", name="restart_service", input={"service": "api", CONFIDENCE: 0.4})
    plain = ToolUseBlock(id="toolu_2", name="restart_service", input={"service": "api"})

    stripped, stated = without_reserved(call)

    assert stripped == ToolUseBlock(id="toolu_1", name="restart_service", input={"service": "api"})
    assert stated == Stated(0.4)
    assert call.input[CONFIDENCE] == 0.4, "the model's own call (its history) is left as it was"
    assert without_reserved(plain) == (plain, Stated())
    assert without_reserved(stripped)[0] == stripped, "splitting twice changes nothing"


def test_a_tool_whose_schema_uses_the_reserved_names_is_refused_at_load() -> None:
    schema = {"type": "object", "properties": {"service": {}, "_opsgate_confidence": {}, "_opsgate_x": {}}}

    with pytest.raises(ValidationError) as caught:
        ToolSpec(name="sneaky", description="d", input_schema=schema)

    assert caught.value.errors()[0]["msg"] == (
        "Value error, its input schema uses _opsgate_confidence, _opsgate_x: names starting with _opsgate_ are "
        "reserved for the agent's confidence and rationale, which opsgate adds and strips itself; rename the argument"
    )


class Sneaky(Tool):
    """What a foreign MCP server might offer: a tool whose own schema takes a reserved name."""

    spec = ToolSpec.model_construct(
        name="sneaky",
        description="Sets its own confidence.",
        input_schema={"type": "object", "properties": {"_opsgate_confidence": {"type": "number"}}},
        annotations=ToolAnnotations(),
        server="builtin",
        target_keys=(),
    )

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        raise AssertionError("never listed, never called")


async def test_an_mcp_servers_tool_that_uses_the_reserved_names_is_not_loaded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    foreign = InProcessServer(name="foreign", server=build_builtin_server([Sneaky(), ListServices()]), trusted=False)

    with caplog.at_level(logging.WARNING), anyio.fail_after(15):
        async with McpConnections([foreign]) as connections:
            names = [tool.spec.name for tool in connections.tools()]

    assert names == ["list_services"]
    [warning] = [r.getMessage() for r in caplog.records if "sneaky" in r.getMessage()]
    assert "MCP server 'foreign': tool 'sneaky' skipped" in warning
    assert "names starting with _opsgate_ are reserved" in warning


def test_reserved_properties_of_a_read_only_spec_are_refused_too() -> None:
    with pytest.raises(ValidationError, match="reserved"):
        ToolSpec(name="r", description="d", input_schema={"properties": {"_opsgate_rationale": {}}}, annotations=READ)
