"""The tool gate's first check, for the walking skeleton: an agent may only call the tools it lists.

Output guardrails (argument schemas, budgets) and the risk policy plug in here in their own issues.
"""

from __future__ import annotations

from typing import Protocol

from agents.loop import ToolVerdict
from agents.messages import ToolUseBlock
from agents.spec import AgentSpec

__all__ = ["ScopeGate", "ToolGate"]


class ToolGate(Protocol):
    def review(self, agent: AgentSpec, call: ToolUseBlock) -> ToolVerdict: ...


class ScopeGate:
    def review(self, agent: AgentSpec, call: ToolUseBlock) -> ToolVerdict:
        if call.name not in agent.tools:
            allowed = ", ".join(agent.tools) or "none"
            return ToolVerdict(
                allowed=False,
                reason=f"Tool {call.name!r} is not available to agent {agent.name!r}. Available tools: {allowed}.",
            )
        return ToolVerdict(allowed=True)
