"""Masked forms of personal data (`a***@example.com`), for approvers who must judge a call that will get it back.

An approval card shows `<EMAIL_1>` as the model wrote it; the approved call runs with the address. The masked form
beside the placeholder lets the approver recognise the value without the card (and Slack's history) holding it:
never the whole value, at most its first character and a part that names no one on its own (a domain, the last
digits of a number).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agents.guardrails._regex import compile_bytes
from agents.guardrails.vault import PLACEHOLDER_PATTERN, PseudonymVault

__all__ = ["masked_form", "masked_placeholders"]

_PLACEHOLDER = compile_bytes(PLACEHOLDER_PATTERN)
_STARS = "***"
_MAX_SHOWN = 20
"""Placeholders listed on one card, at most."""


def masked_form(entity_type: str, value: str) -> str:
    """The value with most of it hidden: e-mail first character and domain, numbers their last digits (2 of a phone,
    4 of a card, IBAN or SSN, with the IBAN's country), anything else its first character."""
    value = value.strip()
    digits = "".join(ch for ch in value if ch.isdigit())
    if entity_type == "EMAIL" and "@" in value:
        local, domain = value.rsplit("@", 1)
        return f"{local[:1]}{_STARS}@{domain}"
    if entity_type == "PHONE" and len(digits) > 4:
        return f"{_STARS}{digits[-2:]}"
    if entity_type in ("CREDIT_CARD", "US_SSN") and len(digits) > 6:
        return f"{_STARS}{digits[-4:]}"
    if entity_type == "IBAN" and len(value) > 8:
        compact = value.replace(" ", "").upper()
        return f"{compact[:2]}{_STARS}{compact[-4:]}"
    return f"{value[:1]}{_STARS}" if len(value) > 3 else _STARS


def masked_placeholders(vault: PseudonymVault, arguments: Any, *, types: frozenset[str]) -> dict[str, str]:
    """Placeholder → masked value, for the placeholders in `arguments` (any JSON) the vault holds of `types`: those
    an approved call gets back. In the order they appear; placeholders it does not hold are left out."""
    entries = vault.entries()
    masked: dict[str, str] = {}
    for placeholder in _placeholders_in(arguments):
        entity_type = placeholder[1:].rsplit("_", 1)[0]
        value = entries.get(placeholder)
        if value is not None and entity_type in types and placeholder not in masked:
            masked[placeholder] = masked_form(entity_type, value)
            if len(masked) == _MAX_SHOWN:
                break
    return masked


def _placeholders_in(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 32:
        return
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        for match in _PLACEHOLDER.finditer(data):
            yield data[match.start() : match.end()].decode()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _placeholders_in(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders_in(item, depth + 1)
