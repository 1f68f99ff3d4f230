"""A scheduled digest that Restate does not accept at once is handed over again, under the same key (so however
often, one digest), and a firing that is never accepted says so in the log rather than vanishing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.digest_schedule import DigestSchedule, DigestScheduler
from handlers.contracts import DigestRequest, digest_key
from handlers.contracts.envelope import Actor

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@dataclass
class RefusingEngine:
    """Refuses the first `refusals` sends (every one with None), as a Restate that is restarting would."""

    refusals: int | None
    keys: list[str] = field(default_factory=list)

    async def fire_digest(self, request: DigestRequest, *, actor: Actor, nonce: str) -> bool:
        self.keys.append(digest_key(request.channel, request.period_end))
        return self.refusals is not None and len(self.keys) > self.refusals


async def test_a_refused_firing_is_handed_over_again_under_the_same_key() -> None:
    engine, waits = RefusingEngine(refusals=2), []
    schedule = DigestSchedule(channel="C0OPS", cron="0 9 * * *")

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    scheduler = DigestScheduler([schedule], engine, clock=lambda: NOW, retry_s=(2.0, 10.0, 60.0), sleep=sleep)

    assert await scheduler.fire(schedule)
    assert engine.keys == ["C0OPS:2026-12-01T09:00Z"] * 3
    assert waits == [2.0, 10.0]


async def test_a_firing_never_accepted_is_logged_as_not_posted(caplog: pytest.LogCaptureFixture) -> None:
    engine = RefusingEngine(refusals=None)
    schedule = DigestSchedule(channel="C0OPS", cron="0 9 * * *")

    async def sleep(seconds: float) -> None:
        return None

    scheduler = DigestScheduler([schedule], engine, clock=lambda: NOW, retry_s=(1.0, 1.0), sleep=sleep)

    assert not await scheduler.fire(schedule)
    assert len(engine.keys) == 3
    assert "digest C0OPS:2026-12-01T09:00Z was not posted: the task engine refused it 3 times" in caplog.text
