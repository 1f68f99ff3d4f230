"""Watches Restate for invocations paused after their retries ran out, and asks for one alert each.

Runs in every worker replica every `interval_s` (the worker is the only opsgate process with Restate's admin API;
the bot, which faces the internet, has none); the alert object (handlers.alerts) makes the replicas' calls one.
The admin API is Restate's SQL introspection (`status = 'paused'` on restate-server 1.7). Notices are signed as
opsgate itself, so an ingress caller cannot make the alert object post.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from handlers.contracts import PAUSED_ALERT, PausedNotice
from handlers.contracts.envelope import Actor
from opsgate.watches import look_every

__all__ = ["PausedWatch"]

log = logging.getLogger(__name__)
QUERY = (
    "SELECT id, target FROM sys_invocation WHERE status = 'paused' "
    f"AND target_service_name <> '{PAUSED_ALERT}' ORDER BY id LIMIT 100"
)


class _Engine(Protocol):
    async def admin_query(self, query: str) -> list[dict[str, object]] | None: ...

    async def notify_paused(self, notice: PausedNotice, *, actor: Actor) -> bool: ...


class PausedWatch:
    def __init__(
        self,
        engine: _Engine,
        *,
        channel: str | None,
        admin_url: str = "",
        interval_s: float = 60.0,
        team_id: str = "",
    ) -> None:
        self._engine = engine
        self._actor = Actor.opsgate(team_id)
        self._channel = channel
        self._admin_url = admin_url
        self._interval = interval_s

    async def check(self) -> int:
        """One look: how many paused invocations were handed to the alert object (None answered: 0)."""
        rows = await self._engine.admin_query(QUERY)
        if rows is None:
            return 0
        handed = 0
        for row in rows:
            notice = PausedNotice(
                invocation_id=str(row.get("id")),
                target=str(row.get("target")),
                channel=self._channel,
                admin_url=self._admin_url,
            )
            if await self._engine.notify_paused(notice, actor=self._actor):
                handed += 1
        return handed

    async def run(self, shutdown: asyncio.Event) -> None:
        await look_every(self.check, self._interval, shutdown, "could not check Restate for paused invocations")
