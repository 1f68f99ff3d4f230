"""A small read-only sample tool over a fixed inventory, for tests that need a tool and not the ops inventory."""

from __future__ import annotations

from typing import Any

from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec

__all__ = ["ListServices"]

_INVENTORY: tuple[tuple[str, str, str, int], ...] = (
    ("api", "production", "v2.14.1", 6),
    ("api", "staging", "v2.15.0-rc.2", 2),
    ("billing", "production", "v1.9.3", 3),
    ("billing", "staging", "v1.10.0", 1),
    ("search", "production", "v4.2.0", 4),
    ("web", "production", "v3.3.7", 5),
    ("web", "staging", "v3.4.0", 2),
)


class ListServices(Tool):
    spec = ToolSpec(
        name="list_services",
        description="List the services in the inventory with their version and replica count.",
        input_schema={
            "type": "object",
            "properties": {
                "environment": {
                    "type": "string",
                    "enum": ["production", "staging", "dev"],
                    "description": "Only this environment.",
                }
            },
            "additionalProperties": False,
        },
        annotations=ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
    )

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        environment = arguments.get("environment")
        if environment is not None and environment not in ("production", "staging", "dev"):
            raise ToolError(f"unknown environment {environment!r}; use production, staging or dev")
        rows = [row for row in _INVENTORY if environment in (None, row[1])]
        if not rows:
            return ToolResult(content=f"No services in {environment}.")
        lines = [f"- {name} ({env}): {version}, {replicas} replicas" for name, env, version, replicas in rows]
        return ToolResult(content="\n".join(lines))
