"""The prompt-injection rule set, R1-R10 and R12-R16 (R11, repetition, is measured rather than matched; L1 is the
learned detector: see `injection`)."""

from __future__ import annotations

from dataclasses import replace

from agents.guardrails.injection_chatops import CHATOPS_RULES
from agents.guardrails.injection_control import CONTROL_RULES
from agents.guardrails.injection_hijack import HIJACK_PATTERNS
from agents.guardrails.injection_requests import REQUEST_RULES
from agents.guardrails.rule import Rule

__all__ = ["RULES", "Rule"]

# Each rule's own patterns, then its game-style hijack patterns (`injection_hijack`): the same id, weight and reason.
_CORE: tuple[Rule, ...] = tuple(
    replace(rule, patterns=rule.patterns + HIJACK_PATTERNS.get(rule.id, ())) for rule in CONTROL_RULES + REQUEST_RULES
)

RULES: tuple[Rule, ...] = _CORE + CHATOPS_RULES
