"""The tool gate inside a task: scope check, risk decision, and the wait for a human where the tier asks for one.

Every decision is a journaled step, so a replay decides exactly as the first run did even if the policy changed
in between. Before an approved action runs, the gate decides again with the *current* policy (a new step): if
the matched rule changed, the approval is void and a new one is requested. The action hash is computed from
the very call the model proposed, and that same call is what runs, so nothing runs that nobody approved.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict
from restate import RunOptions, TerminalError, WorkflowContext

from agents.loop import ToolVerdict
from agents.messages import ToolUseBlock
from approvals import Decision, Handling, PolicyContext, ProposedAction, action_hash, risk_for
from handlers.approval_contracts import (
    APPROVAL_OBJECT,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    approval_id_for,
)
from handlers.contracts import TaskPhase, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.steps import slack_step
from handlers.switches import SWITCHES_KEY, SWITCHES_OBJECT

__all__ = ["GateReview", "ToolGateStep"]

MAX_ROUNDS = 3


class GateReview(BaseModel):
    """The journaled outcome of one gate decision."""

    model_config = ConfigDict(frozen=True)

    verdict: ToolVerdict
    action: ProposedAction | None = None
    action_hash: str = ""
    decision: Decision | None = None


class ToolGateStep:
    PhaseHook = Callable[[TaskPhase, str], Awaitable[None]]

    def __init__(
        self, ctx: WorkflowContext, request: TaskRequest, deps: TaskDeps, root: ThreadRef, on_phase: PhaseHook
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._deps = deps
        self._root = root
        self._on_phase = on_phase

    async def _frozen(self) -> bool:
        """The freeze switch, read through Restate so every replica and every replay sees the same answer."""
        raw = await self._ctx.generic_call(SWITCHES_OBJECT, "frozen", b"null", key=SWITCHES_KEY)
        return bool(json.loads(raw))

    async def _decide_step(self, name: str, call: ToolUseBlock, rationale: str) -> GateReview:
        frozen = await self._frozen()

        async def decide(call: ToolUseBlock, rationale: str, frozen: bool) -> GateReview:
            return self._decide(call, rationale, frozen)

        options = RunOptions(type_hint=GateReview, max_attempts=3)
        return await self._ctx.run_typed(name, decide, options, call, rationale, frozen)

    def _decide(self, call: ToolUseBlock, rationale: str, frozen: bool) -> GateReview:
        scope = self._deps.gate.review(self._deps.agent, call)
        if not scope.allowed:
            return GateReview(verdict=scope)
        tool = self._deps.toolbox.get(call.name)
        spec = tool.spec if tool is not None else None
        guard = self._deps.output_guard.review(
            call, agent=self._deps.agent, tool=spec, user=self._request.user_id, task_id=self._request.task_id
        )
        if guard.blocked:
            return GateReview(verdict=ToolVerdict(allowed=False, reason=guard.message()))
        escalations = [*self._request.input_flags, *(guard.reasons if guard.needs_approval else ())]
        action = ProposedAction(
            tool=call.name,
            arguments=dict(call.input),
            target=spec.target_of(call.input) if spec is not None else None,
            server=spec.server if spec is not None else "unknown",
            annotations=spec.annotations if spec is not None else None,
            rationale=rationale,
        )
        context = PolicyContext(requester=self._request.user_id, frozen=frozen, escalations=tuple(escalations))
        decision = risk_for(action, self._deps.policy(), context)
        if decision.blocked:
            verdict = ToolVerdict(allowed=False, reason=f"Blocked by policy: {decision.block_reason}")
        else:
            verdict = ToolVerdict(allowed=True)
        return GateReview(verdict=verdict, action=action, action_hash=action_hash(action), decision=decision)

    async def review(self, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        review = await self._decide_step(f"gate: {call.name} ({call.id})", call, rationale)
        for round_ in range(1, MAX_ROUNDS + 1):
            decision, action = review.decision, review.action
            if not review.verdict.allowed or decision is None or action is None:
                return review.verdict
            if decision.handling == Handling.RUN:
                return review.verdict
            if decision.handling == Handling.RUN_AND_LOG:
                text = f":memo: Running `{call.name}` ({decision.tier.value} risk): {'; '.join(decision.reasons)}"
                await slack_step(self._ctx, f"slack: log {call.id}", self._deps.notifier.reply, self._root, text)
                return review.verdict
            await self._on_phase(TaskPhase.WAITING_APPROVAL, f"`{call.name}` needs approval")
            outcome = await self._wait_for_approval(call, review, round_)
            await self._on_phase(TaskPhase.RUNNING, f"`{call.name}` {outcome.status.value}")
            if outcome.status is not ApprovalStatus.APPROVED:
                return ToolVerdict(allowed=False, reason=_refusal(outcome))

            again = await self._decide_step(f"gate: recheck {call.name} ({call.id}) #{round_}", call, rationale)
            if (
                again.action_hash == review.action_hash
                and again.decision is not None
                and (again.decision.rule_hash == decision.rule_hash)
            ):
                return again.verdict
            reason = "the action changed" if again.action_hash != review.action_hash else "its policy rule changed"
            approval_id = approval_id_for(self._request.task_id, call.id, round_)
            self._ctx.generic_send(APPROVAL_OBJECT, "void", json.dumps(reason).encode(), key=approval_id)
            await slack_step(
                self._ctx,
                f"slack: approval voided #{round_}",
                self._deps.notifier.reply,
                self._root,
                f":warning: The policy for `{call.name}` changed after it was approved, so that approval is void. "
                "Asking again under the new rule.",
            )
            review = again
        return ToolVerdict(allowed=False, reason="The policy kept changing during approval; not running it.")

    async def _wait_for_approval(self, call: ToolUseBlock, review: GateReview, round_: int) -> ApprovalOutcome:
        assert review.decision is not None and review.action is not None
        approval_id = approval_id_for(self._request.task_id, call.id, round_)
        awakeable_id, outcome = self._ctx.awakeable(type_hint=ApprovalOutcome)
        request = ApprovalRequest(
            approval_id=approval_id,
            task_id=self._request.task_id,
            requester=self._request.user_id,
            channel=self._request.channel_id,
            thread_ts=self._root.ts,
            agent=self._deps.agent.name,
            action=review.action,
            action_hash=review.action_hash,
            decision=review.decision,
            awakeable_id=awakeable_id,
            opened_at=await self._ctx.time(),
        )
        self._ctx.generic_send(APPROVAL_OBJECT, "open", request.model_dump_json().encode(), key=approval_id)
        try:
            return await outcome
        except TerminalError:
            self._ctx.generic_send(APPROVAL_OBJECT, "cancel", b'"opsgate"', key=approval_id)
            raise


def _refusal(outcome: ApprovalOutcome) -> str:
    who = ", ".join(f"<@{u}>" for u in outcome.decided_by)
    if outcome.status is ApprovalStatus.REJECTED:
        return f"A person ({who}) rejected this action. Their reason: {outcome.reason or '(none given)'}"
    if outcome.status is ApprovalStatus.EXPIRED:
        return "Nobody approved this action before the approval expired; it was not run."
    return "The approval was cancelled; the action was not run."
