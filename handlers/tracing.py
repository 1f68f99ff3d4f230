"""One trace per task, without duplicate or dangling spans on replay.

Step spans are opened inside durable steps, so a replay (which skips completed steps) never emits them twice.
The task span covers the whole run, which can outlive any process, so it is emitted once at the end from
journaled timestamps, with a span id derived from the task id: children created earlier, perhaps by another
worker process, already point at it. `TaskSpanIdGenerator` is what lets the SDK use that derived id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = [
    "TaskSpanIdGenerator",
    "agent_span_key",
    "emit_span",
    "emit_task_span",
    "handoff_span_key",
    "step_span",
    "task_parent",
    "trace_carrier",
]

_propagator = TraceContextTextMapPropagator()
_forced_span_id: ContextVar[int | None] = ContextVar("opsgate_forced_span_id", default=None)
_forced_trace_id: ContextVar[int | None] = ContextVar("opsgate_forced_trace_id", default=None)
TRACER_NAME = "opsgate.handlers"


class TaskSpanIdGenerator(RandomIdGenerator):
    def generate_span_id(self) -> int:
        forced = _forced_span_id.get()
        return forced if forced is not None else super().generate_span_id()

    def generate_trace_id(self) -> int:
        forced = _forced_trace_id.get()
        return forced if forced is not None else super().generate_trace_id()


def _derived(task_id: str, bits: int) -> int:
    value = int.from_bytes(hashlib.sha256(f"opsgate:{task_id}:{bits}".encode()).digest()[: bits // 8], "big")
    return value or 1


def _derived_key(task_id: str, key: str) -> int:
    value = int.from_bytes(hashlib.sha256(f"opsgate:{task_id}:span:{key}".encode()).digest()[:8], "big")
    return value or 1


def agent_span_key(scope: str) -> str:
    """The key of an agent run's span: "" is the task's own agent (the lead), else the specialist's task id."""
    return f"agent:{scope or 'root'}"


def handoff_span_key(agent_task_id: str) -> str:
    return f"handoff:{agent_task_id}"


def trace_carrier() -> dict[str, str]:
    """The current trace context as headers, to carry in a request body across Restate."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier


def _incoming(task_id: str, carrier: Mapping[str, str]) -> SpanContext:
    parent = trace.get_current_span(_propagator.extract(dict(carrier))).get_span_context()
    if parent.is_valid:
        return parent
    return SpanContext(
        trace_id=_derived(task_id, 128), span_id=0, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
    )


def task_parent(task_id: str, carrier: Mapping[str, str], key: str | None = None) -> Context:
    """The context spans hang under: the task span, or the span derived from `key` (an agent run, a handoff),
    whether or not that span has been emitted yet: spans over long stretches are emitted at their end."""
    incoming = _incoming(task_id, carrier)
    parent = SpanContext(
        trace_id=incoming.trace_id,
        span_id=_derived(task_id, 64) if key is None else _derived_key(task_id, key),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(parent))


@contextmanager
def step_span(
    name: str, task_id: str, carrier: Mapping[str, str], *, parent: str | None = None
) -> Iterator[trace.Span]:
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        name, context=task_parent(task_id, carrier, parent), attributes={"opsgate.task.id": task_id}
    ) as span:
        yield span


def emit_task_span(
    task_id: str,
    carrier: Mapping[str, str],
    *,
    start_s: float,
    end_s: float,
    attributes: Mapping[str, str | int | float | bool],
    error: str | None,
) -> None:
    incoming = _incoming(task_id, carrier)
    parent = trace.set_span_in_context(NonRecordingSpan(incoming)) if incoming.span_id else Context()
    tracer = trace.get_tracer(TRACER_NAME)
    token = _forced_span_id.set(_derived(task_id, 64))
    trace_token = _forced_trace_id.set(incoming.trace_id)
    try:
        span = tracer.start_span(
            f"task {task_id}",
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes={"opsgate.task.id": task_id, **attributes},
            start_time=int(start_s * 1e9),
        )
    finally:
        _forced_span_id.reset(token)
        _forced_trace_id.reset(trace_token)
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end(end_time=int(end_s * 1e9))


def emit_span(
    name: str,
    task_id: str,
    carrier: Mapping[str, str],
    *,
    start_s: float,
    end_s: float,
    attributes: Mapping[str, str | int | float | bool | list[str]],
    error: str | None = None,
    key: str | None = None,
    parent: str | None = None,
) -> None:
    """A span covering a stretch of journaled time (an agent run, a wait), emitted once, under the task span or
    the span of `parent`; with `key`, its id is derived from it, so spans emitted earlier can name it as parent."""
    tracer = trace.get_tracer(TRACER_NAME)
    token = _forced_span_id.set(_derived_key(task_id, key)) if key is not None else None
    try:
        span = tracer.start_span(
            name,
            context=task_parent(task_id, carrier, parent),
            attributes={"opsgate.task.id": task_id, **attributes},
            start_time=int(start_s * 1e9),
        )
    finally:
        if token is not None:
            _forced_span_id.reset(token)
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end(end_time=int(end_s * 1e9))
