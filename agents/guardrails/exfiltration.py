"""Data-exfiltration patterns in a tool call: a secret, or bulk data, addressed outside the allowlist.

Destinations are every email address and URL host in the arguments plus the values of recipient-like fields
(`to`, `channel`, `webhook`...). The payload is everything else. A secret or bulk data (a long payload, or many
personal-data values, pseudonymised ones included) going to a destination the policy does not allow escalates:
a person decides. A secret in the arguments of an open-world tool escalates even with no visible destination,
since such a tool talks to the outside by definition.
"""

from __future__ import annotations

from typing import Any

from agents.guardrails._regex import compile_bytes
from agents.guardrails.arguments import GlobSet, hosts_in, strings_in
from agents.guardrails.entities import find_entities
from agents.guardrails.output_policy import ExfiltrationRules
from agents.guardrails.pii import PII_DETECTORS
from agents.guardrails.secrets import SECRET_DETECTORS
from agents.guardrails.vault import PLACEHOLDER_PATTERN
from agents.guardrails.verdicts import Action
from agents.tools import ToolSpec

__all__ = ["destinations_in", "exfiltration_findings"]

_EMAIL = compile_bytes(r"\b[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_PLACEHOLDER = compile_bytes(PLACEHOLDER_PATTERN)
_URL_FIELDS = ["url", "uri", "webhook", "endpoint", "host"]


def destinations_in(arguments: dict[str, Any], rules: ExfiltrationRules) -> set[str]:
    """Where the call may send data: email addresses, URL hosts, and recipient-field values (channels)."""
    found: set[str] = set()
    for field, value in strings_in(arguments):
        data = value.encode("utf-8", "surrogatepass")
        found.update(data[m.start() : m.end()].decode("utf-8", "surrogatepass").lower() for m in _EMAIL.finditer(data))
        found.update(hosts_in(field, value, _URL_FIELDS, []))
        if field.lower() in rules.recipient_fields and value.strip() and len(value) <= 320:
            if _PLACEHOLDER.search(data) is not None:
                found.add(value.strip())  # a pseudonymised recipient: unknown, so outside any allowlist
            elif "@" not in value and "://" not in value:
                found.add(value.strip().lower())
    return found


def _allowed(destination: str, allow: GlobSet) -> bool:
    if allow.matches(destination):
        return True
    if "@" in destination:
        domain = destination.rsplit("@", 1)[1]
        return allow.matches(f"*@{domain}") or allow.matches(domain)
    return False


def exfiltration_findings(
    arguments: dict[str, Any], tool: ToolSpec, rules: ExfiltrationRules, allow: GlobSet
) -> list[tuple[Action, str, str]]:
    payload_parts = [value for field, value in strings_in(arguments) if field.lower() not in rules.recipient_fields]
    payload = "\n".join(payload_parts)
    secrets = find_entities(payload, SECRET_DETECTORS)
    external = sorted(d for d in destinations_in(arguments, rules) if not _allowed(d, allow))
    secret_types = ", ".join(sorted({entity.type for entity in secrets}))
    findings: list[tuple[Action, str, str]] = []
    if external and secrets:
        reason = f"sends what looks like a secret ({secret_types}) to {_list(external)}, outside the allowlist"
        findings.append(("escalate", "O9", reason))
    elif external:
        data = payload.encode("utf-8", "surrogatepass")
        personal = len(find_entities(payload, PII_DETECTORS)) + sum(1 for _ in _PLACEHOLDER.finditer(data))
        if len(payload) >= rules.bulk_chars or personal >= rules.bulk_pii:
            size = f"{len(payload):,} characters, {personal} personal-data values"
            findings.append(("escalate", "O9", f"sends bulk data ({size}) to {_list(external)}, outside the allowlist"))
    if secrets and not external and tool.annotations.open_world:
        reason = f"the arguments contain what looks like a secret ({secret_types}) and the tool reaches outside"
        findings.append(("escalate", "O10", reason))
    return findings


def _list(destinations: list[str]) -> str:
    shown = ", ".join(destinations[:3])
    return shown + (f" and {len(destinations) - 3} more" if len(destinations) > 3 else "")
