"""What the worker reports to people about tasks: the trace summary of one task and the channel digest.

The worker computes these from the database (span summaries, tasks, the audit log) inside durable steps, so a
replay posts the same numbers; the bot renders them as Block Kit (and the digest's chart) behind the ports below.
Nothing here carries request text beyond a short, already-redacted excerpt.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from handlers.contracts.task import ThreadRef

__all__ = [
    "ApprovalStat",
    "ApprovalWait",
    "BreakerLine",
    "ChainHead",
    "DayPoint",
    "DigestPoster",
    "DigestReport",
    "GuardrailCount",
    "PendingApproval",
    "SlowTask",
    "StepNode",
    "SummaryPoster",
    "TaskCount",
    "TaskReports",
    "TaskStatusLine",
    "ToolStat",
    "TraceSummary",
    "UsageLine",
]

SpanKind = Literal["task", "agent", "chat", "tool", "handoff", "approval", "guardrail", "other"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepNode(_Frozen):
    """One span of a task's trace, as the Details modal shows it (a tree through `parent_id`)."""

    span_id: str
    parent_id: str | None = None
    name: str
    kind: SpanKind = "other"
    start: datetime
    duration_ms: float
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    agent: str | None = None
    tool: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class ApprovalWait(_Frozen):
    tool: str
    outcome: str
    """approved, rejected, expired, cancelled, voided, or pending."""
    waited_s: float
    deciders: list[str] = Field(default_factory=list)
    tier: str | None = None
    confidence: float | None = None
    """What the agent stated with the call (None: nothing, which the policy counts as low)."""
    raised_from: str | None = None
    """The tier the confidence matrix raised it from: it needed a person because of the agent's confidence."""


class TraceSummary(_Frozen):
    """The one message posted in a task's thread when it ends."""

    task_id: str
    outcome: str
    """done, failed or cancelled."""
    duration_s: float
    model_calls: int
    agents: list[str]
    tool_calls: int
    tool_errors: list[str] = Field(default_factory=list)
    """"tool: what went wrong", short, in order."""
    models: list[str] = Field(default_factory=list)
    """The models that answered the task's model calls, in the order they first did (`offline`: the offline
    model, which no one pays for)."""
    approvals: list[ApprovalWait] = Field(default_factory=list)
    input_tokens: int = 0
    """All input tokens, cache reads and writes included (as gen_ai.usage.input_tokens counts them)."""
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None
    spans_pending: int = 0
    """Spans of the task still being stored when the summary was built: it is partial, and says so."""
    spans_lost: int = 0
    """Spans of the task that could not be stored: the summary counts without them, and says so."""


class TaskCount(_Frozen):
    outcome: str
    tasks: int


class PendingApproval(_Frozen):
    approval_id: str
    task_id: str
    tool: str
    age_s: float


class ApprovalStat(_Frozen):
    pending: list[PendingApproval] = Field(default_factory=list)
    """Oldest first, at most a handful (the count is `pending_total`)."""
    pending_total: int = 0
    approved: int = 0
    rejected: int = 0
    expired: int = 0
    cancelled: int = 0
    voided: int = 0
    median_decision_s: float | None = None


class ToolStat(_Frozen):
    tool: str
    calls: int
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


class UsageLine(_Frozen):
    """Token burn and cost of one agent, or of one task type (the lead's request or a specialist's task type)."""

    name: str
    model_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class GuardrailCount(_Frozen):
    rule: str
    """e.g. "R3 instruction-override", or the verdict's reason kind when no rule is named."""
    blocks: int


class SlowTask(_Frozen):
    task_id: str
    seconds: float
    outcome: str
    excerpt: str


class ChainHead(_Frozen):
    task_id: str
    seq: int
    row_hash: str


class DayPoint(_Frozen):
    day: date
    tasks: int
    cost_usd: float


class DigestReport(_Frozen):
    """A channel's digest for one period: what the agents did and what waits on whom."""

    channel: str
    period_start: datetime
    period_end: datetime
    label: str
    """How people name the period, e.g. "daily digest, 2026-12-01"."""
    tasks: list[TaskCount] = Field(default_factory=list)
    approvals: ApprovalStat = Field(default_factory=ApprovalStat)
    top_tools: list[ToolStat] = Field(default_factory=list)
    by_agent: list[UsageLine] = Field(default_factory=list)
    by_task_type: list[UsageLine] = Field(default_factory=list)
    guardrail_blocks: list[GuardrailCount] = Field(default_factory=list)
    slowest: list[SlowTask] = Field(default_factory=list)
    chain_heads: list[ChainHead] = Field(default_factory=list)
    days: list[DayPoint] = Field(default_factory=list)
    """Tasks and cost per day over the chart's window (the period, at least the last 7 days)."""

    @property
    def total_tasks(self) -> int:
        return sum(count.tasks for count in self.tasks)

    @property
    def total_cost_usd(self) -> float:
        return sum(line.cost_usd for line in self.by_agent)


class SummaryPoster(Protocol):
    """Posts a task's trace summary in its thread (the bot renders it, with a Details button)."""

    async def post_summary(self, ref: ThreadRef, summary: TraceSummary) -> None: ...


class DigestPoster(Protocol):
    """Posts a digest in a channel (returns its ts), then its chart in the digest's thread: two steps, so a
    failed upload never posts the digest twice. Raise the notifier's errors (`ChannelUnavailable`, ...)."""

    async def post_digest(self, channel: str, report: DigestReport) -> str: ...

    async def post_digest_chart(self, channel: str, ts: str, report: DigestReport) -> None: ...

    async def post_notice(self, channel: str, text: str) -> str:
        """opsgate's own alert, its untrusted parts escaped by whoever composed it: posted as written."""
        ...


class TaskStatusLine(_Frozen):
    """A task as `/ops status` shows it."""

    task_id: str
    requester: str
    team_id: str = ""
    """The requester's workspace: a person is (team, user)."""
    channel: str
    thread_ts: str | None = None
    status: str
    steps: int = 0
    created_at: datetime
    updated_at: datetime
    excerpt: str
    outcome: str | None = None
    model_calls: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class BreakerLine(_Frozen):
    name: str
    state: str
    consecutive_failures: int
    retry_in_s: float = 0.0


class TaskReports(Protocol):
    """What the bot reads about tasks for `/ops status` and the Details modal (synchronous: run in a thread)."""

    def status(self, task_id: str) -> TaskStatusLine | None: ...

    def recent(self, team_id: str, requester: str, limit: int = 10) -> list[TaskStatusLine]:
        """The person's (team, user) most recent tasks, newest first."""
        ...

    def steps(self, task_id: str) -> list[StepNode]: ...

    def summary(self, task_id: str) -> TraceSummary | None: ...

    def request_text(self, task_id: str) -> str | None:
        """The request as the task received it (already guarded), for Retry."""
        ...
