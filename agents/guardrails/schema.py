"""Validating a tool call's arguments against the tool's JSON schema, with RE2 for the schema's own patterns.

Tool schemas can come from MCP servers we do not control, and `pattern` is matched against text the model
wrote, so the `pattern` and `patternProperties` keywords run on RE2 here (linear time), and a pattern RE2
cannot compile is reported rather than run on a backtracking engine. Validators are cached per tool.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from jsonschema import ValidationError
from jsonschema.exceptions import SchemaError, best_match  # type: ignore[import-untyped]
from jsonschema.validators import extend, validator_for  # type: ignore[import-untyped]

from agents.guardrails._regex import BytePattern, compile_bytes

__all__ = ["SchemaChecker"]

_MAX_ERRORS = 3
_MAX_MESSAGE = 200
_patterns: dict[str, BytePattern | None] = {}
_patterns_lock = threading.Lock()


def _compiled(pattern: str) -> BytePattern | None:
    with _patterns_lock:
        if pattern not in _patterns:
            try:
                _patterns[pattern] = compile_bytes(pattern)
            except ValueError:
                _patterns[pattern] = None
        return _patterns[pattern]


def _search(pattern: str, text: str) -> bool | None:
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    return compiled.search(text.encode("utf-8", "surrogatepass")) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    found = _search(pattern, instance)
    if found is None:
        yield ValidationError(f"the schema's pattern {pattern!r} is not supported (no look-around or back-references)")
    elif not found:
        yield ValidationError(f"{_clip(repr(instance))} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaChecker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._validators: dict[str, tuple[dict[str, Any], Any]] = {}

    def errors(self, tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> list[str]:
        """Up to three readable problems with `arguments`; empty when they are valid."""
        try:
            validator = self._validator(tool, schema)
        except SchemaError as error:
            return [f"the tool's input schema is invalid: {_clip(str(error.message))}"]
        problems = list(validator.iter_errors(arguments))
        if not problems:
            return []
        first = best_match(problems)
        ordered = [first] + [problem for problem in problems if problem is not first]
        return [self._describe(problem) for problem in ordered[:_MAX_ERRORS]]

    def _validator(self, tool: str, schema: dict[str, Any]) -> Any:
        with self._lock:
            cached = self._validators.get(tool)
            if cached is not None and (cached[0] is schema or cached[0] == schema):
                return cached[1]
            base = validator_for(schema, default=jsonschema.Draft202012Validator)
            base.check_schema(schema)
            linear = extend(base, {"pattern": _pattern, "patternProperties": _pattern_properties})
            validator = linear(schema)
            self._validators[tool] = (schema, validator)
            return validator

    @staticmethod
    def _describe(problem: Any) -> str:
        where = "/".join(str(part) for part in problem.absolute_path)
        message = str(problem.message)
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        return f"argument '{where}': {message}" if where else message
