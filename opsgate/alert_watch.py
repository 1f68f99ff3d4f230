"""Watches what the worker would otherwise lose quietly, and asks for one alert in the alerts channel for each.

- An invalid `opsgate.yml`: the processes keep the policy they had (`opsgate.policy_source`); the watch announces
  each bad version of the file once (the alert object is keyed by the file's content, so however many replicas
  watch, and however often the file is read, one message per version).
- Span summaries this process could not store: the trace summaries of those tasks say they are partial; the watch
  says how many were dropped, at most once per `spans_every_s`, so a database outage is one alert, not a stream.

Runs in every worker replica beside the paused-invocation watch; notices are signed as opsgate itself, so an
ingress caller cannot make the alert object post.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from agents.slack_text import escape
from handlers.contracts import OpsNotice
from handlers.contracts.envelope import Actor
from opsgate.policy_source import InvalidConfig, invalid_config
from opsgate.watches import look_every

__all__ = ["AlertWatch"]

log = logging.getLogger(__name__)


class _Sender(Protocol):
    async def notify_ops(self, key: str, notice: OpsNotice, *, actor: Actor) -> bool: ...


class AlertWatch:
    def __init__(
        self,
        engine: _Sender,
        *,
        channel: str | None,
        config_file: Path,
        dropped_spans: Callable[[], int] = lambda: 0,
        interval_s: float = 60.0,
        spans_every_s: float = 900.0,
        team_id: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._actor = Actor.opsgate(team_id)
        self._channel = channel
        self._config_file = config_file
        self._config_seen: tuple[int, int] | None = None
        self._dropped_spans = dropped_spans
        self._spans_reported = 0
        self._spans_next = 0.0
        self._spans_every = spans_every_s
        self._interval = interval_s
        self._clock = clock
        self._process = f"{socket.gethostname()}-{os.getpid()}".replace("/", "-")

    async def check(self) -> int:
        """One look: how many notices were handed to the alert object."""
        handed = await self._check_config()
        return handed + await self._check_spans()

    async def _check_config(self) -> int:
        try:
            stat = self._config_file.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen == self._config_seen:
            return 0  # unchanged since the last look: its version was announced already, or is fine
        problem = await asyncio.to_thread(invalid_config, self._config_file)
        if problem is not None and not await self._notify(f"config-{problem.version}", "config", _config_text(problem)):
            return 0  # not accepted: the next look tries again
        self._config_seen = seen
        return 1 if problem is not None else 0

    async def _check_spans(self) -> int:
        dropped = self._dropped_spans()
        now = self._clock()
        if dropped <= self._spans_reported or now < self._spans_next:
            return 0
        new = dropped - self._spans_reported
        text = (
            f":warning: {new:,} span summar{'y' if new == 1 else 'ies'} could not be stored on worker "
            f"`{self._process}` ({dropped:,} since it started): the trace summaries of those tasks say they are "
            "partial, and the digests and `/ops status` count without them. The worker's log (`could not store`) "
            "names the database error and the tasks."
        )
        if not await self._notify(f"spans-{self._process}-{dropped}", "spans", text):
            return 0
        self._spans_reported, self._spans_next = dropped, now + self._spans_every
        return 1

    async def _notify(self, key: str, kind: Literal["config", "spans"], text: str) -> bool:
        notice = OpsNotice(kind=kind, text=text[:3000], channel=self._channel)
        return await self._engine.notify_ops(key, notice, actor=self._actor)

    async def run(self, shutdown: asyncio.Event) -> None:
        await look_every(self.check, self._interval, shutdown, "the alert watch could not look")


def _config_text(problem: InvalidConfig) -> str:
    shown = "\n".join(f"• {escape(line, 300)}" for line in problem.problems[:10])
    more = f"\n…and {len(problem.problems) - 10} more" if len(problem.problems) > 10 else ""
    return (
        f":warning: `{escape(str(problem.path), 200)}` is not a valid team configuration, so opsgate keeps the policy "
        f"it had until the file is fixed:\n{shown}{more}\n`opsgate doctor` shows the same errors."
    )
