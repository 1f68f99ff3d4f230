"""Running one tool call as a durable step: the breaker, the intent marker of an at-most-once effect, the call,
the screening of its output, and the audit rows that tie what ran to what a person approved.

A tool that fails for good (`ToolError`) is not an exception at all: its message becomes the tool's result so
the model can choose differently. Retry policies live in `handlers.steps`.
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
from agents.messages import ToolUseBlock
from agents.resilience import CircuitOpenError
from agents.tools import ToolCallContext, ToolError, ToolResult
from handlers.contracts import GuardrailVerdict, TaskRequest, ThreadRef
from handlers.deps import TaskDeps
from handlers.failures import error_id_for, logged_detail
from handlers.steps import ONE_ATTEMPT, TOOL_RETRY, slack_step
from handlers.telemetry_attributes import tool_attributes, tool_error_notice
from handlers.tool_gate import ToolGateStep

__all__ = ["OUTCOME_UNKNOWN", "UNAVAILABLE", "ToolEffects"]

log = restate.getLogger(__name__)  # type: ignore[no-untyped-call]  # silent while replaying

UNAVAILABLE = (
    "{tool} is unavailable ({why}). This is not about your arguments: do not call it again in this task; carry "
    "on without it if you can, or say that the task cannot be finished."
)
OUTCOME_UNKNOWN = (
    "The call to {tool} was interrupted and its outcome is unknown; it was not run again, because it cannot be "
    "repeated safely. A person has been asked to check. Do not retry it."
)


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

    def _key(self, turn: int, call: ToolUseBlock) -> str:
        return f"{self._scope or self._request.task_id}:{turn}:{call.id}"

    async def run(self, turn: int, call: ToolUseBlock) -> ToolResult:
        tool = self._deps.toolbox.get(call.name)
        key = self._key(turn, call)
        context = ToolCallContext(
            task_id=self._request.task_id, call_id=call.id, requester=self._request.user_id, idempotency_key=key
        )
        annotations = tool.spec.annotations if tool is not None else None
        effect = annotations is not None and not annotations.read_only
        at_most_once = effect and annotations is not None and not annotations.idempotent

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
                arguments, vault = self._restored(call)
                egress = self._deps.egress
                open_world = tool.spec.annotations.open_world
                if vault is not None and egress is not None and open_world and (outside := egress.check(arguments)):
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
                    await self._audit("outcome_unknown", key, tool=call.name, **cleared)
                    return ToolResult(
                        content=OUTCOME_UNKNOWN.format(tool=call.name),
                        is_error=True,
                        unknown=True,
                        error_kind="unknown_outcome",
                    )
                try:
                    result = await tool.call(arguments, context)
                except ToolError as exc:  # the tool answered: healthy, but these arguments do not work
                    breaker.record_success()
                    span.set_attribute("error.type", "ToolError")
                    result = ToolResult(content=str(exc), is_error=True, error_kind="arguments")
                except Exception as exc:
                    breaker.record_failure()
                    span.set_attribute("error.type", type(exc).__name__)
                    span.set_attribute("opsgate.error.id", error_id)
                    span.set_attributes(breaker.snapshot().as_attributes())
                    log.warning("tool %s failed in task %s: %s", call.name, self._request.task_id, exc)
                    if not at_most_once:
                        raise  # Restate retries an idempotent call (TOOL_RETRY); the others get no second attempt
                    await asyncio.to_thread(self._deps.executions.finish, key, "error")
                    await self._audit("outcome_unknown", key, tool=call.name, error=type(exc).__name__, **cleared)
                    return ToolResult(
                        content=OUTCOME_UNKNOWN.format(tool=call.name),
                        is_error=True,
                        unknown=True,
                        error_kind="unknown_outcome",
                    )
                else:
                    breaker.record_success()
                if at_most_once:
                    await asyncio.to_thread(self._deps.executions.finish, key, "error" if result.is_error else "ok")
                result = await self._screen(call.name, key, result, vault)
                if result.is_error:  # what the model was told (screened), short: the trace summary lists it
                    span.set_status(Status(StatusCode.ERROR, result.content[:200]))
                    span.set_attribute("opsgate.error.id", error_id)
                if effect:
                    event = "execution_failed" if result.is_error else "executed"
                    await self._audit(event, key, tool=call.name, **cleared)
                return result

        idempotent = tool is not None and tool.spec.annotations.idempotent
        retry = TOOL_RETRY if idempotent else ONE_ATTEMPT
        try:
            result: ToolResult = await self._ctx.run_typed(step, execute, retry.options(ToolResult))
        except TerminalError as exc:
            if exc.status_code == 409:  # the task is being cancelled
                raise
            attempts = retry.max_attempts
            why = f"failed {attempts} time{'s' if attempts > 1 else ''}: {exc.message}"
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
