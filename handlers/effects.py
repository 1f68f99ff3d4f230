"""Running one tool call as a durable step: the breaker, the intent marker of an at-most-once effect, the call,
the screening of its output, and the audit rows that tie what ran to what a person approved.

How a call runs follows the tool's annotations *as believed* (`ToolSpec.believed`): a tool of a server the policy
does not trust counts as not read-only, not idempotent and open-world, so its own hints never buy a retry, skip
the intent marker or the audit rows, or skip the egress check. Every failure has a kind (`ErrorKind`), whether the
tool raised in this process or an MCP server stated it:

- `arguments` (a `ToolError`, an error result that says no more): the tool answered; the model may try otherwise.
- `unavailable`, `internal`: counted by the tool's breaker. A tool whose repetition is safe (read-only or
  idempotent) is run again by Restate after a jittered backoff (`tool_retry_later`), a bounded number of times,
  then reported unavailable; any other tool is never run again blindly.
- `unknown_outcome`: the effect may or may not have happened (a timeout after sending, the intent marker found
  on replay, a tool that says so); counted by the breaker, never repeated, audited as `outcome_unknown`, and
  asked of a person, whose answer the model is told (`handlers.outcome_questions`).

Retry policies live in `handlers.steps`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import restate
from opentelemetry.trace import Span, Status, StatusCode
from restate import TerminalError

from agents.guardrails.sealed import VaultUnreadable
from agents.guardrails.vault import PseudonymVault
from agents.mcp import McpToolUnavailable
from agents.messages import ToolUseBlock
from agents.resilience import CircuitBreaker, CircuitOpenError
from agents.tools import ErrorKind, ToolCallContext, ToolError, ToolResult
from handlers.contracts import GuardrailVerdict, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.failures import error_id_for, logged_detail
from handlers.outcome_questions import OutcomeQuestions
from handlers.steps import ONE_ATTEMPT, TOOL_RETRY, slack_step, tool_retry_later
from handlers.telemetry_attributes import tool_attributes, tool_error_notice
from handlers.tool_gate import ToolGateStep

__all__ = ["UNAVAILABLE", "UNCERTAIN", "ToolEffects", "kind_of"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying

UNAVAILABLE = (
    "{tool} is unavailable ({why}). This is not about your arguments: do not call it again in this task; carry "
    "on without it if you can, or say that the task cannot be finished."
)
UNCERTAIN = {
    "replayed": "The worker stopped while the call was under way, so it was not run again: it may or may not have "
    "taken effect.",
    "raised": "The call was sent, then failed before it answered ({what}): it may or may not have taken effect.",
    "said": "The tool could not tell whether the call took effect (it was interrupted after it was sent).",
}
"""Why an outcome is unknown, in opsgate's words (shown on the question's card; never the tool's own words)."""
FAILED = {
    "unavailable": "it did not answer",
    "internal": "it failed with an internal error",
    "unknown_outcome": "its outcome was unknown",
}
"""Why a failing tool is unavailable, in opsgate's words: never the tool's or the exception's own."""
_FAILURES: frozenset[ErrorKind] = frozenset(("unavailable", "internal", "unknown_outcome"))


def kind_of(result: ToolResult) -> ErrorKind | None:
    """The kind of a tool's result: None for a success; an error that says no more is about its arguments."""
    if result.unknown:
        return "unknown_outcome"
    if result.is_error:
        return result.error_kind or "arguments"
    return None


def _failure(exc: Exception, *, at_most_once: bool) -> ErrorKind:
    """The kind of an exception a tool raised (other than `ToolError`): for a call that may not be repeated, any
    failure mid-call leaves its effect unknown, unless the call was never sent."""
    if isinstance(exc, McpToolUnavailable):
        return "unknown_outcome" if at_most_once and exc.may_have_run else "unavailable"
    return "unknown_outcome" if at_most_once else "internal"


def _record(breaker: CircuitBreaker, kind: ErrorKind | None) -> None:
    """A tool that answered (a success, an arguments error) is healthy; the other kinds count as failures."""
    if kind in _FAILURES:
        breaker.record_failure()
    else:
        breaker.record_success()


