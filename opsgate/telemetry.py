"""The OpenTelemetry root: one tracer and one meter provider per process, built here and installed by the
composition root.

Export is opt-in the standard way: spans leave the process over OTLP/HTTP only when
`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, metrics only when
`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is, and the exporters read those (and the
headers, timeout, certificate and temporality variables) themselves. Building and installing are separate steps
because a global provider can be set only once per process: tests install their own and build others freely.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from opentelemetry import metrics, trace
from opentelemetry.metrics._internal import _ProxyMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator

from handlers.tracing import TaskSpanIdGenerator

__all__ = [
    "OTLP_ENDPOINT_VARIABLES",
    "OTLP_METRICS_ENDPOINT_VARIABLES",
    "install",
    "install_metrics",
    "otlp_configured",
    "otlp_metrics_configured",
    "setup_metrics",
    "setup_telemetry",
    "tracer",
]

OTLP_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
OTLP_METRICS_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
log = logging.getLogger(__name__)


def otlp_configured() -> bool:
    """Whether the environment names an OTLP endpoint, which is what turns export on."""
    return any(os.environ.get(name, "").strip() for name in OTLP_ENDPOINT_VARIABLES)


def setup_telemetry(
    service_name: str,
    *,
    extra_processors: Sequence[SpanProcessor] = (),
    console: bool = False,
    otlp: bool | None = None,
    id_generator: IdGenerator | None = None,
) -> TracerProvider:
    """Build (not install) the tracer provider for `service_name`.

    `otlp` defaults to `otlp_configured()`. The id generator defaults to `TaskSpanIdGenerator`, which behaves
    like the SDK's random one except where handlers emit a task span under an id derived from the task, so
    step spans written earlier (perhaps by another worker) find their parent.
    """
    resource = Resource.create({SERVICE_NAME: service_name, SERVICE_VERSION: _opsgate_version()})
    provider = TracerProvider(resource=resource, id_generator=id_generator or TaskSpanIdGenerator())
    if otlp_configured() if otlp is None else otlp:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if console:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    return provider


def install(provider: TracerProvider) -> bool:
    """Make `provider` the process-wide provider; False (and a warning) if another one is already installed.

    The OpenTelemetry API refuses a second global provider with only a logged warning, so this checks first
    and says which provider stays in charge.
    """
    current = trace.get_tracer_provider()
    if current is provider:
        return True
    if not isinstance(current, trace.ProxyTracerProvider):
        log.warning("a tracer provider is already installed (%r); keeping it", current)
        return False
    trace.set_tracer_provider(provider)
    return True


def otlp_metrics_configured() -> bool:
    """Whether the environment names an OTLP endpoint for metrics, which is what turns their export on."""
    return any(os.environ.get(name, "").strip() for name in OTLP_METRICS_ENDPOINT_VARIABLES)


def setup_metrics(
    service_name: str, *, readers: Sequence[MetricReader] = (), otlp: bool | None = None
) -> MeterProvider:
    """Build (not install) the meter provider for `service_name`, with the tracer provider's resource.

    `otlp` defaults to `otlp_metrics_configured()`; the periodic reader takes its interval from
    `OTEL_METRIC_EXPORT_INTERVAL`. Bucket boundaries come from the instruments' advice, so no views are needed.
    """
    resource = Resource.create({SERVICE_NAME: service_name, SERVICE_VERSION: _opsgate_version()})
    metric_readers = list(readers)
    if otlp_metrics_configured() if otlp is None else otlp:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        metric_readers.insert(0, PeriodicExportingMetricReader(OTLPMetricExporter()))
    return MeterProvider(resource=resource, metric_readers=metric_readers)


def install_metrics(provider: MeterProvider) -> bool:
    """Make `provider` the process-wide meter provider; False (and a warning) if another one is already installed.

    Like `install`: the API refuses a second global provider with only a logged warning, so this checks first.
    """
    current = metrics.get_meter_provider()
    if current is provider:
        return True
    # The API exports no name for the placeholder it hands out before a provider is set.
    if not isinstance(current, _ProxyMeterProvider):
        log.warning("a meter provider is already installed (%r); keeping it", current)
        return False
    metrics.set_meter_provider(provider)
    return True


def tracer(name: str) -> trace.Tracer:
    """A tracer from the installed provider, versioned with opsgate."""
    return trace.get_tracer(name, _opsgate_version())


def _opsgate_version() -> str:
    try:
        return version("opsgate")
    except PackageNotFoundError:
        return "0+unknown"
