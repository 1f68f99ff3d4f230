"""TaskWorkflow: one Restate workflow per `/ops` request, keyed by the task id derived from Slack's ids.

Every side effect is a named durable step, so a crash resumes after the last completed one:

    db: record task → slack: post thread root → (model: turn n → gate → tool: name)* → slack: answer → db: done

Who retries what: Restate retries a failing step with the policy given here (Slack posts honour Retry-After);
the model seam and tools do not retry on their own inside a step, so attempts never multiply. A step that
exhausts its attempts surfaces as `TerminalError`, which ends the task as failed and says so in the thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import restate
from restate import RunOptions, TerminalError, WorkflowContext, WorkflowSharedContext

from agents.loop import AgentOutcome, AgentProgress, run_agent
from agents.slack_text import escape_answer
from approvals.people import Person, co_requesters_of
from handlers.budgets import AgentBudget
from handlers.contracts import (
    TASK_CANCEL,
    TASK_DONE,
    TASK_INFO,
    TASK_ROOT,
    TASK_ROOT_APPLY,
    TASK_RUN,
    TASK_WORKFLOW,
    ChannelUnavailable,
    GuardrailVerdict,
    TaskInfo,
    TaskOutcome,
    TaskPhase,
    TaskRequest,
    TaskView,
    ThreadRef,
    TraceSummary,
    in_workspace,
)
from handlers.contracts.envelope import Actor
from handlers.contracts.post_nonce import posts_message
from handlers.deps import TaskDeps
from handlers.failures import error_id_for, failure_text, logged_detail
from handlers.runtime import DurableAgentRuntime
from handlers.steps import CHECK_RETRY, DB_RETRY, DB_WRITE_RETRY, ONE_ATTEMPT, slack_step
from handlers.store import TaskRecord
from handlers.task_root import RootEvent, report_root
from handlers.telemetry_attributes import agent_run_attributes
from handlers.tool_gate import ToolGateStep
from handlers.trace_summary import stored_trace_summary
from handlers.tracing import agent_span_key, emit_span, emit_task_span
from handlers.verified import Verifier, verified_actor

__all__ = ["TaskDeps", "build_task_workflow"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying: logged once

DONE_PROMISE = "done"
RUN_INVOCATION = "run_invocation"
ROOT_UPDATE_INTERVAL_S = 2.0
_DB: RunOptions[None] = DB_WRITE_RETRY.options()
NOT_IN_CHANNEL = (
    "I can't post in <#{channel}>, so I did not start this task. Invite me first: type `/invite @opsgate` in "
    "that channel (or mention @opsgate there and choose *Invite*), then send your request again."
)


def build_task_workflow(
    deps: TaskDeps, verifier: Verifier, *, may_cancel_any: Callable[[Actor], bool] = lambda actor: False
) -> restate.Workflow:
    """`verifier` checks the bot's envelopes: a task runs as the person the bot verified, and only its requester
    or someone `may_cancel_any` says yes to (an eligible approver) may cancel it."""
    workflow = restate.Workflow(TASK_WORKFLOW)

    @workflow.main(name=TASK_RUN, inactivity_timeout=timedelta(minutes=5))
    async def run(ctx: WorkflowContext, request: TaskRequest) -> TaskOutcome:
        verdict = await verified_actor(ctx, verifier, TASK_WORKFLOW, TASK_RUN, ctx.key())
        assert verdict.actor is not None
        if (verdict.actor.team, verdict.actor.user) != (request.team_id, request.user_id):
            raise TerminalError("refused: the task names another requester than the one the bot verified", 401)
        ctx.set(RUN_INVOCATION, ctx.request().id)
        return await _TaskRun(ctx, request, deps).execute()

    @workflow.handler(name=TASK_INFO)
    async def info(ctx: WorkflowSharedContext) -> TaskInfo | None:
        await verified_actor(ctx, verifier, TASK_WORKFLOW, TASK_INFO, ctx.key())
        return await ctx.get("info", type_hint=TaskInfo)

    @workflow.handler(name=TASK_CANCEL)
    async def cancel(ctx: WorkflowSharedContext) -> bool:
        """Cancel this task's run (its pending approvals are withdrawn by the run itself): True when it was
        running. Restate's admin API is never needed, so the bot holds none."""
        verdict = await verified_actor(ctx, verifier, TASK_WORKFLOW, TASK_CANCEL, ctx.key())
        actor = verdict.actor
        assert actor is not None
        task = await ctx.get("info", type_hint=TaskInfo)
        invocation = await ctx.get(RUN_INVOCATION, type_hint=str)
        if task is None or invocation is None or await ctx.promise(DONE_PROMISE, type_hint=str).peek() is not None:
            return False
        requester = (task.team_id or actor.team, task.requester) == (actor.team, actor.user)

        async def approver() -> bool:
            return await asyncio.to_thread(may_cancel_any, actor)

        if not requester and not await ctx.run_typed("authz: cancel", approver, CHECK_RETRY.options()):
            raise TerminalError("refused: only the requester or an approver may cancel this task", 403)
        ctx.cancel_invocation(invocation)
        return True

    @workflow.handler(name=TASK_DONE, ingress_private=True)
    async def done(ctx: WorkflowSharedContext) -> str:
        """Returns once the task has ended (its phase): a follow-up in the thread waits on this."""
        return await ctx.promise(DONE_PROMISE, type_hint=str).value()

    return workflow


