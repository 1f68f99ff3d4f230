"""The numbers of a channel's digest, as SQL aggregates over indexed columns (tasks.created_at, the audit log's
(event, at), span summaries' (kind, started_at)), so a digest over a busy month stays a handful of queries.

Scoping: tasks, approvals, tools and usage are the channel's (through the task a row belongs to); guardrail
blocks of requests that never became a task have no channel, so that section counts every channel and says so.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from approvals.audit import AuditEvent
from handlers.contracts import (
    ApprovalStat,
    ChainHead,
    DayPoint,
    DigestReport,
    GuardrailCount,
    PendingApproval,
    SlowTask,
    TaskCount,
    ToolStat,
    UsageLine,
)

__all__ = ["build_digest"]

_FINAL = {
    AuditEvent.APPROVED.value: "approved",
    AuditEvent.REJECTED.value: "rejected",
    AuditEvent.EXPIRED.value: "expired",
    AuditEvent.CANCELLED.value: "cancelled",
    AuditEvent.VOIDED.value: "voided",
}
TOP = 10
_Query = TypeVar("_Query", bound="sa.Select[*tuple[Any, ...]]")
EXCERPT = 100


def _tables() -> tuple[sa.Table, sa.Table, sa.Table]:
    tables = SQLModel.metadata.tables
    return tables["tasks"], tables["audit_log"], tables["span_summaries"]


def build_digest(
    engine: Engine, channel: str, start: datetime, end: datetime, *, label: str, now: datetime | None = None
) -> DigestReport:
    """The digest of `channel` for [start, end); `now` dates the pending approvals' ages (default: `end`)."""
    tasks, audit, spans = _tables()
    now = now or end
    with engine.connect() as connection:
        in_channel = _InChannel(tasks, channel)
        counts = connection.execute(
            sa.select(tasks.c.status, sa.func.count())
            .where(tasks.c.channel == channel, tasks.c.created_at >= start, tasks.c.created_at < end)
            .group_by(tasks.c.status)
            .order_by(tasks.c.status)
        ).all()
        report = DigestReport(
            channel=channel,
            period_start=start,
            period_end=end,
            label=label,
            tasks=[TaskCount(outcome=status, tasks=int(n)) for status, n in counts],
            approvals=_approvals(connection, audit, in_channel, start, end, now),
            top_tools=_tools(connection, spans, in_channel, start, end),
            by_agent=_usage(connection, spans, spans.c.agent, in_channel, start, end),
            by_task_type=_usage(connection, spans, spans.c.task_type, in_channel, start, end),
            guardrail_blocks=_guardrails(connection, audit, start, end),
            slowest=_slowest(connection, tasks, spans, channel, start, end),
            chain_heads=_heads(connection, audit, in_channel, start, end),
            days=_days(connection, tasks, spans, engine.dialect.name, channel, start, end),
        )
    return report


class _InChannel:
    """Rows of the channel's tasks, found by joining each row's task id to the tasks' primary key: cheaper than
    an IN over every task id of a busy channel, which the database would rebuild for every query."""

    def __init__(self, tasks: sa.Table, channel: str) -> None:
        self.tasks = tasks
        self.channel = channel

    def filter(self, query: _Query, task_id: sa.ColumnElement[str]) -> _Query:
        return query.join(self.tasks, self.tasks.c.id == task_id).where(self.tasks.c.channel == self.channel)


