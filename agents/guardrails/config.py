"""How the input guardrails are tuned: size cap, score thresholds, disabled rules, a policy per data type, the
channel a text comes from, and the team's scope.

Secrets are not in the per-type policy on purpose: they are always redacted. Personal data is pseudonymised by
default; infrastructure identifiers (IP addresses) are reported but pass, since ops work is made of them. A
request and a tool's output are judged apart (`channel`): the learned detector has its own thresholds for each,
and only a request can be out of scope.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["DEFAULT_ENTITY_POLICY", "ENTITY_TYPES", "EntityAction", "GuardrailsConfig", "ScopeConfig"]

# "allow" still finds and reports a value (the verdict's `pii`); it only passes it on as written.
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


class ScopeConfig(BaseModel):
    """What counts as this team's work. A request that names none of it, and that the learned detector reads as
    not ops work (a bank transfer, an alarm clock, a poem), gets a polite refusal without a model call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=True, description="Refuse requests that are not ops work; false lets all through.")
    services: tuple[str, ...] = Field(default=(), description="Service names: a request naming one is in scope.")
    environments: tuple[str, ...] = Field(
        default=("prod", "production", "staging", "stage", "dev", "qa", "sandbox", "preprod"),
        description="Environment names: a request naming one is in scope.",
    )
    topics: tuple[str, ...] = Field(
        default=(), description="More words that mark this team's work (besides the built-in ops vocabulary)."
    )

    @field_validator("services", "environments", "topics")
    @classmethod
    def _words(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(value.strip().lower() for value in values)
        bad = [value for value in cleaned if not value or len(value) > 80 or "\n" in value]
        if bad:
            raise ValueError("each entry is one name of 1 to 80 characters")
        return cleaned


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
    channel: Literal["request", "tool_output"] = Field(
        default="request", description="Where the texts come from: the learned detector's thresholds differ."
    )
    detector: bool = Field(default=True, description="Run the learned detector besides the rules.")
    scope: ScopeConfig = Field(default_factory=ScopeConfig)

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
        return cls(
            max_chars=max_chars,
            oversize="truncate",
            disabled_rules=frozenset({"R11"}),
            channel="tool_output",
            scope=ScopeConfig(enabled=False),
        )
