"""Tool outcomes keep their kind across MCP: the built-in server states it in the result's `_meta`, our client reads
it back, from trusted servers only. Through the real `mcp` SDK, in process."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest
from mcp import Client

from agents.mcp import InProcessServer, McpConnections, McpToolUnavailable, build_builtin_server
from agents.mcp.server import RESULT_META_KEY
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec
from tests.agents.mcp.conftest import CONTEXT

SCHEMA = {"type": "object", "properties": {"mode": {"type": "string"}}, "required": ["mode"]}
LOOKUP = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)
SEND = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=True)
LEAK = "postgres://admin:hunter2@db-prod-3"


class Faulty(Tool):
    """Fails the way `mode` says: a refusal, a crash, a timeout, a dropped connection, an unknown outcome."""

    def __init__(self, name: str, annotations: ToolAnnotations) -> None:
        self.spec = ToolSpec(name=name, description="Fails on request.", input_schema=SCHEMA, annotations=annotations)

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        mode = arguments["mode"]
        if mode == "refuse":
            raise ToolError("no such target; list the targets first")
        if mode == "crash":
            raise RuntimeError(f"cannot connect to {LEAK}")
        if mode == "timeout":
            raise TimeoutError(f"no answer from {LEAK}")
        if mode == "drop":
            raise ConnectionResetError(f"reset by {LEAK}")
        if mode == "unknown":
            return ToolResult(content="the relay dropped after accepting", is_error=True, unknown=True)
        if mode == "down":
            return ToolResult(content="the backend is in maintenance", is_error=True, error_kind="unavailable")
        if mode == "hang":
            await asyncio.sleep(30)
        return ToolResult(content="done")


def tools() -> list[Tool]:
    return [Faulty("lookup", LOOKUP), Faulty("send", SEND)]


async def call(trusted: bool, tool: str, mode: str, **server: Any) -> ToolResult:
    source = InProcessServer(name="faults", server=build_builtin_server(tools()), trusted=trusted, **server)
    with anyio.fail_after(20):
        async with McpConnections([source]) as connections:
            [found] = [t for t in connections.tools() if t.spec.name == tool]
            return await found.call({"mode": mode}, CONTEXT)


@pytest.mark.parametrize(
    ("tool", "mode", "kind", "text"),
    [
        ("lookup", "refuse", "arguments", "no such target; list the targets first"),
        ("lookup", "crash", "internal", "lookup failed with an internal error"),
        ("lookup", "timeout", "unavailable", "lookup is unavailable (it timed out)"),
        ("lookup", "drop", "unavailable", "lookup is unavailable (a connection failed)"),
        ("lookup", "down", "unavailable", "the backend is in maintenance"),
        ("send", "refuse", "arguments", "no such target; list the targets first"),
        ("send", "crash", "unknown_outcome", "send was interrupted mid-call (it failed inside)"),
        ("send", "timeout", "unknown_outcome", "send was interrupted mid-call (it timed out)"),
        ("send", "drop", "unknown_outcome", "send was interrupted mid-call (a connection failed)"),
        ("send", "unknown", "unknown_outcome", "the relay dropped after accepting"),
    ],
)
async def test_a_trusted_servers_error_keeps_its_kind(tool: str, mode: str, kind: str, text: str) -> None:
    result = await call(True, tool, mode)

    assert result.is_error
    assert result.error_kind == kind
    assert result.unknown is (kind == "unknown_outcome")
    assert result.content.startswith(text)
    assert "hunter2" not in result.content and "db-prod" not in result.content, "the exception's words stay home"


async def test_invalid_arguments_and_a_missing_context_have_their_kinds() -> None:
    source = InProcessServer(name="builtin", server=build_builtin_server(tools()))
    with anyio.fail_after(20):
        async with McpConnections([source]) as connections:
            lookup = next(t for t in connections.tools() if t.spec.name == "lookup")
            invalid = await lookup.call({"mode": 3}, CONTEXT)
        async with Client(build_builtin_server(tools())) as client:  # a caller that sends no `opsgate/call`
            bare = await client.call_tool("send", {"mode": "ok"}, read_timeout_seconds=5)

    assert (invalid.is_error, invalid.error_kind) == (True, "arguments")
    assert invalid.content.startswith("invalid arguments for lookup:")
    assert bare.is_error
    assert (bare.meta or {})[RESULT_META_KEY] == {"kind": "internal", "unknown": False}  # our fault, not the model's


@pytest.mark.parametrize(("tool", "mode"), [("lookup", "crash"), ("lookup", "down"), ("send", "unknown")])
async def test_an_untrusted_servers_error_is_just_an_error(tool: str, mode: str) -> None:
    """Whatever kind it states: an untrusted server's word buys no retry (and asks no person for it)."""
    result = await call(False, tool, mode)

    assert result.is_error
    assert (result.error_kind, result.unknown) == ("arguments", False)


async def test_a_success_carries_no_kind_from_either_kind_of_server() -> None:
    assert await call(True, "send", "ok") == ToolResult(content="done")
    assert await call(False, "send", "ok") == ToolResult(content="done")


async def test_a_timeout_after_sending_may_have_run_and_a_closed_session_did_not() -> None:
    source = InProcessServer(name="faults", server=build_builtin_server(tools()), timeout_seconds=0.2)
    with anyio.fail_after(20):
        async with McpConnections([source]) as connections:
            send = next(t for t in connections.tools() if t.spec.name == "send")
            with pytest.raises(McpToolUnavailable) as hung:
                await send.call({"mode": "hang"}, CONTEXT)
        with pytest.raises(McpToolUnavailable) as closed:
            await send.call({"mode": "ok"}, CONTEXT)

    assert hung.value.may_have_run is True
    assert closed.value.may_have_run is False


def test_an_untrusted_tool_is_believed_to_be_the_riskiest_kind() -> None:
    spec = Faulty("lookup", LOOKUP).spec.model_copy(update={"server": "elsewhere"})

    assert spec.believed(True) is spec
    assert spec.believed(False).annotations == ToolAnnotations(
        read_only=False, destructive=True, idempotent=False, open_world=True
    )
    assert spec.believed(False).input_schema == spec.input_schema
