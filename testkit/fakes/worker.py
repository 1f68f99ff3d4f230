"""The bot's client of the worker (`bot.app.Launcher`), in memory: the one fake every bot test uses.

It answers each typed call from its state, records the call under the contract's names (and refuses a name the
worker does not register, so the fake cannot drift from `handlers.contracts.SERVICES`), and raises
`bot.launcher.Unanswered` for every call while `answering` is False, as the real client does when Restate is down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from pydantic import BaseModel

from bot.launcher import Launch, Unanswered
from handlers.contracts import (
    APPROVAL_ANSWER,
    APPROVAL_GET,
    APPROVAL_OBJECT,
    APPROVAL_VOTE,
    BREAKERS,
    DIGEST_OBJECT,
    DIGEST_POST,
    FROZEN,
    SERVICES,
    SET_FROZEN,
    SWITCHES_KEY,
    SWITCHES_OBJECT,
    TASK_CANCEL,
    TASK_INFO,
    TASK_RUN,
    TASK_WORKFLOW,
    WORKER_HEALTH,
    AnswerRequest,
    ApprovalCard,
    ApprovalStatus,
    BreakerLine,
    DigestRequest,
    FreezeChange,
    TaskInfo,
    TaskRequest,
    VoteRequest,
    VoteResult,
    digest_key,
)
from handlers.contracts.envelope import Actor

__all__ = ["Call", "FakeWorker"]

NO_SUCH_APPROVAL = VoteResult(accepted=False, message="There is no such approval.", status=ApprovalStatus.PENDING)
CHANGES = frozenset(
    {
        (TASK_WORKFLOW, TASK_CANCEL),
        (SWITCHES_OBJECT, SET_FROZEN),
        (APPROVAL_OBJECT, APPROVAL_VOTE),
        (APPROVAL_OBJECT, APPROVAL_ANSWER),
        (DIGEST_OBJECT, DIGEST_POST),
    }
)
"""The calls that change something (everything else only reads)."""


class Call(NamedTuple):
    service: str
    key: str
    handler: str
    body: BaseModel | None
    actor: Actor | None


@dataclass
class FakeWorker:
    launch_answer: Launch = Launch.ACCEPTED
    answering: bool = True
    tasks: dict[str, TaskInfo] = field(default_factory=dict)
    """Known tasks; a cancel of one of them answers True (it was running) and forgets it."""
    cards: dict[str, ApprovalCard] = field(default_factory=dict)
    vote_result: VoteResult = NO_SUCH_APPROVAL
    is_frozen: bool = False
    breaker_lines: list[BreakerLine] = field(default_factory=list)
    digest_accepted: bool = True
    launched: list[TaskRequest] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def _record(self, service: str, key: str, handler: str, body: BaseModel | None, actor: Actor | None) -> None:
        assert handler in SERVICES.get(service, ()), f"the worker registers no {service}/{handler}"
        self.calls.append(Call(service, key, handler, body, actor))
        if not self.answering:
            raise Unanswered(f"{service}/{handler}")

    def addressed(self) -> list[tuple[str, str, str]]:
        """(service, key, handler) of every call, launches included, in order."""
        return [(call.service, call.key, call.handler) for call in self.calls]

    def of(self, handler: str, service: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.handler == handler and (service is None or c.service == service)]

    def effects(self) -> tuple[int, int]:
        """What would change something: tasks started, and the other calls that change state."""
        changes = [c for c in self.calls if (c.service, c.handler) in CHANGES]
        return len(self.launched), len(changes)

    async def launch(self, request: TaskRequest) -> Launch:
        self.calls.append(Call(TASK_WORKFLOW, request.task_id, TASK_RUN, request, None))
        if not self.answering:
            return Launch.UNAVAILABLE
        self.launched.append(request)
        return self.launch_answer

    async def task_info(self, task_id: str, *, actor: Actor, nonce: str) -> TaskInfo | None:
        self._record(TASK_WORKFLOW, task_id, TASK_INFO, None, actor)
        return self.tasks.get(task_id)

    async def cancel_task(self, task_id: str, *, actor: Actor, nonce: str) -> bool:
        self._record(TASK_WORKFLOW, task_id, TASK_CANCEL, None, actor)
        return self.tasks.pop(task_id, None) is not None

    async def card(self, approval_id: str, *, actor: Actor, nonce: str) -> ApprovalCard | None:
        self._record(APPROVAL_OBJECT, approval_id, APPROVAL_GET, None, actor)
        return self.cards.get(approval_id)

    async def vote(self, approval_id: str, vote: VoteRequest, *, actor: Actor, nonce: str) -> VoteResult:
        self._record(APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote, actor)
        return self.vote_result

    async def answer(self, question_id: str, answer: AnswerRequest, *, actor: Actor, nonce: str) -> VoteResult:
        self._record(APPROVAL_OBJECT, question_id, APPROVAL_ANSWER, answer, actor)
        return self.vote_result

    async def frozen(self, *, actor: Actor, nonce: str) -> bool:
        self._record(SWITCHES_OBJECT, SWITCHES_KEY, FROZEN, None, actor)
        return self.is_frozen

    async def set_frozen(self, change: FreezeChange, *, actor: Actor, nonce: str) -> bool:
        self._record(SWITCHES_OBJECT, SWITCHES_KEY, SET_FROZEN, change, actor)
        self.is_frozen = change.frozen
        return self.is_frozen

    async def breakers(self, *, actor: Actor, nonce: str, deadline: float | None = None) -> list[BreakerLine]:
        self._record(WORKER_HEALTH, "", BREAKERS, None, actor)
        return list(self.breaker_lines)

    async def fire_digest(self, request: DigestRequest, *, actor: Actor, nonce: str) -> bool:
        key = digest_key(request.channel, request.period_end)
        try:
            self._record(DIGEST_OBJECT, key, DIGEST_POST, request, actor)
        except Unanswered:
            return False
        return self.digest_accepted

    def digests(self) -> list[DigestRequest]:
        return [c.body for c in self.of(DIGEST_POST, DIGEST_OBJECT) if isinstance(c.body, DigestRequest)]
