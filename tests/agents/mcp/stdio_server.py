"""A tiny MCP server over stdio for the client tests; run as `python stdio_server.py`.

It reports the `opsgate/call` context it received, so a test can see what crossed the wire, and offers one tool
with no annotations at all (which must be read as the riskiest kind).
"""

from __future__ import annotations

import json
import os
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

_OBJECT = {"type": "object", "properties": {"text": {"type": "string"}}, "additionalProperties": False}

TOOLS = [
    types.Tool(
        name="echo",
        description="Echo the text, with the opsgate context the call carried.",
        input_schema=_OBJECT,
        annotations=types.ToolAnnotations(
            read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    ),
    types.Tool(name="unannotated", description="Says nothing about itself.", input_schema={"type": "object"}),
    types.Tool(name="counts", description="Structured content only.", input_schema={"type": "object"}),
    types.Tool(
        name="slow",
        description="Sleeps.",
        input_schema={"type": "object", "properties": {"seconds": {"type": "number"}}},
        annotations=types.ToolAnnotations(read_only_hint=True),
    ),
    types.Tool(name="broken", description="Always fails.", input_schema={"type": "object"}),
]


async def list_tools(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(tools=TOOLS)


async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
    arguments = params.arguments or {}
    if params.name == "echo":
        call = (params.meta or {}).get("opsgate/call")
        env = os.environ.get("STDIO_TEST_GREETING")
        text = json.dumps({"text": arguments.get("text"), "call": call, "env": env}, sort_keys=True)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])
    if params.name == "unannotated":
        return types.CallToolResult(content=[types.TextContent(type="text", text="ran")])
    if params.name == "counts":
        return types.CallToolResult(content=[], structured_content={"open": 3, "closed": 7})
    if params.name == "slow":
        await anyio.sleep(float(arguments.get("seconds", 60)))
        return types.CallToolResult(content=[types.TextContent(type="text", text="slept")])
    return types.CallToolResult(content=[types.TextContent(type="text", text="it broke")], is_error=True)


async def main() -> None:
    server = Server("stdio-test", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
