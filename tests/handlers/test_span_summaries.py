"""Span summaries on SQLite and PostgreSQL: task spans are stored (never others), once, redacted, with usage on
chat rows only; the tree keeps its parent links; the trace summary adds up what the rows say."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from sqlalchemy.engine import Engine

from handlers.span_summaries import SpanSummaryProcessor, SpanSummaryStore
from handlers.trace_summary import trace_summary
from handlers.tracing import agent_span_key, emit_span, step_span

TASK = "t-spans"
SECRET = "xoxb-" + "1234567890-abcdefghijklmnop"


@pytest.fixture
def store(db_engine: Engine) -> SpanSummaryStore:
    return SpanSummaryStore(db_engine)


@pytest.fixture
def processor(store: SpanSummaryStore) -> SpanSummaryProcessor:
    return SpanSummaryProcessor(store, redact=lambda text: text.replace(SECRET, "[REDACTED:SLACK_TOKEN]"))


def emit_task_spans() -> None:
    """A lead's run: a chat, a failing tool call, its own span emitted at the end, and an approval wait."""
    parent = agent_span_key("")
    with step_span("chat claude-sonnet-4-6", TASK, {}, parent=parent) as span:
        span.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.agent.name": "lead",
                "gen_ai.request.model": "claude-sonnet-4-6",
                "gen_ai.response.model": "claude-sonnet-4-6-20260101",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 30,
                "gen_ai.usage.cache_read.input_tokens": 100,
                "gen_ai.usage.cache_write.input_tokens": 5,
                "opsgate.cost_usd": 0.0012,
            }
        )
    with step_span("execute_tool restart_service", TASK, {}, parent=parent) as span:
        span.set_attributes({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "restart_service"})
        span.set_status(Status(StatusCode.ERROR, f"token {SECRET} refused"))
    emit_span(
        "invoke_agent lead",
        TASK,
        {},
        start_s=1_700_000_000.0,
        end_s=1_700_000_002.5,
        key=parent,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "lead",
            "gen_ai.usage.input_tokens": 9,
        },
    )
    emit_span(
        "approval restart_service",
        TASK,
        {},
        start_s=1_700_000_000.5,
        end_s=1_700_000_010.5,
        parent=parent,
        attributes={
            "gen_ai.tool.name": "restart_service",
            "opsgate.outcome": "approved",
            "opsgate.actors": ["U0BOB"],
            "opsgate.approval.tier": "high",
            "opsgate.risk.raised_from": "medium",
            "opsgate.confidence": 0.4,
        },
    )


def test_task_spans_are_stored_with_usage_tree_and_redacted_errors(
    store: SpanSummaryStore, processor: SpanSummaryProcessor, span_exporter: InMemorySpanExporter
) -> None:
    with trace.get_tracer("t").start_as_current_span("unrelated"):
        pass  # no opsgate.task.id: not stored
    emit_task_spans()
    for span in span_exporter.get_finished_spans():
        processor.on_end(span)
    assert processor.flush(5)

    rows = store.rows(TASK)
    by_kind = {row.kind: row for row in rows}
    assert sorted(by_kind) == ["agent", "approval", "chat", "tool"]
    agent = by_kind["agent"]
    assert by_kind["chat"].parent_id == agent.span_id == by_kind["tool"].parent_id == by_kind["approval"].parent_id
    assert agent.input_tokens == 0  # only chats count, so totals never double
    assert (by_kind["chat"].input_tokens, by_kind["chat"].cache_read_tokens) == (120, 100)
    assert by_kind["tool"].status == "error"
    assert by_kind["tool"].error is not None and SECRET not in by_kind["tool"].error
    assert "[REDACTED:SLACK_TOKEN]" in by_kind["tool"].error
    assert by_kind["approval"].duration_ms == pytest.approx(10_000)

    summary = trace_summary(TASK, rows, outcome="done", duration_s=12.0)
    assert (summary.model_calls, summary.tool_calls, summary.agents) == (1, 1, ["lead"])
    assert summary.models == ["claude-sonnet-4-6-20260101"]  # named as the model that answered says
    assert (summary.input_tokens, summary.output_tokens, summary.cache_read_tokens) == (120, 30, 100)
    assert summary.cost_usd == pytest.approx(0.0012)
    assert summary.tool_errors[0].startswith("restart_service: ")
    [wait] = summary.approvals
    assert (wait.tool, wait.outcome, wait.deciders, wait.waited_s) == ("restart_service", "approved", ["U0BOB"], 10.0)
    assert (wait.tier, wait.raised_from, wait.confidence) == ("high", "medium", 0.4)  # why a person was asked
    assert (by_kind["chat"].tier, by_kind["chat"].confidence, by_kind["chat"].raised_from) == (None, None, None)
    steps = store.steps(TASK)
    assert steps[0].kind == "agent"  # oldest first (it started before the others)


def test_a_span_stored_twice_is_one_row(
    store: SpanSummaryStore, processor: SpanSummaryProcessor, span_exporter: InMemorySpanExporter
) -> None:
    emit_task_spans()
    spans = span_exporter.get_finished_spans()
    for span in [*spans, *spans]:  # a retried flush, or the same span seen twice
        processor.on_end(span)
    assert processor.flush(5)
    assert len(store.rows(TASK)) == 4
    processor.shutdown()
