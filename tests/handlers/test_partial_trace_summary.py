"""Nothing lost quietly on the span path: the trace summary waits (bounded) for its task's spans, and when a span
store is slow past that bound, or refuses spans, the posted summary says it is partial and by how much; dropped
spans are counted (the processor's counter and an OTel metric) and logged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Sum
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import Engine

from bot.reports import summary_blocks
from handlers.span_summaries import SpanBacklog, SpanSummaryProcessor, SpanSummaryStore
from handlers.trace_summary import stored_trace_summary
from handlers.tracing import emit_span

TASK = "t-gated"


class GatedStore(SpanSummaryStore):
    """A span store whose writes wait for `opened` (a database that is slow or stuck), or fail while `refuse`."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.opened = threading.Event()
        self.writing = threading.Event()
        self.refuse = False

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self.writing.set()
        self.opened.wait(timeout=30)
        if self.refuse:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        super().write(rows)


@pytest.fixture
def store(db_engine: Engine) -> GatedStore:
    return GatedStore(db_engine)


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def processor(store: GatedStore, reader: InMemoryMetricReader) -> Iterator[SpanSummaryProcessor]:
    provider = MeterProvider(metric_readers=[reader])
    processor = SpanSummaryProcessor(store, meter=provider.get_meter("opsgate.tests"))
    yield processor
    store.opened.set()
    processor.shutdown()
    provider.shutdown()


def end_spans(processor: SpanSummaryProcessor, exporter: InMemorySpanExporter, count: int) -> None:
    for span in task_spans(exporter, count):
        processor.on_end(span)


def task_spans(exporter: InMemorySpanExporter, count: int) -> list[ReadableSpan]:
    for n in range(count):
        attributes = {"gen_ai.tool.name": f"tool{n}", "gen_ai.operation.name": "execute_tool"}
        emit_span(
            f"execute_tool tool{n}",
            TASK,
            {},
            start_s=1_700_000_000.0 + n,
            end_s=1_700_000_001.0 + n,
            attributes=attributes,
        )
    return list(exporter.get_finished_spans())


def posted_text(store: SpanSummaryStore, wait_s: float) -> tuple[int, int, str]:
    summary = stored_trace_summary(store, TASK, outcome="done", duration_s=3.0, wait_s=wait_s)
    _, blocks = summary_blocks(summary)
    return summary.tool_calls, summary.spans_pending, json.dumps(blocks)


def dropped_metric(reader: InMemoryMetricReader) -> dict[str, int]:
    data = reader.get_metrics_data()
    assert data is not None
    points: dict[str, int] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == "opsgate.span_summaries.dropped":
                    assert isinstance(metric.data, Sum)
                    for point in metric.data.data_points:
                        points[str((point.attributes or {})["opsgate.reason"])] = int(point.value)
    return points


def test_a_stuck_span_store_makes_the_summary_say_it_is_partial(
    store: GatedStore, processor: SpanSummaryProcessor, span_exporter: InMemorySpanExporter
) -> None:
    end_spans(processor, span_exporter, 3)

    tool_calls, pending, text = posted_text(store, wait_s=0.2)  # the store is stuck past the bound

    assert (tool_calls, pending) == (0, 3)
    assert ":warning: partial: 3 spans still being stored, so the counts above may be low" in text


def test_a_slow_span_store_is_waited_for_and_the_summary_is_complete(
    store: GatedStore, processor: SpanSummaryProcessor, span_exporter: InMemorySpanExporter
) -> None:
    end_spans(processor, span_exporter, 3)
    threading.Timer(0.3, store.opened.set).start()  # slower than a moment, within the bound

    tool_calls, pending, text = posted_text(store, wait_s=10)

    assert (tool_calls, pending) == (3, 0)
    assert "partial" not in text


def test_spans_the_database_refuses_are_counted_logged_and_named_in_the_summary(
    store: GatedStore,
    processor: SpanSummaryProcessor,
    span_exporter: InMemorySpanExporter,
    reader: InMemoryMetricReader,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.refuse = True
    store.opened.set()
    end_spans(processor, span_exporter, 2)

    summary = stored_trace_summary(store, TASK, outcome="done", duration_s=3.0, wait_s=10)

    assert (summary.spans_pending, summary.spans_lost) == (0, 2)
    assert ":warning: partial: 2 spans could not be stored" in json.dumps(summary_blocks(summary)[1])
    assert (processor.dropped, store.dropped) == (2, 2)
    assert dropped_metric(reader) == {"database": 2}
    assert "could not store 2 span summaries (tasks t-gated): they are dropped" in caplog.text
    assert store.backlog("t-other", 0) == SpanBacklog()  # another task's summary is not marked partial


def test_a_full_queue_drops_with_a_count_and_the_reason(
    store: GatedStore, reader: InMemoryMetricReader, span_exporter: InMemorySpanExporter
) -> None:
    provider = MeterProvider(metric_readers=[reader])
    tiny = SpanSummaryProcessor(store, max_queue=1, batch=1, meter=provider.get_meter("opsgate.tests"))
    try:
        first, *others = task_spans(span_exporter, 4)
        tiny.on_end(first)
        assert store.writing.wait(10)  # the first is being written (stuck)
        for span in others:  # one waits in the queue, two overflow
            tiny.on_end(span)
        assert tiny.dropped == 2
        assert dropped_metric(reader) == {"queue_full": 2}
        assert store.backlog(TASK, 0) == SpanBacklog(pending=2, lost=2)
    finally:
        store.opened.set()
        tiny.shutdown()
        provider.shutdown()
