"""The prompt-injection rule set, R1-R10 and R12-R16 (R11, repetition, is measured rather than matched; L1 is the
learned detector: see `injection`)."""

from __future__ import annotations

from agents.guardrails.injection_chatops import CHATOPS_RULES
from agents.guardrails.injection_control import CONTROL_RULES
from agents.guardrails.injection_requests import REQUEST_RULES
from agents.guardrails.rule import Rule

__all__ = ["RULES", "Rule"]

RULES: tuple[Rule, ...] = CONTROL_RULES + REQUEST_RULES + CHATOPS_RULES
