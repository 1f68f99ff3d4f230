"""What can go wrong between opsgate and an MCP server, sorted by who must act.

    Exception
    ├── McpToolUnavailable        the server could not be reached or did not answer in time (retryable)
    ├── McpServerStartError       required servers did not start; names each server and why
    └── ValueError
        ├── McpConfigError        the `mcp:` configuration cannot be used as written
        │   └── MissingEnvironmentVariable   a `${NAME}` reference names an unset variable
        └── ToolNameClash         two servers offer a tool of the same name

A tool that ran and failed is not an exception here: it is a `ToolResult(is_error=True)` whose `error_kind` says
who must act (as a trusted server stated it; from any other server an error result is an `arguments` error), or
`ToolError` when the server refused the call itself (unknown tool, invalid arguments), so the model can choose
differently.
"""

from __future__ import annotations

__all__ = [
    "McpConfigError",
    "McpServerStartError",
    "McpToolUnavailable",
    "MissingEnvironmentVariable",
    "ToolNameClash",
]


class McpToolUnavailable(Exception):
    """No answer from the tool: retry it if it is idempotent, and count it for a circuit breaker.

    `may_have_run`: the request may have reached the tool (a timeout, a connection lost mid-call), so a tool that
    is not idempotent may have taken effect; False only when the call was never sent (no session)."""

    retryable = True

    def __init__(self, server: str, tool: str, reason: str, *, may_have_run: bool = True) -> None:
        self.server = server
        self.tool = tool
        self.reason = reason
        self.may_have_run = may_have_run
        super().__init__(f"MCP server {server!r} is unavailable for {tool!r}: {reason}")


class McpServerStartError(Exception):
    """Servers marked `required` did not start; `failures` maps each server's name to the reason."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = dict(failures)
        super().__init__("; ".join(f"MCP server {name!r} did not start: {why}" for name, why in failures.items()))


class McpConfigError(ValueError):
    """The `mcp:` section cannot be used as written; the message names the server and the field."""


class MissingEnvironmentVariable(McpConfigError):
    def __init__(self, server: str, field: str, variable: str) -> None:
        self.server = server
        self.field = field
        self.variable = variable
        super().__init__(
            f"MCP server {server!r}: {field} references ${{{variable}}}, but {variable} is not set in the "
            f"worker's environment; export {variable} before starting the worker"
        )


class ToolNameClash(ValueError):
    def __init__(self, tool: str, first: str, second: str) -> None:
        self.tool = tool
        self.servers = (first, second)
        super().__init__(
            f"tool {tool!r} is offered by both {first!r} and {second!r}; list only one of them in a server's "
            "`tools:` allowlist"
        )
