"""The output guardrails' answer on one proposed tool call, and the ids of the rules that can produce it.

Reasons are written for whoever must act: the model (retry with other arguments, pick another tool), or a
person (this needs approval). `allowed` means the call may go on to the risk policy; `escalate` means it may
only run with a human's approval, whatever tier the risk policy would give it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agents.guardrails.verdicts import Action, strongest

__all__ = ["OUTPUT_RULES", "ToolCallVerdict"]

OUTPUT_RULES: dict[str, str] = {
    "O1": "tool-scope",
    "O2": "unknown-tool",
    "O3": "argument-schema",
    "O4": "host-policy",
    "O5": "path-policy",
    "O6": "sql-statement",
    "O7": "rate-limit",
    "O8": "token-budget",
    "O9": "exfiltration",
    "O10": "secret-in-arguments",
    "O11": "argument-size",
    "O12": "cost-budget",
}


def rule_label(rule_id: str) -> str:
    return f"{rule_id} {OUTPUT_RULES[rule_id]}"


class ToolCallVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Action
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """The call may proceed to the risk policy (possibly with approval forced, see `needs_approval`)."""
        return self.action in ("allow", "redact", "escalate")

    @property
    def needs_approval(self) -> bool:
        return self.action == "escalate"

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    def telemetry(self) -> dict[str, str | list[str]]:
        """Span or audit attributes: the decision and the rules, not the arguments (they may hold secrets)."""
        return {"guardrail.action": self.action, "guardrail.rules": list(self.rules)}

    def message(self) -> str:
        """One line for the model (as the tool's error result) or a person (on the approval card)."""
        return "; ".join(self.reasons)

    @staticmethod
    def combine(findings: list[tuple[Action, str, str]]) -> ToolCallVerdict:
        """Merges (action, rule id, reason) findings: the strongest action wins, all reasons are kept."""
        if not findings:
            return ToolCallVerdict(action="allow")
        action = strongest(*(found[0] for found in findings))
        rules = tuple(dict.fromkeys(rule_label(found[1]) for found in findings))
        reasons = tuple(f"{found[2]} (rule {found[1]})" for found in findings)
        return ToolCallVerdict(action=action, reasons=reasons, rules=rules)