class _TaskRun:
    def __init__(self, ctx: WorkflowContext, request: TaskRequest, deps: TaskDeps) -> None:
        self.ctx = ctx
        self.request = request
        self.deps = replace(deps, notifier=in_workspace(deps.notifier, request.team_id))  # posts as its workspace
        self._ended = False
        self._root_updated_at = 0.0
        shown = request.follow_up.request if request.follow_up else request.text
        self.view = TaskView(task_id=request.task_id, requester=request.user_id, request=shown, phase=TaskPhase.QUEUED)

    async def execute(self) -> TaskOutcome:
        """Run the task; if a step gives up for good (Slack unreachable for minutes, the database down), the task
        is still recorded as failed and the requester told where possible: it never ends silently."""
        try:
            return await self._execute()
        except TerminalError as exc:
            if exc.status_code == 409 or self._ended:
                raise
            error_id = error_id_for(self.ctx.request().id, "task: failed outside the agent")
            detail = logged_detail(exc.message, error_id)
            log.error("task %s failed outside the agent: %s", self.request.task_id, detail)
            message = failure_text("The task failed", exc.message, error_id)
            await self._record(TaskPhase.FAILED, outcome=message[:2000])
            await self._resolve_done(TaskPhase.FAILED)
            if self.request.response_url:
                await self._tell_requester(message)
            return self._outcome(TaskPhase.FAILED, message, None)

    async def _tell_requester(self, text: str) -> None:
        try:
            await slack_step(
                self.ctx,
                "slack: tell requester",
                self.deps.notifier.tell_requester,
                self.request.response_url,
                escape_answer(text),
            )
        except TerminalError as exc:
            log.error("could not tell the requester of %s either: %s", self.request.task_id, exc.message)

    async def _resolve_done(self, phase: TaskPhase) -> None:
        """Resolve the `done` promise once (a follow-up in the thread waits on it)."""
        if not self._ended:
            self._ended = True
            await self.ctx.promise(DONE_PROMISE, type_hint=str).resolve(phase.value)

    async def _execute(self) -> TaskOutcome:
        started = await self.ctx.time()
        request = self.request
        requester = Person(request.team_id, request.user_id)
        info = TaskInfo(
            task_id=request.task_id,
            requester=request.user_id,
            channel=request.channel_id,
            team_id=request.team_id,
            requesters=[request.user_id, *co_requesters_of(request.co_requesters, request.team_id, requester)],
        )
        self.ctx.set("info", info)
        await self._record(TaskPhase.QUEUED)
        if request.input_verdict is not None:
            await self._audit_input(request.input_verdict)
        root = await self._follow_thread() if request.follow_up else await self._post_root()
        if root is None:
            await self._record(TaskPhase.FAILED, outcome="bot is not in the channel")
            return self._outcome(TaskPhase.FAILED, "not in channel", None)
        await self._db("db: thread ts", self.deps.store.update, self.request.task_id, thread_ts=root.ts)
        try:
            result = await self._run_agent(root)
        except TerminalError as exc:
            if exc.status_code == 409:
                await self._finish(root, TaskPhase.CANCELLED, "Cancelled.", started, error=None)
                raise
            error_id = error_id_for(self.ctx.request().id, "task: failed")
            detail = logged_detail(exc.message, error_id)
            log.error("task %s failed: %s", self.request.task_id, detail)
            message = failure_text("The task failed", exc.message, error_id)
            await self._finish(root, TaskPhase.FAILED, message, started, error=message, trace_error=detail)
            return self._outcome(TaskPhase.FAILED, message, root)
        phase = TaskPhase.DONE if result.status == "done" else TaskPhase.FAILED
        await self._finish(
            root, phase, result.answer, started, error=None if phase == TaskPhase.DONE else result.status
        )
        return self._outcome(phase, result.answer, root)

    async def _run_agent(self, root: ThreadRef) -> AgentOutcome:
        gate = ToolGateStep(self.ctx, self.request, self.deps, root, self._on_phase(root))
        progress = self._on_progress(root)
        runtime = DurableAgentRuntime(self.ctx, self.request, self.deps.agent, self.deps, progress, gate, root)
        text = self.request.text
        if follow_up := self.request.follow_up:
            text = f"{follow_up.history}\n\nFollow-up in the same thread from <@{self.request.user_id}>:\n{text}"
        started = await self.ctx.time()
        try:
            budget = AgentBudget(self.ctx, self.request, self.deps.agent, self.deps, gate)
            agent = self.deps.agent
            outcome = await run_agent(agent, self.deps.tools_for(agent), text, runtime, budget=budget)
        except TerminalError as exc:
            await self._trace_agent(root, runtime, started, status="cancelled" if exc.status_code == 409 else "failed")
            raise
        await self._trace_agent(root, runtime, started, status=outcome.status, outcome=outcome)
        return outcome

    async def _trace_agent(
        self,
        root: ThreadRef,
        runtime: DurableAgentRuntime,
        started: float,
        *,
        status: str,
        outcome: AgentOutcome | None = None,
    ) -> None:
        """The lead's `invoke_agent` span, from journaled times: its chats, tools and handoffs hang under it."""
        ended = await self.ctx.time()
        request, agent, usage = self.request, self.deps.agent.name, runtime.usage

        async def emit() -> None:
            emit_span(
                f"invoke_agent {agent}",
                request.task_id,
                request.trace_context,
                start_s=started,
                end_s=ended,
                key=agent_span_key(""),
                attributes=agent_run_attributes(
                    agent=agent,
                    agent_id=request.task_id,
                    conversation_id=root.ts,
                    task_type=runtime.task_type,
                    usage=usage,
                    status=status,
                    tool_calls=outcome.tool_calls if outcome else 0,
                    errors=runtime.errors,
                ),
                error=None if status == "done" else status,
            )

        await self.ctx.run_typed("trace: invoke_agent", emit, ONE_ATTEMPT.options())

    def _on_phase(self, root: ThreadRef) -> ToolGateStep.PhaseHook:
        """The lead's own waits on people; the root shows them through its owner, `TaskRoot`."""

        async def update(phase: TaskPhase, detail: str) -> None:
            waiting = phase == TaskPhase.WAITING_APPROVAL
            self._report(root, waiting=detail if waiting else None, resumed=not waiting)
            await self._db("db: status", self.deps.store.update, self.request.task_id, status=phase)

        return update

    def _report(
        self, root: ThreadRef, *, view: TaskView | None = None, waiting: str | None = None, resumed: bool = False
    ) -> None:
        event = RootEvent(root=root, team_id=self.request.team_id, view=view, waiting=waiting, resumed=resumed)
        report_root(self.ctx, self.request.task_id, event)

    def _on_progress(self, root: ThreadRef) -> DurableAgentRuntime.ProgressHook:
        async def update(event: AgentProgress) -> None:
            phase = TaskPhase.PLANNING if event.turn == 1 and event.activity == "thinking" else TaskPhase.RUNNING
            now = await self.ctx.time()  # journaled: a replay skips the same updates
            same_phase = phase == self.view.phase
            if same_phase and now - self._root_updated_at < ROOT_UPDATE_INTERVAL_S:
                # Progress within one phase is shown at most every few seconds (chat.update is tier 3 per
                # workspace); phase changes and the final status always go out.
                self.view = self.view.model_copy(update={"detail": event.activity, "step": event.turn})
                await self._db("db: status", self.deps.store.update, self.request.task_id, steps=event.turn)
                return
            self._root_updated_at = now
            self.view = self.view.model_copy(
                update={
                    "phase": phase,
                    "detail": event.activity,
                    "step": event.turn,
                    "max_steps": event.max_turns,
                }
            )
            self._report(root, view=self.view)
            await self._db(
                "db: status",
                self.deps.store.update,
                self.request.task_id,
                status=phase,
                steps=event.turn,
            )

        return update

    async def _follow_thread(self) -> ThreadRef:
        """A follow-up answers in the thread it came from, once the thread's previous task has ended."""
        follow_up = self.request.follow_up
        assert follow_up is not None
        root = ThreadRef(channel=self.request.channel_id, ts=follow_up.thread_ts)
        if follow_up.wait_for_parent:  # only while it runs: a finished workflow's state may be gone by now
            await self.ctx.generic_call(TASK_WORKFLOW, TASK_DONE, b"null", key=follow_up.parent_task_id)
        return root

    async def _post_root(self) -> ThreadRef | None:
        @posts_message  # posted once: a step run again adopts the root it posted before (handlers.contracts.post_nonce)
        async def post() -> ThreadRef | None:
            try:
                return await self.deps.notifier.post_root(self.request.channel_id, self.view)
            except ChannelUnavailable:
                return None

        root = await slack_step(self.ctx, "slack: post thread root", post, type_hint=ThreadRef | None)
        if root is None and self.request.response_url:
            await slack_step(
                self.ctx,
                "slack: tell requester",
                self.deps.notifier.tell_requester,
                self.request.response_url,
                NOT_IN_CHANNEL.format(channel=self.request.channel_id),
            )
        return root

    async def _finish(
        self,
        root: ThreadRef,
        phase: TaskPhase,
        message: str,
        started: float,
        *,
        error: str | None,
        trace_error: str | None = None,
    ) -> None:
        """End the task in the thread, the store and the trace. `error` is what the thread's summary shows;
        `trace_error` (by default the same) the task span keeps, with the detail Slack does not see."""
        self.view = self.view.model_copy(update={"phase": phase, "detail": ""})
        await slack_step(self.ctx, "slack: answer", self.deps.notifier.reply, root, escape_answer(message))
        await self._post_summary(root, phase, started, error)
        await self.ctx.generic_call(  # a call, not a send: the root shows the outcome before the task ends
            TASK_ROOT,
            TASK_ROOT_APPLY,
            RootEvent(root=root, team_id=self.request.team_id, view=self.view).model_dump_json().encode(),
            key=self.request.task_id,
        )
        await self._record(TaskPhase(phase), outcome=message[:2000])
        await self._resolve_done(phase)
        ended = await self.ctx.time()
        await self.ctx.run_typed(
            "trace: task span",
            _emit,
            ONE_ATTEMPT.options(),
            self.request,
            started,
            ended,
            phase.value,
            trace_error or error,
        )

    async def _post_summary(self, root: ThreadRef, phase: TaskPhase, started: float, error: str | None) -> None:
        """One message in the thread: outcome, duration, agents, tools and errors, approvals, tokens and cost."""
        spans = self.deps.spans
        if spans is None:
            return
        ended = await self.ctx.time()
        task_id = self.request.task_id

        async def build() -> TraceSummary:  # waits (bounded) for the task's spans; if some are missing, it says so
            return await asyncio.to_thread(
                stored_trace_summary, spans, task_id, outcome=phase.value, duration_s=ended - started, error=error
            )

        try:
            summary = await self.ctx.run_typed("trace: summary", build, DB_RETRY.options(TraceSummary))
            await slack_step(self.ctx, "slack: trace summary", self.deps.notifier.post_summary, root, summary)
        except TerminalError as exc:  # the task's own outcome is already in the thread; say why no summary follows
            if exc.status_code == 409:
                raise
            log.error("task %s: no trace summary: %s", task_id, exc.message)

    async def _record(self, status: TaskPhase, outcome: str | None = None) -> None:
        record = TaskRecord(
            id=self.request.task_id,
            team_id=self.request.team_id,
            requester=self.request.user_id,
            channel=self.request.channel_id,
            text=self.request.text,
            status=status,
            outcome=outcome,
        )
        await self._db(f"db: {status.value}", self.deps.store.upsert, record)

    async def _audit_input(self, verdict: GuardrailVerdict) -> None:
        """The bot's input verdict opens the task's audit chain: every accepted request is counted once."""
        task_id = self.request.task_id
        await self._db(
            "audit: input guardrail",
            self.deps.audit,
            task_id,
            "guardrail",
            f"{task_id}:guardrail:input",
            self.request.user_id,
            verdict.detail(),
        )

    async def _db(self, name: str, fn: Callable[..., None], *args: object, **kwargs: object) -> None:
        async def call() -> None:
            await asyncio.to_thread(fn, *args, **kwargs)

        await self.ctx.run_typed(name, call, _DB)

    def _outcome(self, phase: TaskPhase, answer: str, root: ThreadRef | None) -> TaskOutcome:
        return TaskOutcome(
            task_id=self.request.task_id, phase=phase, answer=answer, thread_ts=root.ts if root else None
        )


async def _emit(request: TaskRequest, started: float, ended: float, phase: str, error: str | None) -> None:
    emit_task_span(
        request.task_id,
        request.trace_context,
        start_s=started,
        end_s=ended,
        attributes={"opsgate.task.phase": phase, "opsgate.slack.channel": request.channel_id},
        error=error,
    )
