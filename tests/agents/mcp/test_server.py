"""The built-in tools as an MCP server, seen through the SDK's own `Client`, then through our `McpTool`s."""

from __future__ import annotations

import logging
from typing import cast

import anyio
import mcp_types as types
import pytest
from mcp import Client

from agents.mcp import CALL_META_KEY, PREVIEW_META_KEY, InProcessServer, McpConnections, build_builtin_server
from agents.tools import ToolResult
from tests.agents.mcp.conftest import CONTEXT, RestartService
from tests.agents.sample_tools import ListServices

ARGS = {"service": "api", "environment": "staging"}
CALL_META = cast(types.RequestParamsMeta, {CALL_META_KEY: CONTEXT.model_dump()})
PREVIEW_META = cast(types.RequestParamsMeta, {PREVIEW_META_KEY: True})


async def test_listing_carries_exact_schemas_and_every_annotation() -> None:
    tools = [ListServices(), RestartService()]
    with anyio.fail_after(10):
        async with Client(build_builtin_server(tools)) as client:
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}

    assert sorted(listed) == ["list_services", "restart_service"]
    restart = listed["restart_service"]
    assert restart.input_schema == RestartService.spec.input_schema
    assert restart.description == RestartService.spec.description
    assert restart.annotations == types.ToolAnnotations(
        read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
    )
    assert restart.meta == {PREVIEW_META_KEY: True, "opsgate/target_keys": ["service", "environment"]}
    assert listed["list_services"].annotations == types.ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


async def test_call_context_arrives_through_meta_not_arguments() -> None:
    restart = RestartService()
    with anyio.fail_after(10):
        async with Client(build_builtin_server([restart])) as client:
            result = await client.call_tool("restart_service", ARGS, meta=CALL_META, read_timeout_seconds=5)
            missing = await client.call_tool("restart_service", ARGS, read_timeout_seconds=5)

    assert not result.is_error
    assert result.content == [types.TextContent(type="text", text="restarted api in staging")]
    assert restart.calls == [(ARGS, CONTEXT)]
    assert missing.is_error
    assert "opsgate/call" in missing.content[0].text  # type: ignore[union-attr]


async def test_failures_become_error_results(caplog: pytest.LogCaptureFixture) -> None:
    meta = CALL_META
    with anyio.fail_after(10):
        async with Client(build_builtin_server([RestartService()])) as client:
            refused = await client.call_tool("restart_service", {**ARGS, "service": "ghost"}, meta=meta)
            with caplog.at_level(logging.ERROR, logger="agents.mcp.server"):
                crashed = await client.call_tool("restart_service", {**ARGS, "service": "crash"}, meta=meta)
            invalid = await client.call_tool("restart_service", {"service": "API!"}, meta=meta)

    assert refused.is_error
    assert refused.content[0].text == "there is no service named ghost; list_services shows the names"  # type: ignore[union-attr]
    assert crashed.is_error
    assert crashed.content[0].text == "restart_service failed with an internal error"  # type: ignore[union-attr]
    assert "hunter2" in caplog.text  # logged for the operators, not sent to the caller
    assert invalid.is_error
    text = invalid.content[0].text  # type: ignore[union-attr]
    assert text.startswith("invalid arguments for restart_service:")
    assert "environment" in text


async def test_preview_flag_runs_the_dry_run_instead_of_the_call() -> None:
    restart = RestartService()
    with anyio.fail_after(10):
        async with Client(build_builtin_server([restart, ListServices()])) as client:
            preview = await client.call_tool("restart_service", ARGS, meta=PREVIEW_META)
            none = await client.call_tool("list_services", {}, meta=PREVIEW_META)

    assert restart.calls == []
    assert preview.structured_content == {"preview": "would restart api (staging): 6 replicas, one at a time"}
    assert none.structured_content == {"preview": None}


async def test_builtin_tools_round_trip_through_mcp_tools() -> None:
    originals = [ListServices(), RestartService()]
    builtin = InProcessServer(name="builtin", server=build_builtin_server(originals))
    with anyio.fail_after(10):
        async with McpConnections([builtin]) as connections:
            tools = {tool.spec.name: tool for tool in connections.tools()}
            assert [tools[o.spec.name].spec for o in originals] == [o.spec for o in originals]

            restart = tools["restart_service"]
            assert await restart.call(ARGS, CONTEXT) == ToolResult(content="restarted api in staging")
            assert await restart.preview(ARGS) == "would restart api (staging): 6 replicas, one at a time"
            assert await tools["list_services"].preview({}) is None
            assert await restart.call({**ARGS, "service": "ghost"}, CONTEXT) == ToolResult(
                content="there is no service named ghost; list_services shows the names",
                is_error=True,
                error_kind="arguments",
            )
            halfway = await restart.call({**ARGS, "service": "halfway"}, CONTEXT)
            assert halfway == ToolResult(
                content="the restart was interrupted", is_error=True, unknown=True, error_kind="unknown_outcome"
            )
            listing = await tools["list_services"].call({"environment": "staging"}, CONTEXT)
            assert listing.content.splitlines()[0] == "- api (staging): v2.15.0-rc.2, 2 replicas"
            assert connections.trusted_servers == frozenset({"builtin"})
