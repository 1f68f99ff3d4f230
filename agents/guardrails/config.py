"""How the input guardrails are tuned: size cap, score thresholds, disabled rules, and a policy per data type.

Secrets are not in the per-type policy on purpose: they are always redacted. Personal data is pseudonymised by
default; infrastructure identifiers (IP addresses) pass, since ops work is made of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["DEFAULT_ENTITY_POLICY", "ENTITY_TYPES", "EntityAction", "GuardrailsConfig"]

EntityAction = Literal["pseudonymise", "redact", "allow"]
ENTITY_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS")
DEFAULT_ENTITY_POLICY: dict[str, EntityAction] = {
    "EMAIL": "pseudonymise",
    "PHONE": "pseudonymise",
    "CREDIT_CARD": "pseudonymise",
    "IBAN": "pseudonymise",
    "US_SSN": "pseudonymise",
    "IP_ADDRESS": "allow",
}


class GuardrailsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_chars: int = Field(default=4000, ge=1, le=1_000_000, description="Longest text accepted, in characters.")
    oversize: Literal["block", "truncate"] = Field(
        default="block", description="Refuse a longer text (requests) or keep its head (tool outputs)."
    )
    block_score: float = Field(default=1.0, gt=0, description="Injection score at which a text is refused.")
    escalate_score: float = Field(default=0.5, gt=0, description="Injection score at which a text is flagged.")
    disabled_rules: frozenset[str] = Field(default=frozenset(), description="Rule ids to skip, e.g. {'R11'}.")
    entities: dict[str, EntityAction] = Field(default_factory=lambda: dict(DEFAULT_ENTITY_POLICY))

    @field_validator("entities")
    @classmethod
    def _known_types(cls, entities: dict[str, EntityAction]) -> dict[str, EntityAction]:
        unknown = sorted(set(entities) - set(ENTITY_TYPES))
        if unknown:
            raise ValueError(
                f"unknown data types {', '.join(unknown)}; known: {', '.join(ENTITY_TYPES)} "
                "(secrets are always redacted and have no policy)"
            )
        return {**DEFAULT_ENTITY_POLICY, **entities}

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> GuardrailsConfig:
        if self.escalate_score > self.block_score:
            raise ValueError(f"escalate_score ({self.escalate_score}) must not exceed block_score ({self.block_score})")
        return self

    @classmethod
    def for_tool_output(cls, max_chars: int = 100_000) -> GuardrailsConfig:
        """Tool results: long texts are cut rather than refused, and repetition (logs) is not a signal."""
        return cls(max_chars=max_chars, oversize="truncate", disabled_rules=frozenset({"R11"}))
