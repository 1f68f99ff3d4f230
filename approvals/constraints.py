"""Limits on a tool's arguments: a value outside them blocks the action whatever its tier, with the reason why.

Constraints are a second line behind the tool's JSON schema: the schema says what the tool accepts, a constraint
says what this team lets an agent ask for (`environment` never `prod*`, `service` only `api` or `web-*`).

A `pattern` runs on RE2, in time linear in the argument whatever the pattern: the argument comes from the model
(or from text injected into it), and Python's backtracking `re` let a pattern like `(a+)+$` take minutes on a
short value. RE2 has no look-around or backreferences; a policy that uses them is refused when it is loaded.
"""

from __future__ import annotations

import functools
import json
from fnmatch import fnmatchcase
from typing import Any

import re2  # type: ignore[import-untyped]
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
    pattern: str | None = Field(
        default=None, description="A regular expression (RE2 syntax) every value must match in full."
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                _compiled(pattern)
            except re2.error as exc:
                reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                raise ValueError(
                    f"{pattern!r} is not a regular expression RE2 accepts ({reason}; RE2 has no look-around or "
                    "backreferences)"
                ) from None
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
            if self.pattern is not None and _compiled(self.pattern).fullmatch(text) is None:
                return f"Argument `{name}` = {shown} does not match the pattern `{self.pattern}`."
        return None


def constraint_violations(constraints: dict[str, ArgumentConstraint], arguments: dict[str, Any]) -> list[str]:
    """Every violated constraint, in argument-name order so the result never depends on dict order."""
    found = (constraints[name].violation(name, arguments[name]) for name in sorted(constraints) if name in arguments)
    return [violation for violation in found if violation is not None]


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False  # the error is raised with the reason, not logged to stderr as well
    return re2.compile(pattern, options)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else canonical_json(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else _text(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
