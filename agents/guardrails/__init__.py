"""Input guardrails: LLM-free checks that run in the bot before the ack and on every text entering a task.

The walking skeleton ships the hook and the cheapest checks (size and control characters); the guardrails
issue adds injection, PII/secret and scope rules behind the same `InputGuard` interface.
"""

from __future__ import annotations

import unicodedata
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

__all__ = ["InputGuard", "InputVerdict", "SizeGuard"]


class InputVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Literal["allow", "redact", "escalate", "block"]
    text: str
    reasons: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.action == "block"


class InputGuard(Protocol):
    def check(self, text: str) -> InputVerdict: ...


_INVISIBLE = {"Cc", "Cf"}


class SizeGuard:
    """Caps the request size and drops control and format characters (zero-width, bidi overrides)."""

    def __init__(self, max_chars: int = 4000) -> None:
        self.max_chars = max_chars

    def check(self, text: str) -> InputVerdict:
        if len(text) > self.max_chars:
            return InputVerdict(
                action="block",
                text="",
                reasons=(f"the request is {len(text)} characters long; the limit is {self.max_chars}",),
            )
        cleaned = "".join(
            ch
            for ch in unicodedata.normalize("NFKC", text)
            if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE
        ).strip()
        if cleaned != text.strip():
            return InputVerdict(action="redact", text=cleaned, reasons=("removed invisible characters",))
        return InputVerdict(action="allow", text=cleaned)
