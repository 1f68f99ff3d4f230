"""Risk tiers and what each one means for the action: run it, run and log it, or wait for people.

Tiers are strings (they travel through YAML, JSON and Restate's journal as `"high"`), but they compare by risk,
not alphabetically: `Tier.LOW < Tier.CRITICAL`, and `max()` of some tiers is the riskiest of them.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Handling", "Tier"]


class Tier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical."""
        return _ORDER.index(self)

    def raised(self) -> Tier:
        """One tier up, capped at critical."""
        return _ORDER[min(self.rank + 1, len(_ORDER) - 1)]

    @property
    def handling(self) -> Handling:
        return _HANDLING[self]

    @property
    def needs_approval(self) -> bool:
        return self.handling.needs_approval

    # str defines these alphabetically ("critical" < "low"); risk order is what every caller means.
    def __lt__(self, other: object) -> bool:
        return self.rank < _as_tier(other).rank

    def __le__(self, other: object) -> bool:
        return self.rank <= _as_tier(other).rank

    def __gt__(self, other: object) -> bool:
        return self.rank > _as_tier(other).rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= _as_tier(other).rank


class Handling(StrEnum):
    """What the tool gate does with an action of a tier (a `blocked` decision overrides all of them)."""

    RUN = "run"
    RUN_AND_LOG = "run_and_log"
    ASYNC_APPROVAL = "async_approval"
    SYNC_APPROVAL = "sync_approval"

    @classmethod
    def for_tier(cls, tier: Tier) -> Handling:
        return _HANDLING[tier]

    @property
    def needs_approval(self) -> bool:
        return self in (Handling.ASYNC_APPROVAL, Handling.SYNC_APPROVAL)

    @property
    def description(self) -> str:
        """Words for cards and `/ops policy`."""
        return _DESCRIPTIONS[self]


def _as_tier(value: object) -> Tier:
    if isinstance(value, Tier):
        return value
    if isinstance(value, str):
        return Tier(value)  # a ValueError for a string that is no tier, rather than a silent alphabetic answer
    raise TypeError(f"cannot compare a tier with {type(value).__name__}")


_ORDER: tuple[Tier, ...] = (Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL)
_HANDLING: dict[Tier, Handling] = {
    Tier.LOW: Handling.RUN,
    Tier.MEDIUM: Handling.RUN_AND_LOG,
    Tier.HIGH: Handling.ASYNC_APPROVAL,
    Tier.CRITICAL: Handling.SYNC_APPROVAL,
}
_DESCRIPTIONS: dict[Handling, str] = {
    Handling.RUN: "runs at once",
    Handling.RUN_AND_LOG: "runs at once and is logged in the thread",
    Handling.ASYNC_APPROVAL: "waits for approval while the task goes on with other steps",
    Handling.SYNC_APPROVAL: "halts the task until enough approvers agree",
}
