"""Faults the shipped tools cannot produce on demand, added *through the same path*: tools of the built-in MCP
server of the test worker, given to a specialist (`research` in team.yml), never put straight in the toolbox.

`failing_lookup` is a read-only, idempotent built-in that always fails inside; each attempt appends a line to
`<service>.fault` in the probe directory, outside the worker, so a test counts what ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolResult, ToolSpec
from opsgate.settings import Settings

__all__ = ["FailingLookup", "fault_tools", "over_mcp"]

PROBE_DIR = Path(os.environ.get("OPSGATE_TEST_PROBE_DIR", "/tmp/opsgate-probe"))
LOOKUP = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)


def _append(path: Path, line: str) -> None:
    with path.open("a") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())


class FailingLookup(Tool):
    spec = ToolSpec(
        name="failing_lookup",
        description="Test tool: looks a service up, and always fails inside.",
        input_schema={
            "type": "object",
            "properties": {"service": {"type": "string"}, "environment": {"type": "string"}},
            "required": ["service"],
        },
        annotations=LOOKUP,
    )

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        _append(PROBE_DIR / f"{arguments['service']}.fault", context.idempotency_key)
        raise RuntimeError("lookup backend refused the connection (password=hunter2)")


def fault_tools() -> list[Tool]:
    return [FailingLookup()]


def over_mcp(settings: Settings) -> tuple[str, ...]:
    """The tools the test worker takes from the built-in server besides the read-only ones."""
    return ("failing_lookup",)
