"""What the worker's handlers need, built by the composition root and passed in (never imported globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.gate import ToolGate
from agents.guardrails import GuardrailsConfig, InputGuard, InputGuardrails, OutputGuard
from agents.models import Model
from agents.spec import AgentSpec
from agents.tools import Toolbox
from approvals import ApprovalPolicy
from handlers.contracts import ThreadNotifier
from handlers.executions import ExecutionLedger
from handlers.store import TaskStore

AuditWriter = Callable[[str, str, str, str | None, dict[str, Any]], None]
"""(task_id, event, dedupe_key, actor, detail) -> None; called from inside durable steps."""

__all__ = ["AuditWriter", "TaskDeps"]


@dataclass(frozen=True)
class TaskDeps:
    model: Model
    toolbox: Toolbox
    agent: AgentSpec
    gate: ToolGate
    notifier: ThreadNotifier
    store: TaskStore
    policy: Callable[[], ApprovalPolicy]
    """The current policy; called inside durable steps only, so a replay reuses the journaled decision."""
    executions: ExecutionLedger
    audit: AuditWriter
    output_guard: OutputGuard = field(default_factory=OutputGuard)
    """Output guardrails on every proposed call, before the risk policy (scope, schema, budgets, exfiltration)."""
    tool_output_guard: InputGuard = field(default_factory=lambda: InputGuardrails(GuardrailsConfig.for_tool_output()))
    """Scans what a tool returns before the model sees it (indirect injection, secrets)."""
