"""opsgate's own tools as an MCP server, so built-in and external tools reach the agent through one protocol.

The server is the SDK's low-level `Server`, not `MCPServer`: `MCPServer` derives each input schema from a Python
signature, while our tools already carry the exact JSON schema the model sees. `Client` connects to either kind
in process, and `Server.streamable_http_app()` serves it over HTTP.

What travels in the request's `_meta` rather than in the arguments (the model never sees or forges it):

- `opsgate/call`: the `ToolCallContext` (task_id, call_id, requester, idempotency_key). A call without it is
  refused, because our tools rely on the idempotency key.
- `opsgate/preview: true`: run `Tool.preview()` (the dry run) instead of `Tool.call()`. The answer carries the
  preview as text and as `structuredContent: {"preview": str | null}`. Each tool's listing advertises the
  option as `_meta: {"opsgate/preview": true}`; the client asks for a preview only from trusted servers that
  advertise it, because a server that ignores the flag would run the real call.

A tool's `target_keys` travel in its listing's `_meta` (`opsgate/target_keys`), and an error result states its
kind in the result's `_meta` (`opsgate/result: {"kind": ..., "unknown": bool}`, an `ErrorKind`), so a `ToolSpec`
and a `ToolResult` survive the round trip and the executor's breakers and retries see what failed:

- `arguments`: the tool refused these arguments (`ToolError`, or the schema); the model may try otherwise.
- `unknown_outcome`: a tool that changes things and is not idempotent raised mid-call: its effect may or may not
  have happened (a timeout after sending, a dropped connection, anything), so a person must check.
- `unavailable`: a timeout or connection error in a tool whose repetition is safe (read-only or idempotent).
- `internal`: any other exception. Its text goes to the worker's log, never to the caller (nor to the model).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from agents.guardrails.schema import SchemaChecker
from agents.tools import ErrorKind, Tool, ToolCallContext, ToolError, ToolResult

__all__ = [
    "CALL_META_KEY",
    "PREVIEW_META_KEY",
    "RESULT_META_KEY",
    "TARGET_KEYS_META_KEY",
    "build_builtin_server",
    "failure_kind",
    "mcp_tool_definition",
]

logger = logging.getLogger(__name__)

CALL_META_KEY = "opsgate/call"
PREVIEW_META_KEY = "opsgate/preview"
TARGET_KEYS_META_KEY = "opsgate/target_keys"
RESULT_META_KEY = "opsgate/result"


def mcp_tool_definition(tool: Tool) -> types.Tool:
    """The listing of one of our tools: its exact schema, and every annotation stated (none left to defaults)."""
    spec = tool.spec
    annotations = types.ToolAnnotations(
        read_only_hint=spec.annotations.read_only,
        destructive_hint=spec.annotations.destructive,
        idempotent_hint=spec.annotations.idempotent,
        open_world_hint=spec.annotations.open_world,
    )
    meta: dict[str, Any] = {PREVIEW_META_KEY: True}
    if spec.target_keys:
        meta[TARGET_KEYS_META_KEY] = list(spec.target_keys)
    return types.Tool(
        name=spec.name,
        description=spec.description,
        input_schema=spec.input_schema,
        annotations=annotations,
        _meta=meta,
    )


_UNREACHED = (TimeoutError, ConnectionError)
_FAILURE_TEXT: dict[ErrorKind, str] = {
    "unknown_outcome": "{tool} was interrupted mid-call ({what}); it may or may not have taken effect",
    "unavailable": "{tool} is unavailable ({what})",
    "internal": "{tool} failed with an internal error",
}


def _text_result(text: str, *, is_error: bool = False, **extra: Any) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=is_error, **extra)


def _error_result(text: str, kind: ErrorKind) -> types.CallToolResult:
    outcome = {"kind": kind, "unknown": kind == "unknown_outcome"}
    return _text_result(text, is_error=True, _meta={RESULT_META_KEY: outcome})


def failure_kind(tool: Tool, exc: Exception) -> ErrorKind:
    """What an exception from `tool.call` means for whoever acts next (see the module docstring)."""
    annotations = tool.spec.annotations
    if not annotations.read_only and not annotations.idempotent:
        return "unknown_outcome"  # the call was under way: nothing says the effect did not happen
    return "unavailable" if isinstance(exc, _UNREACHED) else "internal"


def _what(exc: Exception) -> str:
    """A category of failure, never the exception's own words (they may name hosts, queries or secrets)."""
    if isinstance(exc, TimeoutError):
        return "it timed out"
    if isinstance(exc, ConnectionError):
        return "a connection failed"
    return "it failed inside"


def _result_kind(result: ToolResult) -> ErrorKind | None:
    if result.unknown:
        return "unknown_outcome"
    if result.is_error:
        return result.error_kind or "arguments"
    return None


def build_builtin_server(tools: Sequence[Tool], *, name: str = "opsgate-builtin") -> Server[Any]:
    """An MCP server offering `tools`; connect to it in process with `InProcessServer(name="builtin", ...)`."""
    by_name: dict[str, Tool] = {}
    for tool in tools:
        if tool.spec.name in by_name:
            raise ValueError(f"tool {tool.spec.name!r} is registered twice")
        by_name[tool.spec.name] = tool
    listing = [mcp_tool_definition(tool) for tool in tools]
    schemas = SchemaChecker()  # RE2 for the schemas' patterns, as for any tool call

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown tool {params.name!r}")
        arguments = dict(params.arguments or {})
        problems = schemas.errors(tool.spec.name, tool.spec.input_schema, arguments)
        if problems:
            return _error_result(f"invalid arguments for {params.name}: {'; '.join(problems)}", "arguments")
        meta = dict(params.meta or {})
        if meta.get(PREVIEW_META_KEY) is True:
            try:
                preview = await tool.preview(arguments)
            except ToolError as exc:
                return _error_result(str(exc), "arguments")
            except Exception:  # a dry run changes nothing: it never leaves an outcome unknown
                logger.exception("the dry run of built-in tool %r raised", params.name)
                return _error_result(_FAILURE_TEXT["internal"].format(tool=params.name), "internal")
            return _text_result(preview or "", structured_content={"preview": preview})
        try:
            context = ToolCallContext.model_validate(meta.get(CALL_META_KEY))
        except ValidationError:
            return _error_result(f"the call carries no valid `{CALL_META_KEY}` context in _meta", "internal")
        try:
            result: ToolResult = await tool.call(arguments, context)
        except ToolError as exc:
            return _error_result(str(exc), "arguments")
        except Exception as exc:
            logger.exception("built-in tool %r raised", params.name)
            failed = failure_kind(tool, exc)
            return _error_result(_FAILURE_TEXT[failed].format(tool=params.name, what=_what(exc)), failed)
        kind = _result_kind(result)
        return _text_result(result.content) if kind is None else _error_result(result.content, kind)

    return Server(name, on_list_tools=list_tools, on_call_tool=call_tool)
