"""What one agent run may spend, checked before each model turn and tool call (`agents.loop.WorkBudget`).

Three kinds of budget stop an agent, each with a sentence for the thread saying what is spent and which setting
raises it:
- its working time (a specialist's handoff `timeout_seconds`), on journaled times minus its waits on people;
- its own `token_budget` (opsgate.yml, per agent and task), from the usage of its journaled model calls;
- the shared budgets of `guardrails.output.budgets` (tokens and cost per task, per person and per channel per
  day), read from the ledger every replica shares in a journaled step before each model turn, so a replay sees
  the answer the first run saw. Tool calls are checked against them by the gate's own step (`ToolGateStep`).

Each model call is charged by `charge_model_call` in a journaled step after the call, under a charge id naming
the task, the agent and the turn: a step that runs again (a crash before its journal entry) charges nothing twice.
"""

from __future__ import annotations

import asyncio

import restate
from restate import RunOptions

from agents.loop import Stop
from agents.messages import ModelResponse, Usage
from agents.spec import AgentSpec
from handlers.contracts import TaskRequest
from handlers.deps import TaskDeps
from handlers.steps import DB_RETRY
from handlers.tool_gate import ToolGateStep

__all__ = ["AgentBudget", "charge_model_call"]


class AgentBudget:
    """The budgets of one agent run. `work_seconds` (specialists only) starts counting at `started`."""

    def __init__(
        self,
        ctx: restate.Context,
        request: TaskRequest,
        agent: AgentSpec,
        deps: TaskDeps,
        gate: ToolGateStep,
        *,
        work_seconds: int | None = None,
        started: float = 0.0,
    ) -> None:
        self._ctx = ctx
        self._request = request
        self._agent = agent
        self._deps = deps
        self._gate = gate
        self._work_seconds = work_seconds
        self._started = started
        self._checks = 0

    async def stop(self, usage: Usage, *, model_call: bool) -> Stop | None:
        if self._work_seconds is not None:
            now = await self._ctx.time()
            if now - self._started - self._gate.person_wait_s > self._work_seconds:
                reason = f"my work budget of {self._work_seconds} s was spent before I finished"
                return Stop(status="timed_out", reason=reason)
        limit = self._agent.token_budget
        if limit is not None and usage.total >= limit:
            name = self._agent.name
            reason = (
                f"agent {name}'s token budget of {limit:,} tokens per task is spent ({usage.total:,} used); an "
                f"operator can raise `token_budget` of agent `{name}` in opsgate.yml"
            )
            return Stop(status="over_budget", reason=reason)
        if not model_call:
            return None  # the gate checks the shared budgets before a tool call, in its own journaled step
        self._checks += 1
        request, guard = self._request, self._deps.output_guard

        async def check() -> str | None:
            spent = await asyncio.to_thread(
                guard.spent, user=request.requester_key, task_id=request.task_id, channel=request.channel_id
            )
            return None if spent is None else f"{spent[2]} (rule {spent[1]})"

        options: RunOptions[str | None] = DB_RETRY.options()
        spent: str | None = await self._ctx.run_typed(f"budget: check #{self._checks}", check, options)
        return None if spent is None else Stop(status="over_budget", reason=spent)


async def charge_model_call(
    ctx: restate.Context, request: TaskRequest, deps: TaskDeps, response: ModelResponse, charge_id: str, turn: int
) -> None:
    """Charge one journaled model response's tokens and cost to the task, the requester and the channel."""
    cost = deps.prices.cost(response.model, response.usage)

    async def charge() -> None:
        await asyncio.to_thread(
            deps.output_guard.record_usage,
            user=request.requester_key,
            task_id=request.task_id,
            channel=request.channel_id,
            tokens=response.usage.total,
            cost_usd=cost,
            charge_id=charge_id,
        )

    await ctx.run_typed(f"budget: charge turn {turn}", charge, DB_RETRY.options())
