"""What a guardrail answers: an action, the text to pass on, and reasons a person can read.

Actions are ordered by severity: `allow` < `redact` (passed on, altered) < `escalate` (passed on, flagged for a
human or a stricter path) < `out_of_scope` (a request that is not this team's ops work: refused politely, no model
call, never counted as an injection) < `block` (refused). Rule ids are stable (`R3 instruction-override`), so a verdict
can be counted in traces and the audit log and looked up in docs/guardrails.md.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ACTION_ORDER", "Action", "InputGuard", "InputVerdict", "Span", "strongest"]

Action = Literal["allow", "redact", "escalate", "out_of_scope", "block"]
ACTION_ORDER: dict[Action, int] = {"allow": 0, "redact": 1, "escalate": 2, "out_of_scope": 3, "block": 4}


def strongest(*actions: Action) -> Action:
    return max(actions, key=ACTION_ORDER.__getitem__, default="allow")


class Span(BaseModel):
    """A sensitive value found in the input: its entity type and character offsets in the text as received."""

    model_config = ConfigDict(frozen=True)

    type: str
    start: int
    end: int


class InputVerdict(BaseModel):
    """The answer on one text. `text` is what may be passed on: the text as received without its invisible
    characters (never the normalized text, which is for matching only), with secrets and personal data replaced;
    `reasons` are short and specific, since a block shows them to the person who asked."""

    model_config = ConfigDict(frozen=True)

    action: Action
    text: str
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    pii: tuple[Span, ...] = ()
    score: float = 0.0
    latency_us: int = 0
    # Placeholder -> original value, for the vault that may restore them inside an approved tool call.
    # Never serialized or shown in a repr: it holds the personal data the rest of the verdict hides.
    pseudonyms: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    @property
    def escalated(self) -> bool:
        return self.action == "escalate"

    @property
    def out_of_scope(self) -> bool:
        return self.action == "out_of_scope"

    def telemetry(self) -> dict[str, str | int | float | list[str]]:
        """Span or audit attributes for this verdict: what was decided and why, never the text itself."""
        return {
            "guardrail.action": self.action,
            "guardrail.rules": list(self.rules),
            "guardrail.pii_types": sorted({span.type for span in self.pii}),
            "guardrail.pii_count": len(self.pii),
            "guardrail.score": self.score,
            "guardrail.latency_us": self.latency_us,
        }


class InputGuard(Protocol):
    def check(self, text: str, *, scope: bool = False) -> InputVerdict:
        """`scope=True` for a new request: one that is not this team's ops work may come back `out_of_scope`."""
        ...
