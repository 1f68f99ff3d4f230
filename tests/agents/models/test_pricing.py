"""What a model call costs: Claude's rates by model family, and nothing for the offline model."""

from __future__ import annotations

from agents.messages import Usage
from agents.models import OfflineModel
from agents.models.pricing import PriceTable, known_model

USAGE = Usage(input_tokens=10_000, output_tokens=2_000, cache_read_tokens=50_000, cache_write_tokens=1_000)


def test_the_offline_model_costs_nothing() -> None:
    assert PriceTable().cost(OfflineModel().name, USAGE) == 0.0


def test_claude_is_priced_by_family_and_an_unknown_model_at_the_dearest_rates() -> None:
    prices = PriceTable()
    sonnet = prices.cost("claude-sonnet-4-5-20250929", USAGE)

    assert sonnet == (10_000 * 3.0 + 2_000 * 15.0 + 50_000 * 0.3 + 1_000 * 3.75) / 1_000_000
    assert prices.cost("someone-elses-model", USAGE) > prices.cost("claude-opus-4-6", USAGE) > sonnet


def test_known_models_are_the_priced_families_and_the_offline_model() -> None:
    assert known_model("claude-sonnet-4-6") and known_model("claude-3-5-haiku-20241022") and known_model("offline")
    assert not known_model("gpt-4o") and not known_model("claude") and not known_model("")
