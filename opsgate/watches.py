"""The worker's watches (paused invocations, alerts) look every so often until shutdown, whatever one look raises."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["look_every"]

log = logging.getLogger(__name__)


async def look_every(
    look: Callable[[], Awaitable[object]], interval_s: float, shutdown: asyncio.Event, what: str
) -> None:
    """`look()` now and then every `interval_s` seconds until `shutdown`; a look that fails is logged (`what`) and
    the next one tries again: a watch must outlive a bad answer."""
    while not shutdown.is_set():
        try:
            await look()
        except Exception:
            log.exception("%s", what)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shutdown.wait(), timeout=interval_s)
