"""What a model call costs: USD per million tokens by model id, loaded from configuration or these defaults.

Anthropic bills four kinds of tokens at different rates: fresh input, output, cache writes (1.25× input for the
5-minute cache) and cache reads (0.1× input). `Usage.input_tokens` already excludes the cached ones, so the four
simply add up. A model id matches its exact entry, else the longest entry it starts with (so a dated id such as
`claude-sonnet-4-5-20250929` is priced as `claude-sonnet-4-5`); an unknown model is priced with `fallback`, which
defaults to the dearest known rates, so that a budget errs on the safe side. The offline model, which runs on this
machine and bills nobody, costs nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents.messages import Usage

__all__ = ["DEFAULT_PRICES", "OFFLINE_MODEL", "Price", "PriceTable", "known_model"]

PER_MILLION = 1_000_000


class Price(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float = Field(ge=0)
    cache_read: float = Field(ge=0)

    @classmethod
    def standard(cls, input: float, output: float) -> Price:
        """Anthropic's usual cache rates: writes at 1.25× input (5-minute TTL), reads at 0.1× input."""
        return cls(input=input, output=output, cache_write=input * 1.25, cache_read=input * 0.1)


DEFAULT_PRICES: dict[str, Price] = {
    "claude-opus-4-6": Price.standard(5.0, 25.0),
    "claude-opus-4-5": Price.standard(5.0, 25.0),
    "claude-opus-4-1": Price.standard(15.0, 75.0),
    "claude-opus-4": Price.standard(15.0, 75.0),
    "claude-sonnet-4-6": Price.standard(3.0, 15.0),
    "claude-sonnet-4-5": Price.standard(3.0, 15.0),
    "claude-sonnet-4": Price.standard(3.0, 15.0),
    "claude-3-7-sonnet": Price.standard(3.0, 15.0),
    "claude-haiku-4-5": Price.standard(1.0, 5.0),
    "claude-3-5-haiku": Price.standard(0.8, 4.0),
    "claude-3-haiku": Price(input=0.25, output=1.25, cache_write=0.30, cache_read=0.03),
}

OFFLINE_MODEL = "offline"
"""The deterministic model that answers without an API key (`agents.models.offline`): free."""
FREE = Price(input=0.0, output=0.0, cache_write=0.0, cache_read=0.0)


def _entry(model: str, models: dict[str, Price]) -> str | None:
    if model in models:
        return model
    prefixes = [known for known in models if model.startswith(known)]
    return max(prefixes, key=len) if prefixes else None


def known_model(model: str) -> bool:
    """Whether `model` is a model opsgate knows (and prices): a Claude id of the table, dated or not, or the
    offline model. An agent's `model:` must be one."""
    return model == OFFLINE_MODEL or _entry(model, DEFAULT_PRICES) is not None


class PriceTable(BaseModel):
    """Prices per model id; a plain model so that settings can load it from YAML or the environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    fallback: Price = Price.standard(15.0, 75.0)

    def price_for(self, model: str) -> Price:
        if model == OFFLINE_MODEL:
            return FREE
        entry = _entry(model, self.models)
        return self.models[entry] if entry is not None else self.fallback

    def cost(self, model: str, usage: Usage) -> float:
        """USD for one call's usage (or a sum of usages of calls to the same model)."""
        price = self.price_for(model)
        weighted = (
            usage.input_tokens * price.input
            + usage.output_tokens * price.output
            + usage.cache_write_tokens * price.cache_write
            + usage.cache_read_tokens * price.cache_read
        )
        return weighted / PER_MILLION
