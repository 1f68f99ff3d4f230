"""Limits on a tool's arguments: a value outside them blocks the action whatever its tier, with the reason why.

Constraints are a second line behind the tool's JSON schema: the schema says what the tool accepts, a constraint
says what this team lets an agent ask for (`environment` never `prod*`, `service` only `api` or `web-*`).
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ArgumentConstraint", "canonical_json", "constraint_violations"]

_SHOWN_CHARS = 60


def canonical_json(value: Any) -> str:
    """One spelling per value (sorted keys, no whitespace, UTF-8 as is), so equal values hash equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ArgumentConstraint(BaseModel):
    """Limits on one argument. An absent argument passes (whether it is required is the schema's business).

    Strings are checked as they are, other values as canonical JSON. The items of a list are checked one by one
    against `allow`, `deny` and `pattern`; `max_length` bounds the whole value. `deny` globs ignore case, so
    `PROD` cannot slip past `prod*`; `allow` globs do not, so only the spelling named gets through.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow: list[str] | None = Field(default=None, description="Globs; when set, every value must match one.")
    deny: list[str] = Field(default_factory=list, description="Globs no value may match (case-insensitive).")
    max_length: int | None = Field(default=None, ge=1, description="Characters, of the whole value.")
    pattern: str | None = Field(default=None, description="A regular expression every value must match in full.")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    def violation(self, name: str, value: Any) -> str | None:
        """Why `value` of argument `name` is refused, as a sentence for the card; None when it passes."""
        whole = _text(value)
        if self.max_length is not None and len(whole) > self.max_length:
            return f"Argument `{name}` is {len(whole)} characters long; the policy allows at most {self.max_length}."
        for item in value if isinstance(value, list) else [value]:
            text, shown = _text(item), _shown(item)
            denied = next((glob for glob in self.deny if fnmatchcase(text.casefold(), glob.casefold())), None)
            if denied is not None:
                return f"Argument `{name}` = {shown} matches `{denied}`, which the policy denies."
            if self.allow is not None and not any(fnmatchcase(text, glob) for glob in self.allow):
                allowed = ", ".join(f"`{glob}`" for glob in self.allow) or "nothing"
                return f"Argument `{name}` = {shown} is not allowed (allowed: {allowed})."
            if self.pattern is not None and re.fullmatch(self.pattern, text) is None:
                return f"Argument `{name}` = {shown} does not match the pattern `{self.pattern}`."
        return None


def constraint_violations(constraints: dict[str, ArgumentConstraint], arguments: dict[str, Any]) -> list[str]:
    """Every violated constraint, in argument-name order so the result never depends on dict order."""
    found = (constraints[name].violation(name, arguments[name]) for name in sorted(constraints) if name in arguments)
    return [violation for violation in found if violation is not None]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else canonical_json(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else _text(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
