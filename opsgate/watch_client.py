"""The worker's watches' client of Restate: the admin API's SQL introspection (only the worker holds the admin URL)
and the alert objects' `notify`, signed as opsgate, under the contract's names."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from bot.launcher import IngressClient
from handlers.contracts import OPS_ALERT, OPS_ALERT_NOTIFY, PAUSED_ALERT, PAUSED_NOTIFY, OpsNotice, PausedNotice
from handlers.contracts.envelope import Actor, Keyring

__all__ = ["WatchClient"]

log = logging.getLogger(__name__)


class WatchClient(IngressClient):
    def __init__(
        self,
        ingress_url: str,
        *,
        keyring: Keyring,
        admin_url: str | None,
        deadline: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(ingress_url, keyring=keyring, deadline=deadline, max_connections=4, clock=clock)
        self._admin_url = admin_url.rstrip("/") if admin_url else None

    async def admin_query(self, query: str) -> list[dict[str, object]] | None:
        """Restate's SQL introspection (`POST {admin}/query`); None without an admin URL or an answer."""
        if self._admin_url is None:
            return None
        body = json.dumps({"query": query})
        headers = {"accept": "application/json"}
        text = await self._answer("admin query", f"{self._admin_url}/query", body, headers=headers)
        if text is None:
            return None
        try:
            rows: list[dict[str, object]] = json.loads(text).get("rows", [])
        except (ValueError, AttributeError):
            log.warning("restate admin query answered something else than rows: %s", text[:200])
            return None
        return rows

    async def notify_paused(self, notice: PausedNotice, *, actor: Actor) -> bool:
        """Hand a paused invocation to its alert object (one-way); False when not accepted in time."""
        key = notice.invocation_id
        body = notice.model_dump_json()
        return await self._send(
            PAUSED_ALERT, key, PAUSED_NOTIFY, body, actor=actor, nonce=key, idempotency_key=f"paused:{key}"
        )

    async def notify_ops(self, key: str, notice: OpsNotice, *, actor: Actor) -> bool:
        """Hand an operations alert to its object, keyed so that it is posted once (one-way)."""
        body = notice.model_dump_json()
        return await self._send(
            OPS_ALERT, key, OPS_ALERT_NOTIFY, body, actor=actor, nonce=key, idempotency_key=f"alert:{key}"
        )
