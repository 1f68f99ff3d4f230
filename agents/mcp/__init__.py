"""Tools over MCP: our built-in tools served as an MCP server, and MCP servers' tools used as our `Tool`s.

Only `agents/` imports the `mcp` SDK; the rest of opsgate sees `Tool`, `ToolSpec` and the errors below.
"""

from agents.mcp.client import InProcessServer, McpConnections, McpTool, check_unique_names, tool_result_from_mcp
from agents.mcp.config import McpConfig, McpServerConfig
from agents.mcp.egress import EgressPolicy
from agents.mcp.errors import (
    McpConfigError,
    McpServerStartError,
    McpToolUnavailable,
    MissingEnvironmentVariable,
    ToolNameClash,
)
from agents.mcp.server import CALL_META_KEY, PREVIEW_META_KEY, build_builtin_server

__all__ = [
    "CALL_META_KEY",
    "PREVIEW_META_KEY",
    "EgressPolicy",
    "InProcessServer",
    "McpConfig",
    "McpConfigError",
    "McpConnections",
    "McpServerConfig",
    "McpServerStartError",
    "McpTool",
    "McpToolUnavailable",
    "MissingEnvironmentVariable",
    "ToolNameClash",
    "build_builtin_server",
    "check_unique_names",
    "tool_result_from_mcp",
]
