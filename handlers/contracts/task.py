"""Tasks, hand-offs and threads as the bot and the worker exchange them, and the Slack port.

The `ThreadNotifier` port is implemented by the bot's Slack adapter and handed to the worker by the composition
root.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar, cast, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agents.team import AgentTask
from approvals.people import Person

if TYPE_CHECKING:  # report imports ThreadRef from here
    from handlers.contracts.report import TraceSummary

__all__ = [
    "AgentHandoff",
    "ChannelUnavailable",
    "FollowUp",
    "GuardrailVerdict",
    "SlackRetryLater",
    "TaskDirectory",
    "TaskInfo",
    "TaskOutcome",
    "TaskPhase",
    "TaskRequest",
    "TaskView",
    "ThreadNotifier",
    "ThreadRef",
    "ThreadTask",
    "WorkspaceScoped",
    "WorkspaceUnavailable",
    "in_workspace",
    "task_id_for",
]

N = TypeVar("N")


def task_id_for(team_id: str, trigger_id: str) -> str:
    """A task id derived from Slack's ids, so a redelivered request maps to the same workflow key."""
    digest = hashlib.sha256(f"{team_id}:{trigger_id}".encode()).hexdigest()
    return f"t-{digest[:20]}"


class GuardrailVerdict(BaseModel):
    """A guardrail verdict as the audit log and traces keep it: the decision and rule ids, never the text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = Field(description="input, output (a proposed tool call) or tool_output.")
    action: str = Field(description="allow, redact, escalate, out_of_scope or block.")
    rules: list[str] = Field(default_factory=list)
    tool: str | None = None

    def detail(self) -> dict[str, object]:
        found: dict[str, object] = {"stage": self.stage, "action": self.action, "rules": list(self.rules)}
        return found | ({"tool": self.tool} if self.tool else {})


class FollowUp(BaseModel):
    """A mention of the bot in a task's thread: a new turn of that task, answered in the same thread."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parent_task_id: str = Field(description="The latest task of the thread.")
    wait_for_parent: bool = Field(default=False, description="It was still running: start once it has ended.")
    thread_ts: str
    request: str = Field(max_length=40_000, description="The thread's first request, for the root's status.")
    history: str = Field(max_length=20_000, description="What was asked and answered so far in the thread.")


class ThreadTask(BaseModel):
    """What the bot knows of the newest task in a thread, to turn a mention there into a follow-up."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    requester: str
    text: str
    outcome: str | None
    finished: bool
    team_id: str = ""
    """The requester's workspace: a person is (team, user)."""


class TaskDirectory(Protocol):
    """Finds the task a thread belongs to (implemented over the tasks table)."""

    def thread_history(self, channel: str, thread_ts: str, limit: int = 5) -> list[ThreadTask]:
        """The thread's tasks, oldest first (at most the newest `limit`)."""
        ...


class TaskRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    team_id: str
    channel_id: str
    user_id: str
    text: str = Field(max_length=40_000)
    response_url: str | None = None
    trace_context: dict[str, str] = Field(default_factory=dict)
    input_flags: list[str] = Field(default_factory=list)
    """Why the input guardrails want a person to look (escalate): every action of this task then needs approval."""
    input_verdict: GuardrailVerdict | None = None
    """The input guardrails' verdict in the bot, recorded in the task's audit chain by its first step."""
    co_requesters: list[str] = Field(default_factory=list, max_length=100)
    """Who started the chain of requests this one continues (the task a Retry repeats, the earlier turns of a
    thread): separation of duties follows the action, so none of them may approve what this task asks for."""
    sealed_pii: str | None = None
    """The request's pseudonyms, encrypted (see agents.guardrails.sealed): restored only in approved calls."""
    follow_up: FollowUp | None = None
    """Set for a mention in an existing task's thread: no new thread, the conversation so far comes along."""

    @property
    def requester_key(self) -> str:
        """The requester as the per-person budgets count them, `T…:U…`: a person is a team and a user."""
        return str(Person(self.team_id, self.user_id))


class TaskPhase(StrEnum):
    """Where a task is in its life, as its thread root shows it and its row stores it; the last three are final."""

    QUEUED = "queued"
    PLANNING = "planning"
    RUNNING = "running"
    WAITING_APPROVAL = "waiting_approval"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (TaskPhase.DONE, TaskPhase.FAILED, TaskPhase.CANCELLED)


class TaskView(BaseModel):
    """What the thread root shows about a task; the bot renders it as Block Kit."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    requester: str
    request: str
    phase: TaskPhase
    detail: str = ""
    step: int = 0
    max_steps: int = 0


class TaskInfo(BaseModel):
    """What a running task says about itself (its workflow's shared `info` handler), e.g. to authorize a cancel."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    requester: str
    channel: str
    thread_ts: str | None = None
    team_id: str = ""
    requesters: list[str] = Field(default_factory=list)
    """The requester and the co-requesters of the chain (a Retry of this task keeps them all)."""


class TaskOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    phase: TaskPhase
    answer: str
    thread_ts: str | None = None


class ThreadRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: str
    ts: str


class ChannelUnavailable(Exception):
    """The bot cannot post in the channel (not a member, or no such channel)."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"cannot post in {channel}: {reason}")
        self.channel = channel
        self.reason = reason


class SlackRetryLater(Exception):
    """Slack asked us to slow down (HTTP 429) or was briefly unavailable."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Slack asked to retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class WorkspaceUnavailable(Exception):
    """No bot token speaks for the workspace (never installed, removed, or no home workspace): a retry cannot help."""


class ThreadNotifier(Protocol):
    """The Slack side of a task, as the worker needs it. Raise `ChannelUnavailable`, `SlackRetryLater` or
    `WorkspaceUnavailable`."""

    async def post_root(self, channel: str, view: TaskView) -> ThreadRef: ...

    async def update_root(self, ref: ThreadRef, view: TaskView) -> None: ...

    async def reply(self, ref: ThreadRef, text: str) -> None: ...

    async def tell_requester(self, response_url: str, text: str) -> None: ...

    async def post_summary(self, ref: ThreadRef, summary: TraceSummary) -> None: ...


@runtime_checkable
class WorkspaceScoped(Protocol):
    """A notifier that can speak as opsgate in one workspace of several (Slack OAuth installs)."""

    def for_team(self, team_id: str) -> object: ...


def in_workspace(notifier: N, team_id: str | None) -> N:
    """The notifier for work of workspace `team_id`: scoped when it can be, else `notifier` itself (one bot token,
    or no team known: the home workspace)."""
    if team_id and isinstance(notifier, WorkspaceScoped):
        return cast(N, notifier.for_team(team_id))
    return notifier


class AgentHandoff(BaseModel):
    """A durable call to a specialist: the typed task, plus the request and thread it works for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: AgentTask
    request: TaskRequest
    root: ThreadRef
