"""The confidence matrix: how the agent's confidence and whether a write can be undone raise its tier.

A write is anything the policy does not know to be read-only. Its tier, after the tool's annotations and its
policy rule, is looked up in one of four cases (confident or doubtful, reversible or irreversible); a tier the
case lists becomes the tier it names, any other stays. Doubtful means a confidence below
`policy.confidence_threshold`, or none stated: an agent cannot lower the risk by keeping quiet. The matrix only
raises: an entry that names a lower tier is refused when the policy loads, so whatever the agent states, it can
never make a write run with less care than its rule gives it.

The defaults follow two rules: a doubtful write always reaches a person (at least high), and a write that cannot
be undone is never low.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from approvals.tiers import Tier

__all__ = ["CASES", "Case", "ConfidenceMatrix", "case_for"]

Case = Literal["confident_reversible", "confident_irreversible", "doubtful_reversible", "doubtful_irreversible"]
CASES: tuple[Case, ...] = (
    "confident_reversible",
    "confident_irreversible",
    "doubtful_reversible",
    "doubtful_irreversible",
)
_DOUBTFUL_DEFAULT = {Tier.LOW: Tier.HIGH, Tier.MEDIUM: Tier.HIGH}


def case_for(*, confident: bool, reversible: bool) -> Case:
    if confident:
        return "confident_reversible" if reversible else "confident_irreversible"
    return "doubtful_reversible" if reversible else "doubtful_irreversible"


class ConfidenceMatrix(BaseModel):
    """`policy.confidence_matrix` in `opsgate.yml`: per case, `tier: raised tier`. A case left out keeps its
    default; `{}` raises nothing in that case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confident_reversible: dict[Tier, Tier] = Field(default_factory=dict)
    confident_irreversible: dict[Tier, Tier] = Field(default_factory=lambda: {Tier.LOW: Tier.MEDIUM})
    doubtful_reversible: dict[Tier, Tier] = Field(default_factory=lambda: dict(_DOUBTFUL_DEFAULT))
    doubtful_irreversible: dict[Tier, Tier] = Field(default_factory=lambda: dict(_DOUBTFUL_DEFAULT))

    def row(self, case: Case) -> dict[Tier, Tier]:
        raises: dict[Tier, Tier] = getattr(self, case)
        return raises

    def raised(self, tier: Tier, case: Case) -> Tier:
        """The tier a write of `tier` gets in `case`: never lower than `tier` (checked at load, and here again)."""
        return max(tier, self.row(case).get(tier, tier))

    @model_validator(mode="after")
    def _only_raises(self) -> Self:
        errors: list[InitErrorDetails] = []
        for case in CASES:
            for tier, raised in self.row(case).items():
                if raised < tier:
                    problem = PydanticCustomError(
                        "lowers_tier",
                        "this would lower {tier} to {raised}: the confidence matrix only raises a write's tier "
                        "(name {tier} or a higher tier, or leave {tier} out)",
                        {"tier": tier.value, "raised": raised.value},
                    )
                    errors.append({"type": problem, "loc": (case, tier.value), "input": raised.value})
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self
