"""Span summaries in the database: every task span, kept small, always on, whatever else exports traces.

The thread's trace summary, the Details modal, `/ops status` and the digests read these rows; the chat rows are
also the per-step usage rows the digest sums. `SpanSummaryProcessor` is an OpenTelemetry span processor: ended
spans that carry `opsgate.task.id` are queued and written in batches by one background thread, so the event loop
never waits on the database; `flush()` waits until everything queued so far is stored (the summary step calls it
first). Rows hold names, ids, timings, usage and error *kinds*, never message content; error texts pass the
redactor given by the composition root. A span written twice (a retried flush) is stored once, by its span id.

Nothing is lost quietly: a span that cannot be stored (queue full, or the database refused it three times) is
logged, counted (`dropped`, the OTel counter `opsgate.span_summaries.dropped`) and remembered per task, so the
task's trace summary says it is partial (`SpanSummaryStore.backlog`) and the worker's alert watch announces it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import metrics
from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from approvals.sqltypes import UTCDateTime
from handlers.contracts import StepNode
from handlers.contracts.report import SpanKind

__all__ = [
    "SpanBacklog",
    "SpanSummary",
    "SpanSummaryProcessor",
    "SpanSummaryStore",
    "kind_of",
    "summary_from_span",
]

log = logging.getLogger(__name__)

_KINDS: dict[str, SpanKind] = {
    "chat": "chat",
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "handoff": "handoff",
    "approval": "approval",
    "guardrail": "guardrail",
    "task": "task",
}


LOST_TASKS = 10_000
"""Tasks whose lost spans a processor remembers for their trace summary."""


class SpanSummary(SQLModel, table=True):
    """One span of a task; `kind` says which columns matter (usage on chat, tool on tool and approval)."""

    __tablename__ = "span_summaries"
    __table_args__ = (
        sa.Index("ix_span_summaries_task_id", "task_id"),
        sa.Index("ix_span_summaries_kind_started_at", "kind", "started_at"),
    )

    span_id: str = Field(primary_key=True, max_length=16, sa_type=sa.String(16))
    trace_id: str = Field(max_length=32, sa_type=sa.String(32))
    parent_id: str | None = Field(default=None, max_length=16, sa_type=sa.String(16))
    task_id: str = Field(max_length=64, sa_type=sa.String(64))
    name: str = Field(max_length=255, sa_type=sa.String(255))
    kind: str = Field(max_length=16, sa_type=sa.String(16))
    agent: str | None = Field(default=None, max_length=64, sa_type=sa.String(64))
    task_type: str | None = Field(default=None, max_length=64, sa_type=sa.String(64))
    tool: str | None = Field(default=None, max_length=128, sa_type=sa.String(128))
    model: str | None = Field(default=None, max_length=128, sa_type=sa.String(128))
    started_at: datetime = Field(sa_type=UTCDateTime())
    duration_ms: float = Field(default=0.0, sa_type=sa.Float)
    status: str = Field(default="ok", max_length=8, sa_type=sa.String(8))
    error: str | None = Field(default=None, max_length=300, sa_type=sa.String(300))
    outcome: str | None = Field(default=None, max_length=32, sa_type=sa.String(32))
    actors: str | None = Field(default=None, max_length=255, sa_type=sa.String(255))
    tier: str | None = Field(default=None, max_length=16, sa_type=sa.String(16))
    """The risk tier of a gate decision or an approval."""
    confidence: float | None = Field(default=None, sa_type=sa.Float)
    """The confidence the agent stated with the call (None: none stated, or not a write)."""
    raised_from: str | None = Field(default=None, max_length=16, sa_type=sa.String(16))
    """The tier before the confidence matrix raised it (None: it did not)."""
    input_tokens: int = Field(default=0, sa_type=sa.Integer)
    output_tokens: int = Field(default=0, sa_type=sa.Integer)
    cache_read_tokens: int = Field(default=0, sa_type=sa.Integer)
    cache_write_tokens: int = Field(default=0, sa_type=sa.Integer)
    cost_usd: float = Field(default=0.0, sa_type=sa.Float)


_table: sa.Table = SQLModel.metadata.tables["span_summaries"]


def kind_of(span: ReadableSpan) -> SpanKind:
    operation = (span.attributes or {}).get("gen_ai.operation.name")
    if isinstance(operation, str) and operation in _KINDS:
        return _KINDS[operation]
    return _KINDS.get(span.name.split(" ", 1)[0], "other")


def _int(attributes: Any, name: str) -> int:
    value = attributes.get(name, 0)
    return int(value) if isinstance(value, int | float) else 0


def _float(attributes: Any, name: str) -> float | None:
    value = attributes.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(attributes: Any, name: str, limit: int) -> str | None:
    value = attributes.get(name)
    if isinstance(value, str) and value:
        return value[:limit]
    if isinstance(value, tuple | list) and value:
        return ",".join(str(v) for v in value)[:limit]
    return None


def summary_from_span(span: ReadableSpan, redact: Callable[[str], str]) -> dict[str, Any] | None:
    """The row for an ended span, or None for spans that belong to no task."""
    attributes = span.attributes or {}
    task_id = attributes.get("opsgate.task.id")
    context = span.get_span_context()
    if not isinstance(task_id, str) or context is None or span.start_time is None:
        return None
    kind = kind_of(span)
    error: str | None = None
    failed = span.status.status_code is StatusCode.ERROR
    if failed or "error.type" in attributes:
        parts = [str(attributes.get("error.type") or ""), span.status.description or ""]
        error = redact(": ".join(p for p in parts if p))[:300] or "error"
    end = span.end_time or span.start_time
    return {
        "span_id": format(context.span_id, "016x"),
        "trace_id": format(context.trace_id, "032x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent is not None else None,
        "task_id": task_id[:64],
        "name": span.name[:255],
        "kind": kind,
        "agent": _text(attributes, "gen_ai.agent.name", 64),
        "task_type": _text(attributes, "opsgate.task.type", 64),
        "tool": _text(attributes, "gen_ai.tool.name", 128),
        "model": _text(attributes, "gen_ai.response.model", 128) or _text(attributes, "gen_ai.request.model", 128),
        "started_at": datetime.fromtimestamp(span.start_time / 1e9, UTC),
        "duration_ms": max(0.0, (end - span.start_time) / 1e6),
        "status": "error" if error is not None else "ok",
        "error": error,
        "outcome": _text(attributes, "opsgate.outcome", 32),
        "actors": _text(attributes, "opsgate.actors", 255),
        "tier": _text(attributes, "opsgate.risk.tier", 16) or _text(attributes, "opsgate.approval.tier", 16),
        "confidence": _float(attributes, "opsgate.confidence"),
        "raised_from": _text(attributes, "opsgate.risk.raised_from", 16),
        # Only chat spans carry usage into the totals: agent spans repeat their chats' sums.
        "input_tokens": _int(attributes, "gen_ai.usage.input_tokens") if kind == "chat" else 0,
        "output_tokens": _int(attributes, "gen_ai.usage.output_tokens") if kind == "chat" else 0,
        "cache_read_tokens": _int(attributes, "gen_ai.usage.cache_read.input_tokens") if kind == "chat" else 0,
        "cache_write_tokens": _int(attributes, "gen_ai.usage.cache_write.input_tokens") if kind == "chat" else 0,
        "cost_usd": float(attributes.get("opsgate.cost_usd", 0.0) or 0.0) if kind == "chat" else 0.0,  # type: ignore[arg-type]
    }


@dataclass(frozen=True)
class SpanBacklog:
    """What is missing from a task's stored spans: still queued, or never to be stored."""

    pending: int = 0
    lost: int = 0

    def __add__(self, other: SpanBacklog) -> SpanBacklog:
        return SpanBacklog(self.pending + other.pending, self.lost + other.lost)


