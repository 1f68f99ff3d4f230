"""Pseudonymisation: personal data replaced by stable placeholders (`<EMAIL_1>`) that a vault can restore.

The same value gets the same placeholder for as long as the vault lives (one task, typically), so the model can
still tell two people apart and refer to them. Values are compared in a canonical form (emails case-folded,
numbers by their digits, phones by their last nine digits). `restore` puts values back, and is meant for the
arguments of an approved tool call only; `restore_arguments` walks nested JSON. The vault never prints its values.
"""

from __future__ import annotations

import threading
from typing import Any

from agents.guardrails._regex import compile_bytes

__all__ = ["PLACEHOLDER_PATTERN", "PseudonymVault", "canonical_value"]

PLACEHOLDER_PATTERN = r"<([A-Z][A-Z_]{1,30})_(\d{1,6})>"
_PLACEHOLDER = compile_bytes(PLACEHOLDER_PATTERN)


def canonical_value(entity_type: str, value: str) -> str:
    if entity_type == "EMAIL":
        return value.casefold()
    if entity_type == "PHONE":  # the subscriber part: `+1 415 555 0142` and `415-555-0142` are one number
        return "".join(ch for ch in value.split("x")[0] if ch.isdigit())[-9:]
    if entity_type in ("CREDIT_CARD", "US_SSN"):
        return "".join(ch for ch in value if ch.isdigit())
    if entity_type == "IBAN":
        return value.replace(" ", "").upper()
    return value


class PseudonymVault:
    """Placeholder <-> value for one scope (a task). Thread-safe; a bot serving many tasks keeps one per task."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counters: dict[str, int] = {}
        for placeholder, value in (entries or {}).items():
            self._remember(placeholder, value)

    def __repr__(self) -> str:
        return f"PseudonymVault({len(self._values)} values)"

    def __len__(self) -> int:
        return len(self._values)

    def placeholder_for(self, entity_type: str, value: str) -> str:
        key = (entity_type, canonical_value(entity_type, value))
        with self._lock:
            existing = self._placeholders.get(key)
            if existing is not None:
                return existing
            number = self._counters.get(entity_type, 0) + 1
            placeholder = f"<{entity_type}_{number}>"
            self._remember(placeholder, value)
            return placeholder

    def entries(self) -> dict[str, str]:
        """Placeholder -> value, for persisting the vault (encrypted, with the task) between processes."""
        with self._lock:
            return dict(self._values)

    def restore(self, text: str, *, types: frozenset[str] | None = None) -> str:
        """`text` with the placeholders this vault issued put back; unknown placeholders stay as they are."""
        data = text.encode("utf-8", "surrogatepass")
        if b"<" not in data:
            return text
        pieces: list[bytes] = []
        copied = 0
        for match in _PLACEHOLDER.finditer(data):
            placeholder = data[match.start() : match.end()].decode()
            value = self._values.get(placeholder)
            entity_type = placeholder[1:].rsplit("_", 1)[0]
            if value is None or (types is not None and entity_type not in types):
                continue
            pieces.append(data[copied : match.start()])
            pieces.append(value.encode("utf-8", "surrogatepass"))
            copied = match.end()
        pieces.append(data[copied:])
        return b"".join(pieces).decode("utf-8", "surrogatepass")

    def conceal(self, text: str) -> str:
        """`text` with every value this vault knows replaced by its placeholder again (for messages built from
        restored arguments, which go back to the model)."""
        with self._lock:
            pairs = sorted(self._values.items(), key=lambda item: -len(item[1]))
        for placeholder, value in pairs:
            if value and value in text:
                text = text.replace(value, placeholder)
        return text

    def restore_arguments(self, value: Any, *, types: frozenset[str] | None = None, _depth: int = 0) -> Any:
        """Restores placeholders in every string of a JSON value (dicts, lists, strings), up to 32 levels deep."""
        if _depth > 32:
            raise ValueError("arguments are nested more than 32 levels deep")
        if isinstance(value, str):
            return self.restore(value, types=types)
        if isinstance(value, dict):
            return {key: self.restore_arguments(item, types=types, _depth=_depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self.restore_arguments(item, types=types, _depth=_depth + 1) for item in value]
        return value

    def _remember(self, placeholder: str, value: str) -> None:
        match = _PLACEHOLDER.search(placeholder.encode())
        if match is None or match.span() != (0, len(placeholder.encode())):
            raise ValueError(f"{placeholder!r} is not a placeholder like <EMAIL_1>")
        entity_type, number = placeholder[1:-1].rsplit("_", 1)
        self._values[placeholder] = value
        self._placeholders[(entity_type, canonical_value(entity_type, value))] = placeholder
        self._counters[entity_type] = max(self._counters.get(entity_type, 0), int(number))
