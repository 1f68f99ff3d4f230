"""Digest schedules: APScheduler jobs built from `opsgate.yml` in every bot replica (in-memory job store; one
store shared by several schedulers is not supported by APScheduler), each firing a Restate call keyed by
channel and period, so the channel gets one digest per period however many replicas fire.

The period of a firing is derived from the schedule, not from the moment the job happened to run: the most
recent scheduled time at or before now is the period's end, so replicas whose clocks or event loops differ by a
few seconds still name the same period. A firing that Restate does not accept is handed over again a few times
(the key makes that safe); once accepted, the Digest object retries the post itself, durably.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator

from handlers.contracts import DigestRequest, digest_key
from handlers.contracts.envelope import Actor

__all__ = ["HANDOFF_RETRY_S", "DigestSchedule", "DigestScheduler", "latest_fire_time"]

log = logging.getLogger(__name__)

HANDOFF_RETRY_S = (2.0, 10.0, 60.0)
"""Waits before handing a scheduled firing to Restate again: a restart of the engine, not an outage."""


class DigestSchedule(BaseModel):
    """One digest: where, when (cron, in a timezone) and how far back it looks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str = Field(pattern=r"^[CG][A-Z0-9]{2,}$", description="Channel id (C…) the digest is posted in.")
    cron: str = Field(description='Five-field crontab, e.g. "0 9 * * 1-5" (09:00 on weekdays).')
    timezone: str = "UTC"
    covers_hours: float = Field(default=24.0, gt=0, le=24 * 31, description="The period: this many hours back.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Berlin)") from exc
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a five-field crontab ({exc})") from exc
        return value

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))

    def request_for(self, end: datetime) -> DigestRequest:
        start = end - timedelta(hours=self.covers_hours)
        local = end.astimezone(ZoneInfo(self.timezone))
        kind = "Daily" if self.covers_hours == 24 else "Weekly" if self.covers_hours == 168 else "Digest"
        label = f"{kind} digest · {local:%Y-%m-%d %H:%M} {self.timezone}"
        return DigestRequest(channel=self.channel, period_start=start, period_end=end, label=label)


def latest_fire_time(trigger: CronTrigger, now: datetime, *, lookback: timedelta = timedelta(days=32)) -> datetime:
    """The most recent scheduled time at or before `now` (bounded: schedules fire at least monthly)."""
    fire = trigger.get_next_fire_time(None, now - lookback)
    latest: datetime | None = None
    for _ in range(50_000):  # a minutely cron over 32 days is 46,080 firings
        if fire is None or fire > now:
            break
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    if latest is None:
        raise ValueError("the schedule has not fired in the last 32 days")
    return latest.astimezone(UTC)


class _Sender(Protocol):
    """What a firing needs of the bot's durable client (`Launcher.fire_digest`)."""

    async def fire_digest(self, request: DigestRequest, *, actor: Actor, nonce: str) -> bool: ...


class DigestScheduler:
    """The bot's digest jobs. `fire` is what each job runs, public so a test with a fixed clock can fire it."""

    def __init__(
        self,
        schedules: list[DigestSchedule],
        sender: _Sender,
        *,
        team_id: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        retry_s: tuple[float, ...] = HANDOFF_RETRY_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`team_id`: the home team, in whose name scheduled digests are asked for (by opsgate, not a person)."""
        self.schedules = schedules
        self._sender = sender
        self._system = Actor.opsgate(team_id)
        self._clock = clock
        self._retry_s = retry_s
        self._sleep = sleep
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        for index, schedule in enumerate(schedules):
            self.scheduler.add_job(
                self.fire,
                schedule.trigger(),
                args=[schedule],
                id=f"digest-{index}-{schedule.channel}",
                name=f"digest {schedule.channel} ({schedule.cron} {schedule.timezone})",
                misfire_grace_time=3600,
                coalesce=True,
                max_instances=1,
            )

    def start(self) -> None:
        if self.schedules:
            self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def next_runs(self, channel: str) -> list[tuple[DigestSchedule, datetime | None]]:
        now = self._clock()
        return [(s, s.trigger().get_next_fire_time(None, now)) for s in self.schedules if s.channel == channel]

    async def fire(self, schedule: DigestSchedule) -> bool:
        """Hand this period's digest to Restate, again after each of `retry_s` while it is not accepted."""
        request = schedule.request_for(latest_fire_time(schedule.trigger(), self._clock()))
        for wait in self._retry_s:
            if await self.post(request):
                return True
            await self._sleep(wait)
        if await self.post(request):
            return True
        key = digest_key(request.channel, request.period_end)
        log.error("digest %s was not posted: the task engine refused it %d times", key, len(self._retry_s) + 1)
        return False

    async def post(self, request: DigestRequest, *, actor: Actor | None = None, nonce: str = "") -> bool:
        """Ask for the digest of `request`'s period, as `actor` (a person's `/ops digest now`) or as opsgate; the
        key makes every replica's call the same call."""
        key = digest_key(request.channel, request.period_end)
        sent = await self._sender.fire_digest(request, actor=actor or self._system, nonce=nonce or key)
        if not sent:
            log.warning("digest %s could not be handed to the task engine", key)
        return sent
