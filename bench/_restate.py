"""Asking Restate's admin API how much work is still running, so every phase starts from the same state."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

__all__ = ["RestateProbe"]

_UNFINISHED = "SELECT count(*) AS n FROM sys_invocation_status WHERE status <> 'completed'"
_BY_STATUS = (
    "SELECT status, count(*) AS n FROM sys_invocation_status WHERE target_service_name = '{service}' GROUP BY status"
)


class RestateProbe:
    """SQL introspection at `POST {admin}/query`; with `accept: application/json` it answers `{"rows": [...]}`."""

    def __init__(self, admin_url: str) -> None:
        self._client = httpx.AsyncClient(base_url=admin_url, timeout=5.0, headers={"accept": "application/json"})

    async def rows(self, query: str) -> list[dict[str, Any]]:
        response = await self._client.post("/query", json={"query": query})
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["rows"]
        return rows

    async def unfinished(self) -> int:
        rows = await self.rows(_UNFINISHED)
        return int(rows[0]["n"]) if rows else 0

    async def by_status(self, service: str) -> dict[str, int]:
        return {str(r["status"]): int(r["n"]) for r in await self.rows(_BY_STATUS.format(service=service))}

    async def keys(self, service: str) -> set[str]:
        """The keys of every invocation of `service` Restate knows (a workflow's key is our task id)."""
        query = f"SELECT target_service_key AS k FROM sys_invocation_status WHERE target_service_name = '{service}'"
        return {str(r["k"]) for r in await self.rows(query)}

    async def drain(self, timeout: float = 60.0) -> tuple[float, int]:
        """Wait until no invocation is unfinished (or the bound); returns (seconds waited, still unfinished).

        Right after start-up the partitions may not be ready and the query answers 500: that counts as busy.
        """
        started = time.monotonic()
        left = -1
        while time.monotonic() - started < timeout:
            try:
                left = await self.unfinished()
            except httpx.HTTPError:
                left = -1
            if left == 0:
                break
            await asyncio.sleep(0.2)
        return time.monotonic() - started, left

    async def aclose(self) -> None:
        await self._client.aclose()
