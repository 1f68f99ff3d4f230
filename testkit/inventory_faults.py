"""A fault the shipped inventory tools cannot produce on demand, added through the same path (a tool of the test
worker's built-in MCP server): a restart that holds its step open *after* the inventory committed it.

`restart_and_hold` runs the real built-in `restart_service` on the worker's own database (the shared inventory,
with the call's idempotency key), appends `pid <pid>: <result>` to `<service>.tool` in the probe directory and waits
for `<service>.release`. A test kills the worker while it waits: the change is committed, Restate has not journaled
its result, and the step runs again on the other worker with the same key. It is declared a medium, idempotent
write (not destructive) so that it runs without an approval card; the restart it wraps is what the test is about.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from agents.builtin import Inventory
from agents.builtin.change_tools import RestartService
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolResult

__all__ = ["HeldRestart", "inventory_faults"]

PROBE_DIR = Path(os.environ.get("OPSGATE_TEST_PROBE_DIR", "/tmp/opsgate-probe"))
_HOLD_POLLS = 3000  # at most 60 s, as the probe tool


class HeldRestart(Tool):
    def __init__(self, inventory: Inventory) -> None:
        self._restart = RestartService(inventory)
        self.spec = self._restart.spec.model_copy(
            update={
                "name": "restart_and_hold",
                "description": "Test fault: restart_service, then hold the step open until released.",
                "annotations": ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False),
            }
        )

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        result = await self._restart.call(arguments, context)
        name = str(arguments["service"])
        with (PROBE_DIR / f"{name}.tool").open("a") as out:
            out.write(f"pid {os.getpid()}: {result.content}\n")
            out.flush()
            os.fsync(out.fileno())
        release = PROBE_DIR / f"{name}.release"
        for _ in range(_HOLD_POLLS):
            if release.exists():
                return result
            await asyncio.sleep(0.02)
        return ToolResult(content=f"restart_and_hold {name} was never released", is_error=True)


def inventory_faults(engine: Engine) -> list[Tool]:
    return [HeldRestart(Inventory(engine))]
