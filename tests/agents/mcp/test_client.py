"""MCP servers as tool sources: a stdio subprocess, a streamable-HTTP server on loopback, and ones that fail."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest

from agents.mcp import (
    InProcessServer,
    McpConnections,
    McpServerConfig,
    McpServerStartError,
    McpToolUnavailable,
    ToolNameClash,
    build_builtin_server,
    tool_result_from_mcp,
)
from agents.tools import Tool, ToolAnnotations, ToolResult
from tests.agents.mcp.conftest import CONTEXT, RestartService, serving_http
from tests.agents.sample_tools import ListServices

STDIO_SERVER = str(Path(__file__).with_name("stdio_server.py"))
ARGS = {"service": "api", "environment": "staging"}


def stdio(name: str = "local", **settings: Any) -> McpServerConfig:
    return McpServerConfig(name=name, command=(sys.executable, STDIO_SERVER), **settings)


def by_name(tools: list[Tool]) -> dict[str, Tool]:
    return {tool.spec.name: tool for tool in tools}


async def test_stdio_server_tools_are_listed_and_called() -> None:
    config = stdio(env={"STDIO_TEST_GREETING": "${GREETING}"}, trusted=True, timeout_seconds=5)
    with anyio.fail_after(30):
        async with McpConnections([config], environ={"GREETING": "hello"}) as connections:
            tools = by_name(connections.tools())
            assert sorted(tools) == ["broken", "counts", "echo", "slow", "unannotated"]
            echo = tools["echo"]
            assert echo.spec.server == "local"
            assert echo.spec.input_schema == {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "additionalProperties": False,
            }
            assert echo.spec.annotations == ToolAnnotations(
                read_only=True, destructive=False, idempotent=True, open_world=False
            )
            assert tools["unannotated"].spec.annotations == ToolAnnotations(
                read_only=False, destructive=True, idempotent=False, open_world=True
            )
            assert tools["slow"].spec.annotations == ToolAnnotations(read_only=True)  # the rest at the defaults

            echoed = json.loads((await echo.call({"text": "hi"}, CONTEXT)).content)
            assert echoed == {"text": "hi", "call": CONTEXT.model_dump(), "env": "hello"}
            assert await tools["counts"].call({}, CONTEXT) == ToolResult(content='{"closed": 7, "open": 3}')
            assert await tools["broken"].call({}, CONTEXT) == ToolResult(
                content="it broke", is_error=True, error_kind="arguments"
            )
            assert await echo.preview({"text": "hi"}) is None  # not advertised: never ask, it might just run


async def test_a_slow_call_times_out_as_unavailable_and_the_session_survives() -> None:
    with anyio.fail_after(30):
        async with McpConnections([stdio(timeout_seconds=0.5)]) as connections:
            tools = by_name(connections.tools())
            started = time.monotonic()
            with pytest.raises(McpToolUnavailable) as caught:
                await tools["slow"].call({"seconds": 30}, CONTEXT)
            assert time.monotonic() - started < 5
            assert caught.value.retryable
            assert caught.value.server == "local"
            assert "did not answer within 0.5 s" in str(caught.value)
            assert (await tools["unannotated"].call({}, CONTEXT)).content == "ran"
    with pytest.raises(McpToolUnavailable, match="closed its MCP connections"):
        await tools["unannotated"].call({}, CONTEXT)


async def test_streamable_http_server_by_url() -> None:
    restart = RestartService()
    app = build_builtin_server([restart, ListServices()]).streamable_http_app()
    seen: list[Mapping[str, str]] = []
    with anyio.fail_after(30):
        async with serving_http(app, seen) as base:
            config = McpServerConfig(
                name="remote", url=f"{base}/mcp", headers={"Authorization": "Bearer ${REMOTE_TOKEN}"}
            )
            async with McpConnections([config], environ={"REMOTE_TOKEN": "t0ken-from-env"}) as connections:
                tools = by_name(connections.tools())
                assert tools["restart_service"].spec == RestartService.spec.model_copy(update={"server": "remote"})
                result = await tools["restart_service"].call(ARGS, CONTEXT)
                assert result == ToolResult(content="restarted api in staging")
                assert restart.calls == [(ARGS, CONTEXT)]
                assert await tools["restart_service"].preview(ARGS) is None  # untrusted: no dry run over MCP
                assert connections.trusted_servers == frozenset()
    assert seen
    assert all(headers.get("authorization") == "Bearer t0ken-from-env" for headers in seen)


async def test_a_stopped_http_server_makes_calls_unavailable() -> None:
    app = build_builtin_server([ListServices()]).streamable_http_app()
    with anyio.fail_after(30):
        async with serving_http(app) as base:
            connections = McpConnections([McpServerConfig(name="remote", url=f"{base}/mcp", timeout_seconds=3)])
            await connections.__aenter__()
        try:
            with pytest.raises(McpToolUnavailable) as caught:
                await connections.tools()[0].call({}, CONTEXT)
            assert caught.value.retryable
        finally:
            await connections.__aexit__(None, None, None)


async def test_a_server_that_cannot_start_is_named() -> None:
    broken = McpServerConfig(name="ghost-server", command=("/nonexistent/opsgate-no-such-mcp-server",))
    started = time.monotonic()
    with anyio.fail_after(15), pytest.raises(McpServerStartError) as caught:
        async with McpConnections([stdio(), broken]):
            pass
    assert time.monotonic() - started < 10
    assert list(caught.value.failures) == ["ghost-server"]
    assert "MCP server 'ghost-server' did not start" in str(caught.value)
    assert "opsgate-no-such-mcp-server" in str(caught.value)


async def test_a_server_that_never_answers_times_out_within_its_start_timeout() -> None:
    silent = McpServerConfig(
        name="silent", command=(sys.executable, "-c", "import time; time.sleep(60)"), start_timeout_seconds=1
    )
    started = time.monotonic()
    with anyio.fail_after(20), pytest.raises(McpServerStartError, match="'silent' did not start: no answer within 1 s"):
        async with McpConnections([silent]):
            pass
    assert time.monotonic() - started < 10


async def test_an_optional_server_that_fails_is_skipped_and_reported() -> None:
    broken = McpServerConfig(name="optional", command=("/nonexistent/opsgate-no-such-mcp-server",), required=False)
    with anyio.fail_after(30):
        async with McpConnections([stdio(tools=("echo",)), broken]) as connections:
            assert [tool.spec.name for tool in connections.tools()] == ["echo"]
            echoed = json.loads((await connections.tools()[0].call({"text": "still here"}, CONTEXT)).content)
            assert echoed["text"] == "still here"
            assert list(connections.failed) == ["optional"]
            assert "opsgate-no-such-mcp-server" in connections.failed["optional"]


async def test_a_missing_environment_variable_is_named() -> None:
    config = stdio(name="gh", env={"GH_TOKEN": "${OPSGATE_TEST_UNSET_TOKEN}"})
    with anyio.fail_after(15), pytest.raises(McpServerStartError) as caught:
        async with McpConnections([config], environ={}):
            pass
    message = str(caught.value)
    assert "'gh'" in message
    assert "OPSGATE_TEST_UNSET_TOKEN is not set" in message


async def test_the_same_tool_name_on_two_servers_is_refused() -> None:
    first = InProcessServer(name="alpha", server=build_builtin_server([ListServices()]))
    second = InProcessServer(name="beta", server=build_builtin_server([ListServices()]))
    with (
        anyio.fail_after(15),
        pytest.raises(ToolNameClash, match="'list_services' is offered by both 'alpha' and 'beta'"),
    ):
        async with McpConnections([first, second]):
            pass


def test_results_map_text_structured_content_and_other_media() -> None:
    image = types.ImageContent(type="image", data="aGk=", mime_type="image/png")
    mixed = types.CallToolResult(content=[types.TextContent(type="text", text="chart:"), image])
    assert tool_result_from_mcp(mixed) == ToolResult(content="chart:\n[image content omitted]")
    structured = types.CallToolResult(content=[], structured_content={"b": 1, "a": [2]}, is_error=True)
    assert tool_result_from_mcp(structured) == ToolResult(
        content='{"a": [2], "b": 1}', is_error=True, error_kind="arguments"
    )
