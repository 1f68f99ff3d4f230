"""gen_ai client metrics as the SDK exports them: names, units, buckets and attributes, for both namings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Histogram as HistogramData
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Metric, Sum

from handlers.genai_metrics import GenAiMetrics, metrics, use_draft_names

TOKEN_BOUNDS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
SECOND_BOUNDS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
}
ANSWERED = {**CHAT, "gen_ai.response.model": "claude-sonnet-4-5-20250929"}
FAILED = {**CHAT, "error.type": "overloaded"}


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter(reader: InMemoryMetricReader) -> Iterator[Meter]:
    provider = MeterProvider(metric_readers=[reader])
    yield provider.get_meter("opsgate.tests")
    provider.shutdown()


@pytest.fixture
def naming_restored() -> Iterator[None]:
    yield
    use_draft_names(False)


def exported(reader: InMemoryMetricReader) -> dict[str, Metric]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def histogram(metric: Metric) -> list[tuple[dict[str, Any], int | float, int]]:
    """Each point as (attributes, sum, count)."""
    assert isinstance(metric.data, HistogramData)
    return [(dict(point.attributes or {}), point.sum, point.count) for point in metric.data.data_points]


def bounds(metric: Metric) -> set[tuple[float, ...]]:
    assert isinstance(metric.data, HistogramData)
    return {tuple(point.explicit_bounds) for point in metric.data.data_points}


def counter(metric: Metric) -> list[tuple[dict[str, Any], int | float]]:
    assert isinstance(metric.data, Sum)
    assert metric.data.is_monotonic
    return [(dict(point.attributes or {}), point.value) for point in metric.data.data_points]


def answered_call(instruments: GenAiMetrics) -> None:
    instruments.record_chat(
        provider="anthropic",
        request_model="claude-sonnet-4-5",
        response_model="claude-sonnet-4-5-20250929",
        input_tokens=1800,
        output_tokens=240,
        duration_s=3.2,
    )


def failed_call(instruments: GenAiMetrics) -> None:
    instruments.record_chat(
        provider="anthropic",
        request_model="claude-sonnet-4-5",
        response_model=None,
        input_tokens=0,
        output_tokens=0,
        duration_s=0.4,
        error_type="overloaded",
    )


def test_a_chat_records_input_and_output_tokens_and_its_duration(meter: Meter, reader: InMemoryMetricReader) -> None:
    answered_call(GenAiMetrics(meter))

    found = exported(reader)
    assert sorted(found) == ["gen_ai.client.operation.duration", "gen_ai.client.token.usage"]
    tokens, duration = found["gen_ai.client.token.usage"], found["gen_ai.client.operation.duration"]
    assert (tokens.unit, duration.unit) == ("{token}", "s")
    assert bounds(tokens) == {TOKEN_BOUNDS}
    assert bounds(duration) == {SECOND_BOUNDS}
    assert histogram(tokens) == [
        ({**ANSWERED, "gen_ai.token.type": "input"}, 1800, 1),
        ({**ANSWERED, "gen_ai.token.type": "output"}, 240, 1),
    ]
    assert histogram(duration) == [(ANSWERED, 3.2, 1)]


def test_a_failed_chat_records_its_duration_with_the_error_and_no_tokens(
    meter: Meter, reader: InMemoryMetricReader
) -> None:
    failed_call(GenAiMetrics(meter))

    found = exported(reader)
    assert sorted(found) == ["gen_ai.client.operation.duration"]
    assert histogram(found["gen_ai.client.operation.duration"]) == [(FAILED, 0.4, 1)]


def test_draft_names_split_tokens_into_per_call_histograms_and_usage_counters(
    meter: Meter, reader: InMemoryMetricReader
) -> None:
    answered_call(GenAiMetrics(meter, draft_names=True))

    found = exported(reader)
    assert sorted(found) == [
        "gen_ai.client.inference.duration",
        "gen_ai.client.inference.operation.input_tokens",
        "gen_ai.client.inference.operation.output_tokens",
        "gen_ai.client.inference.usage.input_tokens",
        "gen_ai.client.inference.usage.output_tokens",
    ]
    assert {metric.unit for name, metric in found.items() if "tokens" in name} == {"{token}"}
    assert found["gen_ai.client.inference.duration"].unit == "s"
    assert bounds(found["gen_ai.client.inference.duration"]) == {SECOND_BOUNDS}
    assert bounds(found["gen_ai.client.inference.operation.input_tokens"]) == {TOKEN_BOUNDS}
    assert histogram(found["gen_ai.client.inference.duration"]) == [(ANSWERED, 3.2, 1)]
    assert histogram(found["gen_ai.client.inference.operation.input_tokens"]) == [(ANSWERED, 1800, 1)]
    assert histogram(found["gen_ai.client.inference.operation.output_tokens"]) == [(ANSWERED, 240, 1)]
    unknown = {**ANSWERED, "gen_ai.token.modality": "unknown"}
    assert counter(found["gen_ai.client.inference.usage.input_tokens"]) == [(unknown, 1800)]
    assert counter(found["gen_ai.client.inference.usage.output_tokens"]) == [(unknown, 240)]


def test_draft_names_count_a_failed_chat_too_with_the_error_on_the_histograms_only(
    meter: Meter, reader: InMemoryMetricReader
) -> None:
    failed_call(GenAiMetrics(meter, draft_names=True))

    found = exported(reader)
    assert histogram(found["gen_ai.client.inference.duration"]) == [(FAILED, 0.4, 1)]
    assert histogram(found["gen_ai.client.inference.operation.input_tokens"]) == [(FAILED, 0, 1)]
    assert counter(found["gen_ai.client.inference.usage.input_tokens"]) == [
        ({**CHAT, "gen_ai.token.modality": "unknown"}, 0)
    ]


def test_metrics_is_one_instance_per_process_and_naming(naming_restored: None) -> None:
    published = metrics()
    assert metrics() is published
    assert not published.draft_names
    answered_call(published)  # no provider is installed in tests: the API's proxy drops it

    use_draft_names(True)
    assert metrics().draft_names
    assert metrics() is metrics()
    use_draft_names(False)
    assert metrics() is published
