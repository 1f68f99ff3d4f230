"""The tracer and meter providers: export only when an OTLP endpoint is configured, and spans captured in tests."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import opentelemetry.metrics._internal as metrics_api
import pytest
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from handlers.genai_metrics import GenAiMetrics
from handlers.tracing import TaskSpanIdGenerator
from opsgate.telemetry import (
    OTLP_ENDPOINT_VARIABLES,
    OTLP_METRICS_ENDPOINT_VARIABLES,
    install,
    install_metrics,
    otlp_configured,
    otlp_metrics_configured,
    setup_metrics,
    setup_telemetry,
    tracer,
)


def processors(provider: TracerProvider) -> list[SpanProcessor]:
    # The SDK keeps no public list of a provider's processors.
    return list(provider._active_span_processor._span_processors)


@pytest.fixture
def unused_loopback_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago), so nothing can be exported."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def no_otlp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OTLP_ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def built() -> Iterator[list[TracerProvider]]:
    """Providers a test builds, shut down afterwards so no batch thread outlives it."""
    providers: list[TracerProvider] = []
    yield providers
    for provider in providers:
        provider.shutdown()


def test_without_an_endpoint_nothing_is_exported(no_otlp_env: None, built: list[TracerProvider]) -> None:
    provider = setup_telemetry("opsgate-worker")
    built.append(provider)

    assert not otlp_configured()
    assert processors(provider) == []
    assert provider.resource.attributes["service.name"] == "opsgate-worker"
    assert provider.resource.attributes["service.version"]
    assert isinstance(provider.id_generator, TaskSpanIdGenerator)


@pytest.mark.parametrize("variable", OTLP_ENDPOINT_VARIABLES)
def test_an_endpoint_in_the_environment_adds_a_batch_otlp_exporter(
    variable: str,
    no_otlp_env: None,
    monkeypatch: pytest.MonkeyPatch,
    unused_loopback_url: str,
    built: list[TracerProvider],
) -> None:
    endpoint = unused_loopback_url + ("/v1/traces" if variable.endswith("TRACES_ENDPOINT") else "")
    monkeypatch.setenv(variable, endpoint)

    provider = setup_telemetry("opsgate-bot")
    built.append(provider)

    [processor] = processors(provider)
    assert isinstance(processor, BatchSpanProcessor)
    exporter = processor._batch_processor._exporter
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == f"{unused_loopback_url}/v1/traces"


def test_otlp_can_be_forced_off(
    monkeypatch: pytest.MonkeyPatch, unused_loopback_url: str, built: list[TracerProvider]
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", unused_loopback_url)
    provider = setup_telemetry("opsgate-tests", otlp=False)
    built.append(provider)

    assert processors(provider) == []


def test_console_and_extra_processors_are_attached_in_order(no_otlp_env: None, built: list[TracerProvider]) -> None:
    extra = SimpleSpanProcessor(InMemorySpanExporter())
    provider = setup_telemetry("opsgate-dev", console=True, extra_processors=[extra])
    built.append(provider)

    console, last = processors(provider)
    assert isinstance(console, SimpleSpanProcessor)
    assert isinstance(console.span_exporter, ConsoleSpanExporter)
    assert last is extra


def test_the_span_exporter_fixture_captures_spans(span_exporter: InMemorySpanExporter) -> None:
    with tracer("opsgate.tests").start_as_current_span("outer"), trace.get_tracer("x").start_span("inner"):
        pass

    spans = span_exporter.get_finished_spans()
    assert [span.name for span in spans] == ["inner", "outer"]
    assert spans[0].parent is not None
    assert spans[0].parent.span_id == spans[1].context.span_id


def test_install_keeps_the_first_provider(
    span_exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture, built: list[TracerProvider]
) -> None:
    installed = trace.get_tracer_provider()
    assert isinstance(installed, TracerProvider)
    other = setup_telemetry("opsgate-other", otlp=False)
    built.append(other)

    with caplog.at_level(logging.WARNING, logger="opsgate.telemetry"):
        assert install(other) is False
    assert install(installed) is True
    assert trace.get_tracer_provider() is installed
    assert "already installed" in caplog.text


def metric_readers(provider: MeterProvider) -> list[MetricReader]:
    # The SDK keeps no public list of a provider's readers either.
    return list(provider._metric_readers)


@pytest.fixture
def no_otlp_metrics_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in {*OTLP_ENDPOINT_VARIABLES, *OTLP_METRICS_ENDPOINT_VARIABLES}:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def built_meters() -> Iterator[list[MeterProvider]]:
    """Meter providers a test builds, shut down afterwards so no export thread outlives it."""
    providers: list[MeterProvider] = []
    yield providers
    for provider in providers:
        provider.shutdown()


@pytest.fixture
def no_global_meter_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process where no meter provider was installed yet, restored afterwards (the API allows one install)."""
    monkeypatch.setattr(metrics_api, "_METER_PROVIDER", None)
    monkeypatch.setattr(metrics_api, "_METER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(metrics_api, "_PROXY_METER_PROVIDER", metrics_api._ProxyMeterProvider())


def test_without_a_metrics_endpoint_only_the_given_readers_are_attached(
    no_otlp_metrics_env: None, built_meters: list[MeterProvider]
) -> None:
    reader = InMemoryMetricReader()
    provider = setup_metrics("opsgate-worker", readers=[reader])
    built_meters.append(provider)

    assert not otlp_metrics_configured()
    assert metric_readers(provider) == [reader]
    resource = provider._sdk_config.resource
    assert resource.attributes["service.name"] == "opsgate-worker"
    assert resource.attributes["service.version"]


@pytest.mark.parametrize("variable", OTLP_METRICS_ENDPOINT_VARIABLES)
def test_a_metrics_endpoint_in_the_environment_adds_a_periodic_otlp_reader(
    variable: str,
    no_otlp_metrics_env: None,
    monkeypatch: pytest.MonkeyPatch,
    unused_loopback_url: str,
    built_meters: list[MeterProvider],
) -> None:
    endpoint = unused_loopback_url + ("/v1/metrics" if variable.endswith("METRICS_ENDPOINT") else "")
    monkeypatch.setenv(variable, endpoint)
    reader = InMemoryMetricReader()

    provider = setup_metrics("opsgate-bot", readers=[reader])
    built_meters.append(provider)

    periodic, last = metric_readers(provider)
    assert isinstance(periodic, PeriodicExportingMetricReader)
    exporter = periodic._exporter
    assert isinstance(exporter, OTLPMetricExporter)
    assert exporter._endpoint == f"{unused_loopback_url}/v1/metrics"
    assert last is reader


def test_a_traces_endpoint_alone_exports_no_metrics(
    no_otlp_metrics_env: None,
    monkeypatch: pytest.MonkeyPatch,
    unused_loopback_url: str,
    built_meters: list[MeterProvider],
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{unused_loopback_url}/v1/traces")
    provider = setup_metrics("opsgate-bot")
    built_meters.append(provider)

    assert otlp_configured()
    assert metric_readers(provider) == []


def test_metrics_otlp_can_be_forced_off(
    monkeypatch: pytest.MonkeyPatch, unused_loopback_url: str, built_meters: list[MeterProvider]
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", unused_loopback_url)
    provider = setup_metrics("opsgate-tests", otlp=False)
    built_meters.append(provider)

    assert metric_readers(provider) == []


def test_instruments_made_before_install_report_to_the_installed_provider(
    no_global_meter_provider: None,
    no_otlp_metrics_env: None,
    caplog: pytest.LogCaptureFixture,
    built_meters: list[MeterProvider],
) -> None:
    early = GenAiMetrics(metrics.get_meter("opsgate.handlers"))  # what `genai_metrics.metrics()` does lazily
    reader = InMemoryMetricReader()
    provider = setup_metrics("opsgate-worker", readers=[reader])
    other = setup_metrics("opsgate-other")
    built_meters.extend([provider, other])

    assert install_metrics(provider) is True
    early.record_chat(
        provider="anthropic",
        request_model="claude-haiku-4-5",
        response_model="claude-haiku-4-5",
        input_tokens=10,
        output_tokens=2,
        duration_s=0.5,
    )
    data = reader.get_metrics_data()
    assert data is not None
    [resource] = data.resource_metrics
    [scope] = resource.scope_metrics
    assert scope.scope.name == "opsgate.handlers"
    assert sorted(metric.name for metric in scope.metrics) == [
        "gen_ai.client.operation.duration",
        "gen_ai.client.token.usage",
    ]

    with caplog.at_level(logging.WARNING, logger="opsgate.telemetry"):
        assert install_metrics(other) is False
    assert install_metrics(provider) is True
    assert metrics.get_meter_provider() is provider
    assert "already installed" in caplog.text
