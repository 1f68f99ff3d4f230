"""The bot's durable client: hands a task to Restate's ingress, once, within a deadline.

The send is one-way (`/send`), over a pooled keep-alive connection, with a bound on concurrent sends so a
burst of slash commands queues briefly in the pool instead of opening hundreds of sockets. The workflow key is
the task id derived from Slack's ids, so a replayed request answers `PreviouslyAccepted` and starts nothing.
"""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum

import httpx

from handlers.contracts import TASK_RUN, TASK_WORKFLOW, TaskRequest

__all__ = ["Launch", "TaskLauncher"]

log = logging.getLogger(__name__)
_JSON = {"content-type": "application/json"}


class Launch(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNAVAILABLE = "unavailable"


class TaskLauncher:
    def __init__(self, ingress_url: str, *, deadline: float = 2.0, max_connections: int = 32) -> None:
        self._deadline = deadline
        self._client = httpx.AsyncClient(
            base_url=ingress_url,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            timeout=httpx.Timeout(deadline),
        )

    async def launch(self, request: TaskRequest) -> Launch:
        path = f"/{TASK_WORKFLOW}/{request.task_id}/{TASK_RUN}/send"
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._client.post(path, content=request.model_dump_json(), headers=_JSON)
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("restate did not accept task %s: %s", request.task_id, type(exc).__name__)
            return Launch.UNAVAILABLE
        if response.status_code >= 300:
            log.warning("restate refused task %s: %s %s", request.task_id, response.status_code, response.text[:200])
            return Launch.UNAVAILABLE
        status = response.json().get("status") if response.content else None
        return Launch.DUPLICATE if status == "PreviouslyAccepted" else Launch.ACCEPTED

    async def call(
        self, service: str, key: str, handler: str, body: str | None, *, deadline: float | None = None
    ) -> str | None:
        """A request-response call to a keyed handler (`body` None for one without input); None on no answer."""
        path = f"/{service}/{key}/{handler}"
        try:
            async with asyncio.timeout(deadline or self._deadline):
                if body is None:
                    response = await self._client.post(path)
                else:
                    response = await self._client.post(path, content=body, headers=_JSON)
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("restate call %s/%s/%s failed: %s", service, key, handler, type(exc).__name__)
            return None
        if response.status_code >= 300:
            log.warning(
                "restate call %s/%s/%s: %s %s", service, key, handler, response.status_code, response.text[:200]
            )
            return None
        return response.text

    async def aclose(self) -> None:
        await self._client.aclose()
