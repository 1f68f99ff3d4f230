"""Tools offered by MCP servers, wrapped as our `Tool`s over one long-lived session per server.

`McpConnections` opens every configured server when the worker starts, each in a task of its own (the SDK's
sessions are task-scoped), within a bounded start time. A server that does not start stops the worker when it is
`required`; otherwise the worker starts without it and `failed` says why. A session that dies later is not
reopened: its tools answer `McpToolUnavailable` until the worker restarts.

Annotations are mapped as the server states them, and a hint it leaves out takes the MCP default (the riskiest
value). Whether to believe them is the risk policy's decision, made from `ToolSpec.server` and the server's
`trusted` flag (`McpConnections.trusted_servers`), for the gate and the executor alike (`ToolSpec.believed`). The
kind of an error result (`opsgate/result` in its `_meta`) is read from trusted servers only: from any other, an
error is an error the model may work around, never a reason to retry. Two servers offering the same tool name is
refused, naming both: prefixing would change names the agents' specs and the policy refer to.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast

import anyio
import httpx2
import mcp_types as types
from anyio.abc import TaskGroup, TaskStatus
from mcp import Client, StdioServerParameters
from mcp.client import Transport
from mcp.client.streamable_http import streamable_http_client
from mcp.server import MCPServer, Server
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from agents.mcp.config import McpServerConfig
from agents.mcp.errors import McpConfigError, McpServerStartError, McpToolUnavailable, ToolNameClash
from agents.mcp.server import CALL_META_KEY, PREVIEW_META_KEY, RESULT_META_KEY, TARGET_KEYS_META_KEY
from agents.tools import ErrorKind, Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec

__all__ = ["InProcessServer", "McpConnections", "McpTool", "check_unique_names", "tool_result_from_mcp"]

logger = logging.getLogger(__name__)

_MAX_PAGES = 100
_CALL_GRACE_SECONDS = 5.0
_REFUSED = frozenset({types.INVALID_PARAMS, types.METHOD_NOT_FOUND, types.INVALID_REQUEST})
_UNREACHABLE = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, httpx2.HTTPError)
_NEVER_SENT = (httpx2.ConnectError,)
_KINDS: frozenset[str] = frozenset(("arguments", "unavailable", "internal", "unknown_outcome"))


@dataclass(frozen=True)
class InProcessServer:
    """An MCP server object in this process (our built-in server, or a test's), configured like a YAML entry."""

    name: str
    server: Server[Any] | MCPServer[Any]
    trusted: bool = True
    required: bool = True
    timeout_seconds: float = 30.0
    start_timeout_seconds: float = 10.0
    tools: tuple[str, ...] | None = None


ServerSource = McpServerConfig | InProcessServer


class _Session:
    """One server's live client; `McpTool`s call through it and it turns transport trouble into our errors."""

    def __init__(self, name: str, client: Client, timeout_seconds: float) -> None:
        self.name = name
        self.timeout_seconds = timeout_seconds
        self._client: Client | None = client
        self.down_reason: str | None = None

    def close(self, reason: str) -> None:
        self._client = None
        self.down_reason = reason

    async def call(self, tool: str, arguments: dict[str, Any], meta: dict[str, Any]) -> types.CallToolResult:
        client = self._client
        if client is None:
            raise McpToolUnavailable(self.name, tool, self.down_reason or "not connected", may_have_run=False)
        timeout = self.timeout_seconds
        try:
            with anyio.fail_after(timeout + _CALL_GRACE_SECONDS):
                return await client.call_tool(
                    tool, arguments, read_timeout_seconds=timeout, meta=cast(types.RequestParamsMeta, meta)
                )
        except MCPError as exc:
            if exc.code in _REFUSED:
                raise ToolError(f"{self.name} refused the call to {tool}: {exc.error.message}") from exc
            what = "did not answer within {timeout:g} s" if exc.code == types.REQUEST_TIMEOUT else exc.error.message
            raise McpToolUnavailable(self.name, tool, what.format(timeout=timeout)) from exc
        except TimeoutError as exc:
            raise McpToolUnavailable(self.name, tool, f"did not answer within {timeout:g} s") from exc
        except _UNREACHABLE as exc:
            sent = not isinstance(exc, _NEVER_SENT)
            raise McpToolUnavailable(self.name, tool, f"{type(exc).__name__}: {exc}", may_have_run=sent) from exc
        except ValidationError as exc:
            raise ToolError(f"{self.name} answered the call to {tool} with a malformed result") from exc


class McpTool(Tool):
    """A tool of an MCP server. `call` sends the context in `_meta` (`opsgate/call`) with a read timeout.

    `trusted`: the server's error kinds are believed (see `tool_result_from_mcp`)."""

    def __init__(self, spec: ToolSpec, session: _Session, *, previewable: bool = False, trusted: bool = False) -> None:
        self.spec = spec
        self._session = session
        self.previewable = previewable
        self.trusted = trusted

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        meta = {CALL_META_KEY: context.model_dump(mode="json")}
        return tool_result_from_mcp(await self._session.call(self.spec.name, arguments, meta), trusted=self.trusted)

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        if not self.previewable:
            return None
        result = await self._session.call(self.spec.name, arguments, {PREVIEW_META_KEY: True})
        if result.is_error:
            raise ToolError(tool_result_from_mcp(result, trusted=self.trusted).content)
        structured = result.structured_content
        preview = structured.get("preview") if isinstance(structured, dict) else None
        return preview if isinstance(preview, str) else None


def _describe_block(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.EmbeddedResource) and isinstance(block.resource, types.TextResourceContents):
        return block.resource.text
    return f"[{block.type} content omitted]"


def tool_result_from_mcp(result: types.CallToolResult, *, trusted: bool = False) -> ToolResult:
    """Text blocks joined; the structured content as JSON when there is no text; other media named, not shown.

    An error keeps the kind a `trusted` server stated (`opsgate/result` in `_meta`); from any other server, or
    without a kind, it is an `arguments` error: the model sees it and may choose otherwise, and nothing is retried.
    """
    texts = [_describe_block(block) for block in result.content]
    if not any(isinstance(block, types.TextContent) for block in result.content) and (
        result.structured_content is not None
    ):
        texts = [json.dumps(result.structured_content, ensure_ascii=False, sort_keys=True)]
    content = "\n".join(texts)
    if not result.is_error:
        return ToolResult(content=content)
    kind = _stated_kind((result.meta or {}).get(RESULT_META_KEY)) if trusted else None
    kind = kind or "arguments"
    return ToolResult(content=content, is_error=True, unknown=kind == "unknown_outcome", error_kind=kind)


def _stated_kind(outcome: object) -> ErrorKind | None:
    if not isinstance(outcome, dict):
        return None
    kind = outcome.get("kind")
    if isinstance(kind, str) and kind in _KINDS:
        return cast(ErrorKind, kind)
    return "unknown_outcome" if outcome.get("unknown") is True else None  # servers of earlier versions


def _spec_from_mcp(tool: types.Tool, server: str) -> ToolSpec:
    stated = tool.annotations or types.ToolAnnotations()
    default = ToolAnnotations()
    annotations = ToolAnnotations(
        read_only=default.read_only if stated.read_only_hint is None else stated.read_only_hint,
        destructive=default.destructive if stated.destructive_hint is None else stated.destructive_hint,
        idempotent=default.idempotent if stated.idempotent_hint is None else stated.idempotent_hint,
        open_world=default.open_world if stated.open_world_hint is None else stated.open_world_hint,
    )
    declared = (tool.meta or {}).get(TARGET_KEYS_META_KEY)
    properties = tool.input_schema.get("properties") or {}
    target_keys = (
        tuple(k for k in declared if isinstance(k, str) and k in properties) if isinstance(declared, list) else ()
    )
    return ToolSpec(
        name=tool.name,
        description=tool.description or "",
        input_schema=tool.input_schema,
        annotations=annotations,
        server=server,
        target_keys=target_keys,
    )


def check_unique_names(tools: Sequence[Tool]) -> None:
    """Refuse two tools of the same name (built-in ones included), naming both servers."""
    owners: dict[str, str] = {}
    for tool in tools:
        name = tool.spec.name
        if name in owners:
            raise ToolNameClash(name, owners[name], tool.spec.server)
        owners[name] = tool.spec.server


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(inner) for inner in exc.exceptions)
    if isinstance(exc, McpConfigError):
        return str(exc)
    if isinstance(exc, MCPError):
        return f"MCP error {exc.code}: {exc.error.message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class McpConnections:
    """Every configured MCP server's session, open for the life of the worker: `async with McpConnections(...)`.

    Enter and exit it in the same task (the worker's main task); tools may be called from any task meanwhile.
    """

    def __init__(self, servers: Sequence[ServerSource], *, environ: Mapping[str, str] | None = None) -> None:
        names = [server.name for server in servers]
        if len(set(names)) != len(names):
            raise ValueError(f"MCP server names must be unique: {', '.join(names)}")
        self._servers = tuple(servers)
        self._environ = os.environ if environ is None else environ
        self._sessions: dict[str, _Session] = {}
        self._tools: dict[str, list[Tool]] = {}
        self.failed: dict[str, str] = {}
        """Servers that are not `required` and did not start, with the reason."""
        self._stop = anyio.Event()
        self._stack = AsyncExitStack()
        self._group: TaskGroup | None = None

    @property
    def trusted_servers(self) -> frozenset[str]:
        return frozenset(server.name for server in self._servers if server.trusted and server.name in self._sessions)

    def tools(self) -> list[Tool]:
        return [tool for server in self._servers for tool in self._tools.get(server.name, [])]

    async def __aenter__(self) -> Self:
        if self._group is not None:
            raise RuntimeError("McpConnections can be entered once")
        self._group = await self._stack.enter_async_context(anyio.create_task_group())
        self._stack.callback(self._stop.set)
        try:
            failures: dict[str, str] = {}
            async with anyio.create_task_group() as starting:
                for server in self._servers:
                    starting.start_soon(self._start, server, failures)
            required = {s.name: failures[s.name] for s in self._servers if s.required and s.name in failures}
            if required:
                raise McpServerStartError(required)
            for server in self._servers:
                if server.name in failures:
                    self.failed[server.name] = failures[server.name]
                    logger.warning(
                        "MCP server %r did not start, continuing without it: %s", server.name, failures[server.name]
                    )
            check_unique_names(self.tools())
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()
        for session in self._sessions.values():
            session.close("the worker closed its MCP connections")

    async def _start(self, server: ServerSource, failures: dict[str, str]) -> None:
        assert self._group is not None
        try:
            with anyio.fail_after(server.start_timeout_seconds):
                session, listing = await self._group.start(self._own, server)
        except TimeoutError:
            failures[server.name] = f"no answer within {server.start_timeout_seconds:g} s"
            return
        except Exception as exc:
            failures[server.name] = _reason(exc)
            return
        self._sessions[server.name] = session
        self._tools[server.name] = self._wrap(server, session, listing)

    async def _own(self, server: ServerSource, *, task_status: TaskStatus[tuple[_Session, list[types.Tool]]]) -> None:
        """Holds one server's session open in this task until the worker stops; never raises once started."""
        session: _Session | None = None
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(Client(await self._target(server, stack), cache=None))
                listing = await _list_tools(client)
                session = _Session(server.name, client, server.timeout_seconds)
                task_status.started((session, listing))
                await self._stop.wait()
        except Exception as exc:
            if session is None:
                raise
            level = logging.INFO if self._stop.is_set() else logging.ERROR  # closing a dead session is expected
            logger.log(level, "MCP server %r: the session ended: %s", server.name, _reason(exc))
            session.close(f"the session ended ({_reason(exc)})")

    async def _target(
        self, server: ServerSource, stack: AsyncExitStack
    ) -> Server[Any] | MCPServer[Any] | StdioServerParameters | Transport:
        if isinstance(server, InProcessServer):
            return server.server
        if server.command is not None:
            program, *args = server.command
            return StdioServerParameters(command=program, args=args, env=server.resolved_env(self._environ))
        assert server.url is not None
        headers = server.resolved_headers(self._environ)
        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
        await stack.enter_async_context(http)
        return streamable_http_client(server.url, http_client=http)

    def _wrap(self, server: ServerSource, session: _Session, listing: list[types.Tool]) -> list[Tool]:
        wanted = None if server.tools is None else set(server.tools)
        tools: list[Tool] = []
        for tool in listing:
            if wanted is not None and tool.name not in wanted:
                continue
            try:
                spec = _spec_from_mcp(tool, server.name)
            except ValidationError as exc:
                logger.warning("MCP server %r: tool %r skipped: %s", server.name, tool.name, exc.errors()[0]["msg"])
                continue
            previewable = server.trusted and (tool.meta or {}).get(PREVIEW_META_KEY) is True
            tools.append(McpTool(spec, session, previewable=previewable, trusted=server.trusted))
        missing = sorted((wanted or set()) - {tool.name for tool in listing})
        if missing:
            logger.warning("MCP server %r does not offer the allowlisted tools: %s", server.name, ", ".join(missing))
        return tools


async def _list_tools(client: Client) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tools
    raise RuntimeError(f"the tool listing did not end within {_MAX_PAGES} pages")