def _approvals(
    connection: Connection,
    audit: sa.Table,
    in_channel: _InChannel,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ApprovalStat:
    requested = audit.alias("requested")
    final = audit.alias("final")
    finals = list(_FINAL)
    decided_query = (
        sa.select(final.c.event, final.c.at, requested.c.at)
        .join(requested, sa.and_(requested.c.approval_id == final.c.approval_id, requested.c.event == "requested"))
        .where(final.c.event.in_(finals), final.c.at >= start, final.c.at < end)
    )
    decided = connection.execute(in_channel.filter(decided_query, final.c.task_id)).all()
    outcomes = Counter(_FINAL[event] for event, _, _ in decided)
    waits = [(decided_at - asked_at).total_seconds() for event, decided_at, asked_at in decided if event != "voided"]
    outcome = audit.alias("outcome")
    answered = [*finals, AuditEvent.RESOLVED.value]  # an outcome question, answered, waits on nobody
    ended = (
        sa.select(outcome.c.id)
        .where(outcome.c.approval_id == audit.c.approval_id, outcome.c.event.in_(answered), outcome.c.at < end)
        .exists()
    )
    pending_query = in_channel.filter(
        sa.select(audit.c.approval_id, audit.c.task_id, audit.c.detail, audit.c.at).where(
            audit.c.event == "requested", ~ended, audit.c.at < end
        ),
        audit.c.task_id,
    )
    total = connection.execute(sa.select(sa.func.count()).select_from(pending_query.subquery())).scalar_one()
    oldest = connection.execute(pending_query.order_by(audit.c.at).limit(5)).all()
    return ApprovalStat(
        pending=[
            PendingApproval(
                approval_id=str(approval_id),
                task_id=task_id,
                tool=str(json.loads(detail).get("tool", "?")),
                age_s=max(0.0, (now - at).total_seconds()),
            )
            for approval_id, task_id, detail, at in oldest
        ],
        pending_total=int(total),
        median_decision_s=round(statistics.median(waits), 1) if waits else None,
        **{outcome: outcomes.get(outcome, 0) for outcome in _FINAL.values()},
    )


def _tools(
    connection: Connection, spans: sa.Table, in_channel: _InChannel, start: datetime, end: datetime
) -> list[ToolStat]:
    errors = sa.func.sum(sa.case((spans.c.status == "error", 1), else_=0))
    query = sa.select(spans.c.tool, sa.func.count(), errors).where(
        spans.c.kind == "tool", spans.c.started_at >= start, spans.c.started_at < end
    )
    rows = connection.execute(
        in_channel.filter(query, spans.c.task_id)
        .group_by(spans.c.tool)
        .order_by(sa.func.count().desc(), spans.c.tool)
        .limit(TOP)
    ).all()
    return [ToolStat(tool=tool or "?", calls=int(calls), errors=int(failed or 0)) for tool, calls, failed in rows]


def _usage(
    connection: Connection,
    spans: sa.Table,
    by: sa.Column[str],
    in_channel: _InChannel,
    start: datetime,
    end: datetime,
) -> list[UsageLine]:
    cost = sa.func.sum(spans.c.cost_usd)
    query = sa.select(
        by, sa.func.count(), sa.func.sum(spans.c.input_tokens), sa.func.sum(spans.c.output_tokens), cost
    ).where(spans.c.kind == "chat", spans.c.started_at >= start, spans.c.started_at < end)
    rows = connection.execute(
        in_channel.filter(query, spans.c.task_id).group_by(by).order_by(cost.desc(), by).limit(TOP)
    ).all()
    return [
        UsageLine(
            name=name or "(unknown)",
            model_calls=int(calls),
            input_tokens=int(tokens_in or 0),
            output_tokens=int(tokens_out or 0),
            cost_usd=round(float(usd or 0.0), 6),
        )
        for name, calls, tokens_in, tokens_out, usd in rows
    ]


def _guardrails(connection: Connection, audit: sa.Table, start: datetime, end: datetime) -> list[GuardrailCount]:
    details = connection.execute(
        sa.select(audit.c.detail).where(audit.c.event == "guardrail", audit.c.at >= start, audit.c.at < end)
    ).scalars()
    counts: Counter[str] = Counter()
    for raw in details:
        detail = json.loads(raw)
        if detail.get("action") != "block":
            continue
        for rule in detail.get("rules") or [f"{detail.get('stage', '?')} (no rule)"]:
            counts[str(rule)] += 1
    return [GuardrailCount(rule=rule, blocks=n) for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _slowest(
    connection: Connection, tasks: sa.Table, spans: sa.Table, channel: str, start: datetime, end: datetime
) -> list[SlowTask]:
    rows = connection.execute(
        sa.select(tasks.c.id, spans.c.duration_ms, tasks.c.status, tasks.c.text)
        .join(spans, spans.c.task_id == tasks.c.id)
        # The task span starts when the task does: the (kind, started_at) index finds the period's tasks.
        .where(spans.c.kind == "task", spans.c.started_at >= start, spans.c.started_at < end)
        .where(tasks.c.channel == channel)
        .order_by(spans.c.duration_ms.desc(), tasks.c.id)
        .limit(5)
    ).all()
    return [
        SlowTask(
            task_id=task_id,
            seconds=round(duration_ms / 1000, 1),
            outcome=status,
            excerpt=text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
        )
        for task_id, duration_ms, status, text in rows
    ]


def _heads(
    connection: Connection, audit: sa.Table, in_channel: _InChannel, start: datetime, end: datetime
) -> list[ChainHead]:
    """The newest row of each chain that grew in the period: published in the channel, they pin those chains."""
    grew = sa.select(audit.c.task_id, sa.func.max(audit.c.seq).label("seq")).where(
        audit.c.at >= start, audit.c.at < end
    )
    last = in_channel.filter(grew, audit.c.task_id).group_by(audit.c.task_id).subquery()
    rows = connection.execute(
        sa.select(audit.c.task_id, audit.c.seq, audit.c.row_hash)
        .join(last, sa.and_(audit.c.task_id == last.c.task_id, audit.c.seq == last.c.seq))
        .order_by(audit.c.at.desc(), audit.c.task_id)
        .limit(TOP)
    ).all()
    return [ChainHead(task_id=task_id, seq=int(seq), row_hash=row_hash) for task_id, seq, row_hash in rows]


def _day(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[str]:
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", column)  # SQLite stores UTC without an offset


def _days(
    connection: Connection,
    tasks: sa.Table,
    spans: sa.Table,
    dialect: str,
    channel: str,
    start: datetime,
    end: datetime,
) -> list[DayPoint]:
    """Tasks and cost per UTC day over the period, or the last 7 days when the period is shorter."""
    window_start = min(start, end - timedelta(days=7))
    task_day = _day(tasks.c.created_at, dialect)
    per_day: dict[str, int] = dict(
        connection.execute(
            sa.select(task_day, sa.func.count())
            .where(tasks.c.channel == channel, tasks.c.created_at >= window_start, tasks.c.created_at < end)
            .group_by(task_day)
        ).all()
    )
    span_day = _day(spans.c.started_at, dialect)
    cost_query = sa.select(span_day, sa.func.sum(spans.c.cost_usd)).where(
        spans.c.kind == "chat", spans.c.started_at >= window_start, spans.c.started_at < end
    )
    cost_per_day: dict[str, float | None] = dict(
        connection.execute(_InChannel(tasks, channel).filter(cost_query, spans.c.task_id).group_by(span_day)).all()
    )
    days = []
    day = window_start.astimezone(UTC).date()
    last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
    while day <= last:
        key = day.isoformat()
        days.append(
            DayPoint(day=day, tasks=int(per_day.get(key, 0)), cost_usd=round(float(cost_per_day.get(key) or 0.0), 6))
        )
        day += timedelta(days=1)
    return days[-31:]