class SpanSummaryStore:
    """Writes and reads span summaries; synchronous, for threads and durable steps. The processors that feed it
    attach themselves, so a reader can wait for a task's spans (`backlog`) and see how many were dropped."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise ValueError(f"SpanSummaryStore supports PostgreSQL and SQLite, not {engine.dialect.name}")
        self._engine = engine
        self._feeds: list[SpanSummaryProcessor] = []

    @property
    def engine(self) -> Engine:
        return self._engine

    def fed_by(self, processor: SpanSummaryProcessor) -> None:
        self._feeds.append(processor)

    def backlog(self, task_id: str, timeout_s: float) -> SpanBacklog:
        """Wait up to `timeout_s` until every ended span of the task queued in this process is stored; then say
        how many are still queued and how many could not be stored (both 0: the task's rows are complete)."""
        deadline = time.monotonic() + timeout_s
        total = SpanBacklog()
        for feed in self._feeds:
            total = total + feed.wait_for_task(task_id, max(0.0, deadline - time.monotonic()))
        return total

    @property
    def dropped(self) -> int:
        """Spans this process could not store, since it started."""
        return sum(feed.dropped for feed in self._feeds)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(_table).values(list(rows)).on_conflict_do_nothing(index_elements=["span_id"])
        with self._engine.begin() as connection:
            connection.execute(statement)

    def rows(self, task_id: str, limit: int | None = None) -> list[SpanSummary]:
        """The task's spans, oldest first (all of them unless `limit`)."""
        query = sa.select(_table).where(_table.c.task_id == task_id).order_by(_table.c.started_at).limit(limit)
        with self._engine.connect() as connection:
            return [SpanSummary.model_validate(dict(row)) for row in connection.execute(query).mappings()]

    def steps(self, task_id: str, limit: int = 2000) -> list[StepNode]:
        """The task's spans as the Details modal draws them."""
        return [
            StepNode(
                span_id=row.span_id,
                parent_id=row.parent_id,
                name=row.name,
                kind=row.kind if row.kind in _KINDS.values() else "other",
                start=row.started_at,
                duration_ms=row.duration_ms,
                status="error" if row.status == "error" else "ok",
                error=row.error,
                agent=row.agent,
                tool=row.tool,
                input_tokens=row.input_tokens,
                output_tokens=row.output_tokens,
                cost_usd=row.cost_usd,
            )
            for row in self.rows(task_id, limit)
        ]


class SpanSummaryProcessor(SpanProcessor):
    """Queues ended task spans and stores them from one background thread, in batches of up to `batch`."""

    def __init__(
        self,
        store: SpanSummaryStore,
        *,
        redact: Callable[[str], str] = lambda text: text,
        batch: int = 256,
        max_queue: int = 100_000,
        meter: Meter | None = None,
    ) -> None:
        self._store = store
        self._redact = redact
        self._batch = batch
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=max_queue)
        self._idle = threading.Condition()
        self._pending = 0
        self._pending_by_task: Counter[str] = Counter()
        self._lost_by_task: OrderedDict[str, int] = OrderedDict()
        """Spans of recent tasks that could not be stored (the oldest tasks are forgotten past `LOST_TASKS`)."""
        self.dropped = 0
        """Spans not stored because the queue was full or the database refused them (logged and counted)."""
        self._dropped_metric = (meter or metrics.get_meter("opsgate.handlers")).create_counter(
            "opsgate.span_summaries.dropped", unit="{span}", description="Span summaries that could not be stored"
        )
        store.fed_by(self)
        self._thread = threading.Thread(target=self._drain, name="opsgate-span-summaries", daemon=True)
        self._thread.start()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        try:
            row = summary_from_span(span, self._redact)
        except Exception:  # a summary must never break the code that ended the span
            log.exception("could not summarise span %s", span.name)
            return
        if row is None:
            return
        with self._idle:
            self._pending += 1
            self._pending_by_task[row["task_id"]] += 1
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            with self._idle:
                self._pending -= 1
                self._settled([row], lost=True)
            log.error("span summary queue full: dropped %s of task %s", span.name, row["task_id"])
            self._dropped_metric.add(1, {"opsgate.reason": "queue_full"})

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every span queued so far is stored (or dropped); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def wait_for_task(self, task_id: str, timeout_s: float) -> SpanBacklog:
        """Wait up to `timeout_s` until no span of the task is queued; what is still queued, and what was lost."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending_by_task[task_id] == 0, timeout=timeout_s)
            return SpanBacklog(pending=self._pending_by_task[task_id], lost=self._lost_by_task.get(task_id, 0))

    def _settled(self, rows: list[dict[str, Any]], *, lost: bool) -> None:
        """Rows stored or given up (hold `_idle`)."""
        for row in rows:
            task_id = row["task_id"]
            self._pending_by_task[task_id] -= 1
            if self._pending_by_task[task_id] <= 0:
                del self._pending_by_task[task_id]
            if lost:
                self.dropped += 1
                self._lost_by_task[task_id] = self._lost_by_task.pop(task_id, 0) + 1
                while len(self._lost_by_task) > LOST_TASKS:
                    self._lost_by_task.popitem(last=False)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.flush(timeout_millis / 1000)

    def shutdown(self) -> None:
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _drain(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            rows = [first]
            stop = False
            while len(rows) < self._batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                rows.append(more)
            self._store_rows(rows)
            if stop:
                return

    def _store_rows(self, rows: list[dict[str, Any]]) -> None:
        lost = False
        try:
            for attempt in range(3):
                try:
                    self._store.write(rows)
                    break
                except sa.exc.OperationalError:
                    if attempt == 2:
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
        except Exception:
            lost = True
            tasks = ", ".join(sorted({str(row["task_id"]) for row in rows})[:5])
            log.exception("could not store %d span summaries (tasks %s): they are dropped", len(rows), tasks)
            self._dropped_metric.add(len(rows), {"opsgate.reason": "database"})
        finally:
            with self._idle:
                self._pending -= len(rows)
                self._settled(rows, lost=lost)
                self._idle.notify_all()
