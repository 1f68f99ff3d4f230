"""The trace summary of one task, from its span summaries: what it did, what it cost, what waited on whom.

Built inside a durable step at the end of the task, so a replay posts the journaled summary rather than
recounting. It waits (bounded) for the task's spans to be stored; a summary built without some of them says how
many were still being stored or could not be stored, rather than passing for complete.
"""

from __future__ import annotations

import logging

from handlers.contracts import ApprovalWait, TraceSummary
from handlers.span_summaries import SpanBacklog, SpanSummary, SpanSummaryStore

__all__ = ["SPAN_WAIT_S", "stored_trace_summary", "trace_summary"]

log = logging.getLogger(__name__)

SPAN_WAIT_S = 15.0
"""How long the summary waits for the task's spans to be stored before it is posted as partial."""


def stored_trace_summary(
    store: SpanSummaryStore,
    task_id: str,
    *,
    outcome: str,
    duration_s: float,
    error: str | None = None,
    wait_s: float = SPAN_WAIT_S,
) -> TraceSummary:
    """The summary from the stored rows, once the task's spans are stored or `wait_s` has passed (blocking)."""
    backlog = store.backlog(task_id, wait_s)
    if backlog.pending or backlog.lost:
        log.warning(
            "task %s: trace summary is partial: %d spans still being stored after %.0fs, %d could not be stored",
            task_id,
            backlog.pending,
            wait_s,
            backlog.lost,
        )
    rows = store.rows(task_id)
    return trace_summary(task_id, rows, outcome=outcome, duration_s=duration_s, error=error, backlog=backlog)


def trace_summary(
    task_id: str,
    rows: list[SpanSummary],
    *,
    outcome: str,
    duration_s: float,
    error: str | None = None,
    backlog: SpanBacklog | None = None,
) -> TraceSummary:
    chats = [row for row in rows if row.kind == "chat"]
    tools = [row for row in rows if row.kind == "tool"]
    agents: list[str] = []
    for row in rows:
        if row.kind in ("chat", "agent") and row.agent and row.agent not in agents:
            agents.append(row.agent)
    approvals = [
        ApprovalWait(
            tool=row.tool or row.name.removeprefix("approval "),
            outcome=row.outcome or "unknown",
            waited_s=round(row.duration_ms / 1000, 3),
            deciders=[actor for actor in (row.actors or "").split(",") if actor],
            tier=row.tier,
            confidence=row.confidence,
            raised_from=row.raised_from,
        )
        for row in rows
        if row.kind == "approval"
    ]
    return TraceSummary(
        task_id=task_id,
        outcome=outcome,
        duration_s=round(duration_s, 3),
        model_calls=len(chats),
        models=list(dict.fromkeys(row.model for row in chats if row.model)),
        agents=agents,
        tool_calls=len(tools),
        tool_errors=[f"{row.tool or row.name}: {row.error}" for row in tools if row.status == "error"],
        approvals=approvals,
        input_tokens=sum(row.input_tokens for row in chats),
        output_tokens=sum(row.output_tokens for row in chats),
        cache_read_tokens=sum(row.cache_read_tokens for row in chats),
        cache_write_tokens=sum(row.cache_write_tokens for row in chats),
        cost_usd=round(sum(row.cost_usd for row in chats), 6),
        error=error,
        spans_pending=backlog.pending if backlog else 0,
        spans_lost=backlog.lost if backlog else 0,
    )
