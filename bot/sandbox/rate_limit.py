"""A per-channel token bucket for chat.postMessage, because Slack allows about one post per second per channel.

Slack tolerates short bursts and then answers HTTP 429 with `Retry-After`; a bot that posts progress too eagerly
must meet that here rather than in production. Time comes from the sandbox's clock, so tests can step it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float


class ChannelRateLimiter:
    """Allows `burst` posts at once per channel, refilled at `per_second`; `enabled=False` allows everything."""

    def __init__(
        self, clock: Callable[[], float], *, burst: int = 3, per_second: float = 1.0, enabled: bool = True
    ) -> None:
        self.clock = clock
        self.burst = burst
        self.per_second = per_second
        self.enabled = enabled
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, channel: str) -> int | None:
        """Take one post from the channel's bucket: None if allowed, else whole seconds to wait (at least 1)."""
        if not self.enabled:
            return None
        now = self.clock()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        elapsed = max(0.0, now - bucket.refilled_at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.refilled_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))

    def reset(self) -> None:
        """Forget every channel's history (full buckets again)."""
        self._buckets.clear()
