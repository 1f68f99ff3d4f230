"""The trace summary of one task, from its span summaries: what it did, what it cost, what waited on whom.

Built inside a durable step at the end of the task (after every span of the task has been flushed), so a replay
posts the journaled summary rather than recounting.
"""

from __future__ import annotations

from handlers.report_contracts import ApprovalWait, TraceSummary
from handlers.span_summaries import SpanSummary

__all__ = ["trace_summary"]


def trace_summary(
    task_id: str, rows: list[SpanSummary], *, outcome: str, duration_s: float, error: str | None = None
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
    )