class ToolEffects:
    """Executes the tool calls of one agent run (the gate has cleared them already)."""

    SpanFactory = Callable[[str], AbstractContextManager[Span]]

    def __init__(
        self,
        ctx: restate.Context,
        request: TaskRequest,
        deps: TaskDeps,
        gate: ToolGateStep,
        root: ThreadRef,
        spans: SpanFactory,
        agent_attributes: dict[str, str],
        *,
        scope: str = "",
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._deps = deps
        self._gate = gate
        self._root = root
        self._spans = spans
        self._agent_attributes = agent_attributes
        self._scope = scope
        agent = agent_attributes.get("gen_ai.agent.name", "")
        self._questions = OutcomeQuestions(ctx, request, deps, gate, root, agent)

    def _key(self, turn: int, call: ToolUseBlock) -> str:
        return f"{self._scope or self._request.task_id}:{turn}:{call.id}"

    async def run(self, turn: int, call: ToolUseBlock) -> ToolResult:
        tool = self._deps.toolbox.get(call.name)
        key = self._key(turn, call)
        context = ToolCallContext(
            task_id=self._request.task_id, call_id=call.id, requester=self._request.user_id, idempotency_key=key
        )
        breaker = self._deps.breakers.get(f"tool:{call.name}")
        step = f"tool: {call.name} ({call.id})"
        error_id = error_id_for(self._ctx.request().id, step)  # what the thread shows of a failure of this call
        # The gate's action hash, tier and approval id: the audit ties what ran to what a person approved.
        cleared = self._gate.cleared[call.id].audit_detail() if call.id in self._gate.cleared else {}

        async def execute() -> ToolResult:
            with self._spans(f"execute_tool {call.name}") as span:
                span.set_attributes(self._agent_attributes)
                span.set_attributes(tool_attributes(call, tool.spec if tool is not None else None))
                if tool is None:
                    return ToolResult(
                        content=f"Tool {call.name!r} does not exist.", is_error=True, error_kind="arguments"
                    )
                # Read inside the step: how this attempt ran is journaled with its result.
                believed = tool.spec.believed(self._deps.policy().trusts(tool.spec.server)).annotations
                effect = not believed.read_only
                repeatable = believed.read_only or believed.idempotent
                at_most_once = not repeatable
                arguments, vault = self._restored(call)
                egress = self._deps.egress
                checked = vault is not None and egress is not None and believed.open_world
                if checked and egress is not None and (outside := egress.check(arguments)):
                    return ToolResult(  # checked on the real values, not on their placeholders
                        content=f"Blocked by the egress allowlist once personal data was restored: {outside}",
                        is_error=True,
                        error_kind="arguments",
                    )
                try:
                    breaker.allow()
                except CircuitOpenError as exc:
                    span.set_attribute("error.type", "CircuitOpen")
                    span.set_attributes(breaker.snapshot().as_attributes())
                    return ToolResult(
                        content=UNAVAILABLE.format(tool=call.name, why=exc), is_error=True, error_kind="unavailable"
                    )
                if at_most_once and not await asyncio.to_thread(
                    self._deps.executions.claim, key, self._request.task_id, call.name
                ):
                    breaker.release()
                    span.set_attribute("error.type", "OutcomeUnknown")
                    await self._audit("outcome_unknown", key, tool=call.name, why="replayed", **cleared)
                    return _unknown(UNCERTAIN["replayed"])
                uncertain = ("said", UNCERTAIN["said"])
                try:
                    result = await tool.call(arguments, context)
                except ToolError as exc:  # the tool answered: healthy, but these arguments do not work
                    result = ToolResult(content=str(exc), is_error=True, error_kind="arguments")
                except Exception as exc:
                    failed = _failure(exc, at_most_once=at_most_once)
                    log.warning("[%s] tool %s raised in task %s: %r", error_id, call.name, self._request.task_id, exc)
                    span.set_attribute("opsgate.error.exception", type(exc).__name__)
                    result = ToolResult(content=FAILED[failed], is_error=True, error_kind=failed)
                    uncertain = ("raised", UNCERTAIN["raised"].format(what=_interruption(exc)))
                kind = kind_of(result)
                _record(breaker, kind)
                if kind is not None:
                    span.set_attribute("error.type", kind)
                    span.set_attributes(breaker.snapshot().as_attributes())
                if kind in _FAILURES and repeatable:
                    retry_number = max(1, breaker.snapshot().consecutive_failures)
                    raise tool_retry_later(f"{call.name}: {FAILED[kind]}", retry_number)  # Restate runs it again
                if at_most_once:
                    outcome = {None: "ok", "unknown_outcome": "unknown"}.get(kind, "error")
                    await asyncio.to_thread(self._deps.executions.finish, key, outcome)
                if kind == "unknown_outcome":
                    await self._audit("outcome_unknown", key, tool=call.name, why=uncertain[0], **cleared)
                    return _unknown(uncertain[1])
                if kind in _FAILURES:  # stated by the tool (e.g. over MCP) for a call that is not run again
                    result = ToolResult(
                        content=UNAVAILABLE.format(tool=call.name, why=FAILED[kind]), is_error=True, error_kind=kind
                    )
                else:
                    result = await self._screen(call.name, key, result, vault)
                if result.is_error:  # what the model was told (screened), short: the trace summary lists it
                    span.set_status(Status(StatusCode.ERROR, result.content[:200]))
                    span.set_attribute("opsgate.error.id", error_id)
                if effect:
                    event = "execution_failed" if result.is_error else "executed"
                    await self._audit(event, key, tool=call.name, **cleared)
                return result

        trusted = tool is not None and self._deps.policy().trusts(tool.spec.server)
        believed = tool.spec.believed(trusted).annotations if tool is not None else None
        retry = TOOL_RETRY if believed is not None and (believed.read_only or believed.idempotent) else ONE_ATTEMPT
        try:
            result: ToolResult = await self._ctx.run_typed(step, execute, retry.options(ToolResult))
        except TerminalError as exc:
            if exc.status_code == 409:  # the task is being cancelled
                raise
            log.warning("[%s] task %s: %s gave up: %s", error_id, self._request.task_id, call.name, exc.message)
            attempts = retry.max_attempts or 1  # both policies here have a number
            why = f"it failed {attempts} time{'s' if attempts > 1 else ''}"
            result = ToolResult(
                content=UNAVAILABLE.format(tool=call.name, why=why), is_error=True, error_kind="unavailable"
            )
        if result.is_error:
            log.warning(
                "task %s: %s failed: %s", self._request.task_id, call.name, logged_detail(result.content, error_id)
            )
            await slack_step(
                self._ctx,
                f"slack: tool error {call.id}",
                self._deps.notifier.reply,
                self._root,
                tool_error_notice(call.name, result, error_id),
            )
        if result.error_kind == "unknown_outcome":  # never run again blindly: a person says whether it happened
            result = await self._questions.ask(call, key, result.content)
        return result

    def _restored(self, call: ToolUseBlock) -> tuple[dict[str, Any], PseudonymVault | None]:
        """The call's arguments with personal data put back, for a call a person approved and the data types the
        policy allows; otherwise exactly what the model proposed (and what the approval's hash covers)."""
        sealer, sealed = self._deps.sealer, self._request.sealed_pii
        if not sealed or sealer is None or not self._deps.restore_types:
            return dict(call.input), None
        if call.id not in self._gate.approved_by_people:
            return dict(call.input), None
        try:
            vault = sealer.open(sealed)
        except VaultUnreadable as exc:
            log.warning("task %s: %s", self._request.task_id, exc)
            return dict(call.input), None
        return vault.restore_arguments(dict(call.input), types=self._deps.restore_types), vault

    async def _screen(self, tool: str, key: str, result: ToolResult, vault: PseudonymVault | None = None) -> ToolResult:
        """What a tool returned, as the model may see it: secrets redacted, injected instructions withheld.

        After a call with restored personal data, the task's own placeholders are put back (`vault`): the model and
        the journal see `<EMAIL_1>` again, never the value, and a placeholder the tool echoed stays neutralised."""
        verdict = self._deps.tool_output_guard.check(result.content, vault=vault)
        if verdict.action != "allow":
            judged = GuardrailVerdict(stage="tool_output", action=verdict.action, rules=list(verdict.rules), tool=tool)
            await self._audit("guardrail", f"{key}:tool_output", **judged.detail())
        if verdict.action in ("block", "escalate"):
            why = "; ".join(verdict.reasons) or "it looked unsafe"
            return result.model_copy(update={"content": f"The output of {tool} was withheld from you: {why}."})
        text = verdict.text if vault is None else vault.conceal(verdict.text)  # what the detectors did not see
        return result.model_copy(update={"content": text})

    async def _audit(self, event: str, key: str, **detail: Any) -> None:
        await asyncio.to_thread(self._deps.audit, self._request.task_id, event, f"{key}:{event}", "opsgate", detail)


def _unknown(why: str) -> ToolResult:
    """The step's result for an unknown outcome: why, for the person asked; the model is told their answer."""
    return ToolResult(content=why, is_error=True, unknown=True, error_kind="unknown_outcome")


def _interruption(exc: Exception) -> str:
    if isinstance(exc, McpToolUnavailable):
        return "its server did not answer in time" if exc.may_have_run else "its server was not reachable"
    if isinstance(exc, TimeoutError):
        return "it timed out"
    if isinstance(exc, ConnectionError):
        return "a connection failed"
    return "it failed inside"
