"""Output guardrails: a proposed tool call reviewed before the risk policy sees it.

The checks, cheapest and most certain first: the tool is in this agent's list and known; the arguments are not
oversized and validate against the tool's JSON schema; hosts, paths and SQL statement kinds pass the policy's
lists; nothing looks like a secret or bulk data leaving for an address outside the allowlist (`exfiltration`);
and only then are the budgets checked (tokens and cost spent so far by the task, the person and the channel) and
the call budgets charged, so a refused call costs no budget. Model calls are charged by `record_usage`, and
`spent` says which token or cost budget is gone before the next model call. Every refusal for a budget names the
setting in `opsgate.yml` that raises it. Pure apart from the ledger port and the clock, which are passed in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from agents.guardrails.arguments import GlobSet, hosts_in, paths_in, sql_statement_kinds, strings_in
from agents.guardrails.budget import BudgetLedger, Charge, InMemoryBudgetLedger, Limited
from agents.guardrails.exfiltration import exfiltration_findings
from agents.guardrails.output_policy import DAY_S, ArgumentRules, CostRate, OutputPolicy, Rate
from agents.guardrails.output_verdict import ToolCallVerdict
from agents.guardrails.schema import SchemaChecker
from agents.guardrails.vault import PseudonymVault
from agents.guardrails.verdicts import Action
from agents.messages import ToolUseBlock
from agents.spec import AgentSpec
from agents.tools import ToolSpec

__all__ = ["BUDGET_RULES", "MICRO_USD", "OutputGuard"]

Finding = tuple[Action, str, str]

BUDGET_RULES = frozenset({"O7", "O8", "O12"})
"""Refusals for a spent budget (calls, tokens, cost): the agent stops, rather than trying other calls."""
MICRO_USD = 1_000_000
"""Cost is counted in millionths of a dollar, so the ledger adds integers."""
SETTING = "guardrails.output.budgets.{name}"


class _CompiledRules:
    def __init__(self, rules: ArgumentRules) -> None:
        self.rules = rules
        self.hosts_allow = GlobSet(rules.hosts_allow, separator="")
        self.hosts_deny = GlobSet(rules.hosts_deny, separator="")
        self.paths_allow = GlobSet(rules.paths_allow)
        self.paths_deny = GlobSet(rules.paths_deny)


class OutputGuard:
    """Reviews tool calls against one `OutputPolicy`; build one per worker and share it."""

    def __init__(
        self,
        policy: OutputPolicy | None = None,
        *,
        tools: Iterable[ToolSpec] | Mapping[str, ToolSpec] = (),
        ledger: BudgetLedger | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy or OutputPolicy()
        specs = tools.values() if isinstance(tools, Mapping) else tools
        self._tools = {spec.name: spec for spec in specs}
        self._ledger: BudgetLedger = ledger if ledger is not None else InMemoryBudgetLedger()
        self._clock = clock
        self._schemas = SchemaChecker()
        self._rules: dict[str, _CompiledRules] = {}
        self._destinations = GlobSet(self.policy.exfiltration.destinations_allow, separator="")

    def review(
        self,
        call: ToolUseBlock,
        *,
        agent: AgentSpec,
        tool: ToolSpec | None = None,
        user: str = "",
        task_id: str = "",
        channel: str = "",
        vault: PseudonymVault | None = None,
        charge_id: str | None = None,
        charge: bool = True,
    ) -> ToolCallVerdict:
        """`charge_id` names the step deciding (a retried step charges once); `charge=False` checks the budgets
        without charging the call (the recheck of an approved call, which was charged when first proposed)."""
        if call.name not in agent.tools:
            allowed = ", ".join(agent.tools) or "none"
            reason = f"tool {call.name!r} is not available to agent {agent.name!r}; its tools are: {allowed}"
            return ToolCallVerdict.combine([("block", "O1", reason)])
        spec = tool or self._tools.get(call.name)
        if spec is None:
            return ToolCallVerdict.combine([("block", "O2", f"tool {call.name!r} is not registered")])
        size = len(json.dumps(call.input, ensure_ascii=False, default=str))
        if size > self.policy.max_argument_chars:
            limit = self.policy.max_argument_chars
            reason = f"the arguments are {size:,} characters long; the limit is {limit:,}"
            return ToolCallVerdict.combine([("block", "O11", reason)])
        # Checked as they would run: with pseudonymised values restored. Reasons go back to the model, so any
        # restored value they quote is concealed again.
        arguments = vault.restore_arguments(call.input) if vault is not None else call.input
        conceal = vault.conceal if vault is not None else str
        problems = self._schemas.errors(spec.name, spec.input_schema, arguments)
        if problems:
            reason = "the arguments do not match the tool's schema: " + "; ".join(problems) + " (fix them and retry)"
            return ToolCallVerdict.combine([("block", "O3", conceal(reason))])
        findings = self._argument_findings(spec.name, arguments)
        findings += exfiltration_findings(arguments, spec, self.policy.exfiltration, self._destinations)
        if not any(action == "block" for action, _, _ in findings):
            if (gone := self.spent(user=user, task_id=task_id, channel=channel)) is not None:
                findings.append(gone)
            elif charge:
                findings += self._call_findings(spec.name, user, task_id, charge_id)
        return ToolCallVerdict.combine([(action, rule, conceal(reason)) for action, rule, reason in findings])

    def record_usage(
        self, *, user: str, task_id: str, channel: str, tokens: int, cost_usd: float, charge_id: str
    ) -> bool:
        """Charge one model call's tokens and cost to the task, the person and the channel, once per `charge_id`
        (task, agent, turn): False when that call was charged already."""
        charges = [
            Charge(key, amount, rate.window_s)
            for rate, key, amount in self._usage_keys(user, task_id, channel, tokens, round(cost_usd * MICRO_USD))
            if rate is not None and amount > 0
        ]
        return self._ledger.add_once(charge_id, charges, now=self._clock())

    def spent(self, *, user: str, task_id: str, channel: str) -> Finding | None:
        """The first token or cost budget already used up (rule O8 for tokens, O12 for cost), or None."""
        now = self._clock()
        for rate, key, _ in self._usage_keys(user, task_id, channel, 0, 0):
            if rate is None:
                continue
            used = self._ledger.used(key, window_s=rate.window_s, now=now)
            if isinstance(rate, CostRate):
                if used >= rate.limit_usd * MICRO_USD:
                    return (
                        "block",
                        "O12",
                        _spent_message(key, rate, f"${rate.limit_usd:,.2f}", f"${used / MICRO_USD:,.2f}"),
                    )
            elif used >= rate.limit:
                return ("block", "O8", _spent_message(key, rate, f"{rate.limit:,} tokens", f"{used:,}"))
        return None

    def _usage_keys(
        self, user: str, task_id: str, channel: str, tokens: int, micro_usd: int
    ) -> list[tuple[Rate | CostRate | None, str, int]]:
        budgets = self.policy.budgets
        keys: list[tuple[Rate | CostRate | None, str, int]] = [
            (budgets.tokens_per_task, f"tokens:task:{task_id}", tokens),
            (budgets.cost_per_task, f"cost:task:{task_id}", micro_usd),
        ]
        if user:
            keys += [(budgets.tokens_per_user, f"tokens:user:{user}", tokens)]
            keys += [(budgets.cost_per_user, f"cost:user:{user}", micro_usd)]
        if channel:
            keys += [(budgets.tokens_per_channel, f"tokens:channel:{channel}", tokens)]
            keys += [(budgets.cost_per_channel, f"cost:channel:{channel}", micro_usd)]
        return keys

    def _compiled(self, tool: str) -> _CompiledRules:
        rules = self.policy.rules_for(tool)
        compiled = self._rules.get(tool)
        if compiled is None or compiled.rules is not rules:
            compiled = self._rules[tool] = _CompiledRules(rules)
        return compiled

    def _argument_findings(self, tool: str, arguments: dict[str, Any]) -> list[Finding]:
        compiled = self._compiled(tool)
        rules = compiled.rules
        findings: list[Finding] = []
        for field, value in strings_in(arguments):
            for host in sorted(hosts_in(field, value, rules.host_fields, rules.command_fields)):
                if compiled.hosts_deny.matches(host):
                    findings.append(("block", "O4", f"host {host!r} is denied by policy"))
                elif compiled.hosts_allow and not compiled.hosts_allow.matches(host):
                    findings.append(("escalate", "O4", f"host {host!r} is not on the allowlist"))
            for path in sorted(paths_in(field, value, rules.path_fields, rules.command_fields)):
                if compiled.paths_deny.matches(path):
                    findings.append(("block", "O5", f"path {path!r} is denied by policy"))
                elif compiled.paths_allow and not compiled.paths_allow.matches(path):
                    findings.append(("escalate", "O5", f"path {path!r} is not on the allowlist"))
            if rules.sql_statements is not None and field.lower() in rules.sql_fields:
                allowed = {kind.lower() for kind in rules.sql_statements}
                for kind in dict.fromkeys(sql_statement_kinds(value)):
                    if kind not in allowed:
                        reason = (
                            f"{kind.upper()} statements are not allowed for {tool!r} "
                            f"(allowed: {', '.join(sorted(allowed))}); the connection is read-only anyway"
                        )
                        findings.append(("block", "O6", reason))
        return list(dict.fromkeys(findings))

    def _call_findings(self, tool: str, user: str, task_id: str, charge_id: str | None) -> list[Finding]:
        budgets, now = self.policy.budgets, self._clock()
        charges: list[tuple[Rate, str, str, str]] = []
        if budgets.calls_per_user is not None:
            charges.append((budgets.calls_per_user, f"calls:user:{user}", "you", "calls_per_user"))
        if budgets.calls_per_tool is not None:
            charges.append((budgets.calls_per_tool, f"calls:tool:{tool}", f"tool {tool!r}", "calls_per_tool"))
        if budgets.calls_per_task is not None:
            charges.append((budgets.calls_per_task, f"calls:task:{task_id}", "this task", "calls_per_task"))

        def refusal(rate: Rate, who: str, name: str) -> list[Finding]:
            setting = SETTING.format(name=name)
            reason = f"rate limit reached: {who} may make {rate.limit} tool calls{_per(rate)} (raise `{setting}`)"
            return [("block", "O7", reason)]

        if not charges:
            return []
        if charge_id is None:
            charge_id = f"unnamed:{uuid.uuid4()}"  # a caller that cannot retry: a fresh id charges once anyway
        spends = [Limited(key, 1, rate.limit, rate.window_s) for rate, key, _, _ in charges]
        refused = self._ledger.try_spend_all(charge_id, spends, now=now)  # all or none: a refusal charges nothing
        if refused is not None:
            rate, _, who, name = charges[refused]
            return refusal(rate, who, name)
        return []


_WHOSE = {"task": "this task's", "user": "your", "channel": "this channel's"}


def _spent_message(key: str, rate: Rate | CostRate, limit: str, used: str) -> str:
    kind, scope, _ = key.split(":", 2)
    what = "token" if kind == "tokens" else "cost"
    setting = SETTING.format(name=f"{kind}_per_{scope}")
    return (
        f"{_WHOSE[scope]} {what} budget of {limit}{_per(rate)} is spent ({used} used); "
        f"an operator can raise `{setting}` in opsgate.yml"
    )


def _per(rate: Rate | CostRate) -> str:
    window = rate.window_s
    if window is None:
        return ""
    if window == DAY_S:
        return " per day (UTC)"
    return f" per {window / 3600:g} h" if window >= 3600 else f" per {window:g} s"
