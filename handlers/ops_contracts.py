"""What the bot may know of the worker's operations services (digests, worker health, the global switches): their
names and messages, and nothing that runs them.

This module imports no Restate SDK and no other part of the worker: the bot depends on it (and on the other
`*contracts` modules) to call these services, so `import bot.app` stays free of the worker's runtime. The services
themselves (`handlers.digest`, `handlers.health`, `handlers.switches`) register their handlers under these names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

__all__ = [
    "BREAKERS",
    "DIGEST_OBJECT",
    "DIGEST_POST",
    "FROZEN",
    "IS_FROZEN",
    "SET_FROZEN",
    "SWITCHES_KEY",
    "SWITCHES_OBJECT",
    "WORKER_HEALTH",
    "DigestRequest",
    "FreezeChange",
    "digest_key",
]

DIGEST_OBJECT = "Digest"
DIGEST_POST = "post"

WORKER_HEALTH = "WorkerHealth"
BREAKERS = "breakers"

SWITCHES_OBJECT = "Switches"
SWITCHES_KEY = "global"
SET_FROZEN = "set_frozen"
FROZEN = "frozen"
"""The switch as the bot reads it for `/ops freeze status`: verified."""
IS_FROZEN = "is_frozen"
"""The switch as the gate reads it: ingress-private."""


class DigestRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    period_start: datetime
    period_end: datetime
    label: str


def digest_key(channel: str, period_end: datetime) -> str:
    return f"{channel}:{period_end.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


class FreezeChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    frozen: bool
    by: str
    """Shown only; who changed it is the envelope's actor."""
