"""A Restate service whose only handler always fails and pauses after two quick attempts (restate-server 1.7's
`on_max_attempts = "pause"`), for tests of what happens to paused invocations."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import restate
from restate.retry_policy import InvocationRetryPolicy

from opsgate.processes import wait_until

__all__ = ["pausing_service", "wait_paused"]


def pausing_service() -> restate.Service:
    """`Flaky/boom`: raises on every attempt; Restate pauses it after the second."""
    flaky = restate.Service(
        "Flaky",
        invocation_retry_policy=InvocationRetryPolicy(
            initial_interval=timedelta(milliseconds=20), max_attempts=2, on_max_attempts="pause"
        ),
    )

    @flaky.handler()
    async def boom(ctx: restate.Context, text: str) -> str:
        raise RuntimeError("always fails")

    return flaky


async def wait_paused(client: httpx.AsyncClient, admin: str, count: int = 1, timeout: float = 20.0) -> None:
    """Until `count` invocations are paused (admin SQL), or AssertionError after `timeout`."""
    query = {"query": "SELECT count(*) AS n FROM sys_invocation WHERE status = 'paused'"}

    async def paused() -> bool:
        response = await client.post(f"{admin}/query", json=query, headers={"accept": "application/json"})
        return response.status_code == 200 and json.loads(response.text)["rows"][0]["n"] == count

    await wait_until(paused, timeout=timeout, what=f"{count} paused invocation(s)")
