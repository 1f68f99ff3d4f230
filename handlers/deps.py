"""What the worker's handlers need, built by the composition root and passed in (never imported globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.gate import ToolGate
from agents.guardrails import GuardrailsConfig, InputGuardrails, OutputGuard
from agents.guardrails.sealed import VaultSealer
from agents.mcp import EgressPolicy
from agents.models import Model
from agents.models.pricing import PriceTable
from agents.resilience import BreakerRegistry
from agents.spec import AgentSpec
from agents.team import delegate_tool
from agents.tools import Toolbox, ToolSpec
from approvals import ApprovalPolicy
from handlers.contracts import ThreadNotifier
from handlers.executions import ExecutionLedger
from handlers.span_summaries import SpanSummaryStore
from handlers.store import TaskStore

AuditWriter = Callable[[str, str, str, str | None, dict[str, Any]], None]
"""(task_id, event, dedupe_key, actor, detail) -> None; called from inside durable steps."""

__all__ = ["AuditWriter", "TaskDeps"]


def _nothing_to_flush(timeout_s: float = 5.0) -> bool:
    return True


@dataclass(frozen=True)
class TaskDeps:
    model: Model
    """The deployment's model (`OPSGATE_MODEL`), for agents that name none."""
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
    tool_output_guard: InputGuardrails = field(
        default_factory=lambda: InputGuardrails(GuardrailsConfig.for_tool_output())
    )
    """Scans what a tool returns before the model sees it (indirect injection, secrets)."""
    egress: EgressPolicy | None = None
    """Hosts open-world tools may reach; None: no egress check (tests of other things)."""
    prices: PriceTable = field(default_factory=PriceTable)
    """USD per million tokens by model, for the cost on spans and in trace summaries."""
    breakers: BreakerRegistry = field(default_factory=BreakerRegistry)
    """Circuit breakers of this worker process: the model provider's and one per tool."""
    sealer: VaultSealer | None = None
    """Opens the request's sealed pseudonyms; None: placeholders are never restored."""
    restore_types: frozenset[str] = frozenset()
    """Personal-data types that may be put back into the arguments of a call a person approved."""
    team: dict[str, AgentSpec] = field(default_factory=dict)
    """Every configured agent by name: the specialists an orchestrator hands subtasks to."""
    spans: SpanSummaryStore | None = None
    """The span summaries every task leaves; None: no trace summary is posted at the end (tests of other things)."""
    flush_spans: Callable[[float], bool] = _nothing_to_flush
    """Waits until this process's ended spans are stored (the span summary processor's `flush`)."""
    trace_content: bool = False
    """Record message content on chat spans (gen_ai.input/output.messages), redacted; off unless opted in."""
    models: dict[str, Model] = field(default_factory=dict)
    """The model of each `model:` an agent names in opsgate.yml, by that name."""

    def model_for(self, agent: AgentSpec) -> Model:
        """The model `agent` runs on: its own `model:`, or the deployment's."""
        return self.models.get(agent.model, self.model) if agent.model else self.model

    def specialist(self, name: str) -> AgentSpec | None:
        return self.team.get(name) or (self.agent if self.agent.name == name else None)

    def tools_for(self, agent: AgentSpec) -> list[ToolSpec]:
        """What the agent's model sees: its tools that exist here, plus `delegate` if it has specialists."""
        tools = self.toolbox.specs([name for name in agent.tools if self.toolbox.get(name) is not None])
        specialists = [spec for name in agent.delegates if (spec := self.specialist(name)) is not None]
        return [*tools, delegate_tool(specialists)] if specialists else tools
