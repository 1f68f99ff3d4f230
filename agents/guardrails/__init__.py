"""Guardrails: LLM-free checks on what enters a task (input) and on what an agent proposes to do (output).

Input guardrails run in the bot before the ack and again on every text that enters a task later (thread replies,
tool outputs before the model sees them): `InputGuardrails.from_config(...)` is the whole pipeline behind the
`InputGuard` protocol. Output guardrails (`OutputGuard`) review a proposed tool call before the risk policy.
Both are pure and fast: RE2 patterns, checksums, JSON schema, and a budget ledger port.
"""

from __future__ import annotations

from agents.guardrails.budget import BudgetLedger, InMemoryBudgetLedger, Spend
from agents.guardrails.config import ENTITY_TYPES, EntityAction, GuardrailsConfig, ScopeConfig
from agents.guardrails.injection_rules import RULES, Rule
from agents.guardrails.normalize import visible
from agents.guardrails.output import OutputGuard
from agents.guardrails.output_policy import (
    ArgumentRules,
    BudgetRules,
    CostRate,
    ExfiltrationRules,
    OutputPolicy,
    Rate,
)
from agents.guardrails.output_verdict import ToolCallVerdict
from agents.guardrails.pipeline import SCOPE_RULE, SIZE_RULE, InputGuardrails
from agents.guardrails.vault import PseudonymVault
from agents.guardrails.verdicts import Action, InputGuard, InputVerdict, Span

__all__ = [
    "ENTITY_TYPES",
    "RULES",
    "SCOPE_RULE",
    "SIZE_RULE",
    "Action",
    "ArgumentRules",
    "BudgetLedger",
    "BudgetRules",
    "CostRate",
    "EntityAction",
    "ExfiltrationRules",
    "GuardrailsConfig",
    "InMemoryBudgetLedger",
    "InputGuard",
    "InputGuardrails",
    "InputVerdict",
    "OutputGuard",
    "OutputPolicy",
    "PseudonymVault",
    "Rate",
    "Rule",
    "ScopeConfig",
    "SizeGuard",
    "Span",
    "Spend",
    "ToolCallVerdict",
]


class SizeGuard:
    """Caps the request size and drops invisible characters (zero-width, bidi overrides, control codes).

    The walking skeleton's guard, kept for tests that want only the cheapest checks; `InputGuardrails` does all
    of this and more.
    """

    def __init__(self, max_chars: int = 4000) -> None:
        self.max_chars = max_chars

    def check(self, text: str, *, scope: bool = False) -> InputVerdict:
        if len(text) > self.max_chars:
            return InputVerdict(
                action="block",
                text="",
                reasons=(f"the request is {len(text)} characters long; the limit is {self.max_chars}",),
            )
        cleaned = visible(text).strip()  # never NFKC: it turns a fullwidth `＜!channel＞` into a live broadcast
        if cleaned != text.strip():
            return InputVerdict(action="redact", text=cleaned, reasons=("removed invisible characters",))
        return InputVerdict(action="allow", text=cleaned)
