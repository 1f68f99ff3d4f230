"""Schema fragments the built-in tools share, and argument checks that tell the model what would be valid.

The tool gate validates arguments against the schema before a call; these checks repeat the essentials so a tool
used outside the gate (a test, a script) fails with the same kind of message instead of a `KeyError`.
"""

from __future__ import annotations

from typing import Any

from agents.builtin.seed import ENVIRONMENTS
from agents.tools import ToolError

__all__ = ["ENVIRONMENT", "SERVICE", "check_known", "choice", "integer", "object_schema", "optional_text", "text"]

SERVICE: dict[str, Any] = {
    "type": "string",
    "pattern": "^[a-z][a-z0-9-]{0,39}$",
    "description": "Service name as list_services shows it, e.g. api.",
}
ENVIRONMENT: dict[str, Any] = {"type": "string", "enum": list(ENVIRONMENTS), "description": "Environment."}


def object_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def check_known(arguments: dict[str, Any], schema: dict[str, Any]) -> None:
    unknown = sorted(set(arguments) - set(schema["properties"]))
    if unknown:
        known = ", ".join(schema["properties"])
        raise ToolError(f"unknown argument(s) {', '.join(unknown)}; this tool takes {known}")


def text(arguments: dict[str, Any], key: str, *, max_length: int) -> str:
    value = arguments.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{key} is required: a non-empty string")
    if len(value) > max_length:
        raise ToolError(f"{key} is {len(value)} characters long; at most {max_length}")
    return value.strip()


def optional_text(arguments: dict[str, Any], key: str, *, max_length: int) -> str | None:
    if arguments.get(key) in (None, ""):
        return None
    return text(arguments, key, max_length=max_length)


def integer(arguments: dict[str, Any], key: str, *, low: int, high: int, default: int | None = None) -> int:
    value = arguments.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ToolError(f"{key} must be a whole number from {low} to {high}, not {value!r}")
    return value


def choice(arguments: dict[str, Any], key: str, options: tuple[str, ...], *, default: str | None = None) -> str:
    value = arguments.get(key, default)
    if not isinstance(value, str) or value not in options:
        raise ToolError(f"{key} must be one of {', '.join(options)}, not {value!r}")
    return value
