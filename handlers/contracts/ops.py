"""The messages of the worker's operations services (digests, worker health, the global switches, the alerts in
the admin channel), and nothing that runs them: `handlers.digest`, `handlers.health`, `handlers.switches` and
`handlers.alerts` implement them under the names in `handlers.contracts.names`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DigestRequest",
    "FreezeChange",
    "OpsNotice",
    "PausedNotice",
    "digest_key",
]


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


class PausedNotice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    invocation_id: str
    target: str
    """Service/handler (and key) of the paused invocation."""
    channel: str | None = None
    """Where to post; None: log and count only."""
    admin_url: str = ""


class OpsNotice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["config", "spans"]
    text: str = Field(max_length=3000)
    """Composed by the watch, untrusted parts escaped; the notifier's plain post neutralises mentions again."""
    channel: str | None = None
    """Where to post; None: log and count only."""
