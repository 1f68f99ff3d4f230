"""Faults the shipped tools cannot produce on demand, added *through the same path*: tools of the built-in MCP
server of the test worker, given to a specialist (`research` in team.yml), never put straight in the toolbox.

`failing_lookup` is a read-only, idempotent built-in that always fails inside; each attempt appends a line to
`<service>.fault` in the probe directory, outside the worker, so a test counts what ran. `send_email` is the real
built-in, offered when the test gives the worker an SMTP server (one that can hang after accepting a message).

`[act:NAME:send_email]` makes the specialist email `NAME@example.com` (subject `note NAME`); told by a person
that the email was not sent, it sends it once more (`send_again`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from agents.messages import ModelRequest, ModelResponse, TextBlock, ToolUseBlock
from agents.models.scripted import tool_turn
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolResult, ToolSpec
from opsgate.settings import Settings

__all__ = ["FailingLookup", "email_arguments", "fault_tools", "over_mcp", "send_again"]

SENDS = re.compile(r"^Objective: \[act:([a-z0-9-]+):send_email\]")

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
    return ("failing_lookup", *(("send_email",) if settings.smtp_host else ()))


def email_arguments(name: str) -> dict[str, object]:
    return {"to": [f"{name}@example.com"], "subject": f"note {name}", "body": f"A note for {name}."}


def send_again(request: ModelRequest, model: str) -> ModelResponse | None:
    """Told that the email did not go out (a person answered its outcome question), send it once more."""
    first, last = request.messages[0].content[0], request.messages[-1].content[0]
    sends = SENDS.match(first.text) if isinstance(first, TextBlock) else None
    told = last.text if isinstance(last, TextBlock) and last.text.startswith("Decisions on") else ""
    if sends is None or "did NOT happen" not in told or "once more" not in told:
        return None
    calls = [b for m in request.messages for b in m.content if isinstance(b, ToolUseBlock)]
    if any(call.id.endswith("_again") for call in calls):
        return None
    name = sends.group(1)
    return tool_turn("send_email", email_arguments(name), call_id=f"toolu_{name}_again", model=model)
