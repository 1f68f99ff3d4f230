"""Task status for people: the task record plus what its spans add up to so far (`/ops status`, Details)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handlers.contracts import StepNode, TaskStatusLine, TraceSummary
from handlers.span_summaries import SpanSummary, SpanSummaryStore
from handlers.store import TaskRecord, TaskStore
from handlers.trace_summary import trace_summary

__all__ = ["TaskReporter"]

EXCERPT = 140


class TaskReporter:
    """Implements `TaskReports` over the tasks and span summaries tables."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tasks = TaskStore(engine)
        self._spans = SpanSummaryStore(engine)

    def status(self, task_id: str) -> TaskStatusLine | None:
        record = self._tasks.get(task_id)
        return None if record is None else self._lines([record])[0]

    def recent(self, team_id: str, requester: str, limit: int = 10) -> list[TaskStatusLine]:
        return self._lines(self._tasks.list_for_requester(team_id, requester, limit=limit))

    def steps(self, task_id: str) -> list[StepNode]:
        return self._spans.steps(task_id)

    def request_text(self, task_id: str) -> str | None:
        record = self._tasks.get(task_id)
        return record.text if record is not None else None

    def summary(self, task_id: str) -> TraceSummary | None:
        """The task's trace summary as it stands (also while it runs), for the Details modal."""
        record = self._tasks.get(task_id)
        if record is None:
            return None
        rows = self._spans.rows(task_id)
        task_span = next((row for row in rows if row.kind == "task"), None)
        duration = (
            task_span.duration_ms / 1000 if task_span else (record.updated_at - record.created_at).total_seconds()
        )
        return trace_summary(task_id, rows, outcome=record.status, duration_s=duration)

    def _lines(self, records: list[TaskRecord]) -> list[TaskStatusLine]:
        if not records:
            return []
        spans = sa.table(
            SpanSummary.__tablename__,
            sa.column("task_id"),
            sa.column("kind"),
            sa.column("status"),
            sa.column("input_tokens"),
            sa.column("output_tokens"),
            sa.column("cost_usd"),
        )
        is_chat = sa.case((spans.c.kind == "chat", 1), else_=0)
        is_tool = sa.case((spans.c.kind == "tool", 1), else_=0)
        failed_tool = sa.case(((spans.c.kind == "tool") & (spans.c.status == "error"), 1), else_=0)
        query = (
            sa.select(
                spans.c.task_id,
                sa.func.sum(is_chat),
                sa.func.sum(is_tool),
                sa.func.sum(failed_tool),
                sa.func.sum(spans.c.input_tokens),
                sa.func.sum(spans.c.output_tokens),
                sa.func.sum(spans.c.cost_usd),
            )
            .where(spans.c.task_id.in_([record.id for record in records]))
            .group_by(spans.c.task_id)
        )
        with self._engine.connect() as connection:
            totals = {row[0]: row[1:] for row in connection.execute(query)}
        lines = []
        for record in records:
            chats, tools, errors, tokens_in, tokens_out, cost = totals.get(record.id, (0, 0, 0, 0, 0, 0.0))
            text = record.text if len(record.text) <= EXCERPT else record.text[: EXCERPT - 1] + "…"
            lines.append(
                TaskStatusLine(
                    task_id=record.id,
                    requester=record.requester,
                    team_id=record.team_id,
                    channel=record.channel,
                    thread_ts=record.thread_ts,
                    status=record.status,
                    steps=record.steps,
                    created_at=record.created_at,
                    updated_at=record.updated_at,
                    excerpt=text,
                    outcome=record.outcome[:300] if record.outcome else None,
                    model_calls=int(chats or 0),
                    tool_calls=int(tools or 0),
                    tool_errors=int(errors or 0),
                    input_tokens=int(tokens_in or 0),
                    output_tokens=int(tokens_out or 0),
                    cost_usd=float(cost or 0.0),
                )
            )
        return lines
