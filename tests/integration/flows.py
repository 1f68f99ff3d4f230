"""Waiting helpers for integration tests: every wait is on an event or bounded by a deadline."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.integration.harness import Stack


async def attach(stack: Stack, task_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Block until the task's workflow finishes (Restate's attach), and return its output."""
    url = f"{stack.restate.ingress_url}/restate/workflow/TaskWorkflow/{task_id}/attach"
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def wait_for_lines(stack: Stack, name: str, kind: str, count: int, timeout: float = 15.0) -> None:
    """The probe writes to disk from another process; poll the file with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(stack.probe_lines(name, kind)) < count:
        if loop.time() > deadline:
            raise TimeoutError(f"{name}.{kind} has {stack.probe_lines(name, kind)}, expected {count} lines")
        await asyncio.sleep(0.02)
