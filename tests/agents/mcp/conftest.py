"""Tools to serve over MCP, and a loopback streamable-HTTP server (uvicorn) that records the headers it got."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec

CONTEXT = ToolCallContext(task_id="T1", call_id="toolu_1", requester="U123", idempotency_key="T1:0:toolu_1")


class RestartService(Tool):
    """A changing tool with a dry run and target keys; some service names make it fail in the ways tools fail."""

    spec = ToolSpec(
        name="restart_service",
        description="Restart a service with a rolling restart.",
        input_schema={
            "type": "object",
            "properties": {
                "service": {"type": "string", "pattern": "^[a-z]+$"},
                "environment": {"type": "string", "enum": ["production", "staging"]},
            },
            "required": ["service", "environment"],
            "additionalProperties": False,
        },
        annotations=ToolAnnotations(read_only=False, destructive=True, idempotent=True, open_world=False),
        target_keys=("service", "environment"),
    )

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], ToolCallContext]] = []

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        service = arguments["service"]
        if service == "ghost":
            raise ToolError("there is no service named ghost; list_services shows the names")
        if service == "crash":
            raise RuntimeError("connection string postgres://admin:hunter2@db leaked in a traceback")
        self.calls.append((arguments, context))
        if service == "halfway":
            return ToolResult(content="the restart was interrupted", is_error=True, unknown=True)
        return ToolResult(content=f"restarted {service} in {arguments['environment']}")

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        return f"would restart {arguments['service']} ({arguments['environment']}): 6 replicas, one at a time"


@asynccontextmanager
async def serving_http(app: Any, seen_headers: list[Mapping[str, str]] | None = None) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port; yields its base URL. The socket listens before uvicorn starts, so
    clients may connect at once (they wait in the backlog until the app's lifespan has started)."""

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and seen_headers is not None:
            seen_headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await app(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(recording, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=10)
        finally:
            sock.close()
