"""What an agent states about a write besides its arguments: how confident it is, and why, in one line.

The model sees two reserved properties in the input schema of every tool that is not read-only (`with_reserved`);
the tool itself never does. `split_reserved` takes them off a proposed call before anything else looks at it, so
the schema check, the dry run, the approval card, the action hash and the execution all see the same arguments.
The whole `_opsgate_` namespace is reserved: a tool whose schema uses it is refused when it is loaded
(`reserved_properties`), and any such key a model makes up is dropped, never passed to a tool.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.messages import ToolUseBlock

__all__ = [
    "CONFIDENCE",
    "RATIONALE",
    "RESERVED_PREFIX",
    "Stated",
    "reserved_properties",
    "split_reserved",
    "with_reserved",
    "without_reserved",
]

RESERVED_PREFIX = "_opsgate_"
CONFIDENCE = "_opsgate_confidence"
RATIONALE = "_opsgate_rationale"
RATIONALE_LIMIT = 300

_PROPERTIES: dict[str, dict[str, Any]] = {
    CONFIDENCE: {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "description": (
            "opsgate: your honest confidence, from 0 to 1, that this exact call is what the request asks for and "
            "that its arguments are right. Read by opsgate's risk policy; not passed to the tool."
        ),
    },
    RATIONALE: {
        "type": "string",
        "maxLength": RATIONALE_LIMIT,
        "description": "opsgate: one line on why this call, with these arguments. Shown to approvers; not passed "
        "to the tool.",
    },
}


@dataclass(frozen=True)
class Stated:
    """The reserved fields of one call. `confidence` is None when none was stated or it was unusable (`problem`
    says why); the policy counts a write without a usable confidence as a low-confidence one."""

    confidence: float | None = None
    rationale: str = ""
    problem: str = ""


def reserved_properties(schema: Mapping[str, Any]) -> list[str]:
    """The top-level properties of an input schema that use the reserved namespace (a tool with any is refused)."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return []
    return sorted(name for name in properties if isinstance(name, str) and name.startswith(RESERVED_PREFIX))


def with_reserved(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The input schema the model sees for a write: the tool's own, plus the two reserved properties (required,
    so the model states them; a call that leaves them out still reaches the gate, and counts as doubtful)."""
    properties = schema.get("properties")
    required = schema.get("required")
    return {
        **schema,
        "properties": {**(properties if isinstance(properties, Mapping) else {}), **_PROPERTIES},
        "required": [*(required if isinstance(required, list) else []), CONFIDENCE, RATIONALE],
    }


def split_reserved(arguments: Mapping[str, Any]) -> tuple[dict[str, Any], Stated]:
    """The tool's own arguments, and what the agent stated in the reserved fields. Pure and deterministic, so a
    replay splits a journaled call exactly as the first run did."""
    own = {key: value for key, value in arguments.items() if not key.startswith(RESERVED_PREFIX)}
    confidence, problem = _confidence(arguments.get(CONFIDENCE, None), CONFIDENCE in arguments)
    rationale = arguments.get(RATIONALE)
    line = " ".join(rationale.split())[:RATIONALE_LIMIT] if isinstance(rationale, str) else ""
    return own, Stated(confidence=confidence, rationale=line, problem=problem)


def without_reserved(call: ToolUseBlock) -> tuple[ToolUseBlock, Stated]:
    """The call as tools and the policy see it (reserved fields off), and what the agent stated with it."""
    own, stated = split_reserved(call.input)
    if len(own) == len(call.input):
        return call, stated
    return call.model_copy(update={"input": own}), stated


def _confidence(value: Any, present: bool) -> tuple[float | None, str]:
    if not present or value is None:
        return None, ""
    # bool is an int in Python; `true` is no confidence.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"the stated confidence ({str(value)[:40]!r}) is not a number from 0 to 1"
    if not 0 <= value <= 1:
        return None, f"the stated confidence ({value:g}) is not between 0 and 1"
    return float(value), ""
