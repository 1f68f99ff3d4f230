"""An uncertain outcome goes to a person: the executor asks whether an effect happened, waits, and tells the model.

An effect that may not be repeated (not idempotent by trusted annotations) whose outcome is unknown (its intent
marker found on replay, a failure after it was sent, a tool that says it cannot tell) is never run again blindly.
The executor opens an outcome question (an `Approval` object of kind `outcome`, so the same state machine with
its timers, audit rows and card) for the people who may decide that action (`approvals.outcomes`), and the task
waits for the answer like for an approval: a person's wait, ended only by an answer, the question's expiry or a
person cancelling the task, and protected against forged wake-ups by the gate (`ToolGateStep.ask_person`).

What the model is told: *it happened* → the call ran, what it returned is unknown; *it did not happen* → it did
not run and may be called once more; a second unknown outcome of the same action in this run asks a person
again, but offers no further retry.
"""

from __future__ import annotations

from collections import Counter

import restate
from restate import RunOptions
from restate.serde import BytesSerde

from agents.loop import ToolVerdict
from agents.messages import ToolUseBlock
from agents.tools import ToolResult
from approvals import Decision, ProposedAction, action_hash
from approvals.outcomes import outcome_question
from approvals.people import Person, co_requesters_of
from handlers.contracts import (
    APPROVAL_OBJECT,
    APPROVAL_OPEN,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    TaskRequest,
    ThreadRef,
    question_id_for,
)
from handlers.deps import TaskDeps
from handlers.steps import CHECK_RETRY
from handlers.tool_gate import GateReview, ToolGateStep

__all__ = ["HAPPENED", "NOT_HAPPENED", "NOT_HAPPENED_AGAIN", "UNANSWERED", "OutcomeQuestions"]

HAPPENED = (
    "A person ({who}) says the call to {tool} did happen. It ran once; what it returned is unknown. Do not call "
    "it again for the same purpose."
)
NOT_HAPPENED = (
    "A person ({who}) says the call to {tool} did NOT happen: it did not run. You may call it once more with the "
    "same arguments if it is still needed."
)
NOT_HAPPENED_AGAIN = (
    "A person ({who}) says the call to {tool} did NOT happen: it did not run. Its outcome was unknown twice, so "
    "do not call it again in this task; say that it could not be done."
)
RERUN = "A person ({who}) asks for {tool} to be run again: call it once more with the same arguments."
UNANSWERED = (
    "Nobody said whether the call to {tool} happened before the question was {status}: its outcome stays "
    "unknown. Do not call it again; say so in your answer."
)


class OutcomeQuestions:
    """The outcome questions of one agent run (`handlers.effects.ToolEffects` asks them)."""

    def __init__(
        self,
        ctx: restate.Context,
        request: TaskRequest,
        deps: TaskDeps,
        gate: ToolGateStep,
        root: ThreadRef,
        agent: str,
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._deps = deps
        self._gate = gate
        self._root = root
        self._agent = agent
        self._not_happened: Counter[str] = Counter()
        """"It did not happen" answers per action hash in this run (rebuilt on replay from journaled answers)."""

    async def ask(self, call: ToolUseBlock, key: str, why: str) -> ToolResult:
        """Ask whether `call` (its step's idempotency `key`) happened, wait for the answer, and say what it means."""
        cleared = self._gate.cleared.get(call.id)
        review = cleared.review if cleared is not None else None
        action = review.action if review is not None and review.action is not None else self._action(call)
        hashed = review.action_hash if review is not None and review.action_hash else action_hash(action)
        question_id = question_id_for(self._request.task_id, key)
        requester, policy = self._request.user_id, self._deps.policy

        async def who_decides() -> Decision:  # the policy of the moment, journaled
            return outcome_question(review.decision if review else None, requester=requester, policy=policy())

        options: RunOptions[Decision] = CHECK_RETRY.options(Decision)
        decision = await self._ctx.run_typed(f"outcome: who decides {call.name} ({call.id})", who_decides, options)
        awakeable_id, wake_up = self._ctx.awakeable(serde=BytesSerde())  # a wake-up only: see `ask_person`
        question = ApprovalRequest(
            approval_id=question_id,
            task_id=self._request.task_id,
            requester=requester,
            co_requesters=co_requesters_of(
                self._request.co_requesters, self._request.team_id, Person(self._request.team_id, requester)
            ),
            channel=self._request.channel_id,
            thread_ts=self._root.ts,
            agent=self._agent,
            action=action,
            action_hash=hashed,
            decision=decision,
            awakeable_id=awakeable_id,
            opened_at=await self._ctx.time(),
            team_id=self._request.team_id or None,
            kind="outcome",
            # Only a tool whose repetition is safe may be run again; such tools are retried by Restate and never
            # reach a person today, so no question offers it yet.
            rerun=False,
            uncertainty=why[:500],
        )
        self._ctx.generic_send(APPROVAL_OBJECT, APPROVAL_OPEN, question.model_dump_json().encode(), key=question_id)
        waited = review or GateReview(verdict=ToolVerdict(allowed=True), action=action, action_hash=hashed)
        outcome = await self._gate.ask_person(call, waited, question_id, wake_up)
        return self._told(call.name, hashed, outcome)

    def _action(self, call: ToolUseBlock) -> ProposedAction:
        tool = self._deps.toolbox.get(call.name)
        spec = tool.spec if tool is not None else None
        return ProposedAction(
            tool=call.name,
            arguments=dict(call.input),
            target=spec.target_of(call.input) if spec is not None else None,
            server=spec.server if spec is not None else "unknown",
            annotations=spec.annotations if spec is not None else None,
        )

    def _told(self, tool: str, hashed: str, outcome: ApprovalOutcome) -> ToolResult:
        who = ", ".join(f"<@{u}>" for u in outcome.decided_by) or "opsgate"
        if outcome.status is ApprovalStatus.HAPPENED:
            return ToolResult(content=HAPPENED.format(who=who, tool=tool))
        if outcome.status in (ApprovalStatus.NOT_HAPPENED, ApprovalStatus.RERUN):
            self._not_happened[hashed] += 1
            if self._not_happened[hashed] > 1:
                return ToolResult(content=NOT_HAPPENED_AGAIN.format(who=who, tool=tool), is_error=True)
            text = NOT_HAPPENED if outcome.status is ApprovalStatus.NOT_HAPPENED else RERUN
            return ToolResult(content=text.format(who=who, tool=tool), is_error=True)
        status = outcome.status.value
        return ToolResult(
            content=UNANSWERED.format(tool=tool, status=status),
            is_error=True,
            unknown=True,
            error_kind="unknown_outcome",
        )
