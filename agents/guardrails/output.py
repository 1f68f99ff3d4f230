"""Output guardrails: a proposed tool call reviewed before the risk policy sees it.

The checks, cheapest and most certain first: the tool is in this agent's list and known; the arguments are not
oversized and validate against the tool's JSON schema; hosts, paths and SQL statement kinds pass the policy's
lists; nothing looks like a secret or bulk data leaving for an address outside the allowlist (`exfiltration`);
and only then are rate and token budgets charged, so a refused call costs no budget. Pure apart from the
ledger port and the clock, which are passed in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from agents.guardrails.arguments import GlobSet, hosts_in, paths_in, sql_statement_kinds, strings_in
from agents.guardrails.budget import BudgetLedger, InMemoryBudgetLedger
from agents.guardrails.exfiltration import exfiltration_findings
from agents.guardrails.output_policy import ArgumentRules, OutputPolicy, Rate
from agents.guardrails.output_verdict import ToolCallVerdict
from agents.guardrails.schema import SchemaChecker
from agents.guardrails.vault import PseudonymVault
from agents.guardrails.verdicts import Action
from agents.messages import ToolUseBlock
from agents.spec import AgentSpec
from agents.tools import ToolSpec

__all__ = ["OutputGuard"]

Finding = tuple[Action, str, str]


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
        vault: PseudonymVault | None = None,
    ) -> ToolCallVerdict:
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
            findings += self._budget_findings(spec.name, user, task_id)
        return ToolCallVerdict.combine([(action, rule, conceal(reason)) for action, rule, reason in findings])

    def record_tokens(self, *, user: str, task_id: str, tokens: int) -> None:
        """Counts tokens a model call spent, against the task's and the user's token budgets."""
        budgets, now = self.policy.budgets, self._clock()
        keys = ((budgets.tokens_per_task, f"tokens:task:{task_id}"), (budgets.tokens_per_user, f"tokens:user:{user}"))
        for rate, key in keys:
            if rate is not None:
                self._ledger.add(key, tokens, window_s=rate.window_s, now=now)

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

    def _budget_findings(self, tool: str, user: str, task_id: str) -> list[Finding]:
        budgets, now = self.policy.budgets, self._clock()
        for rate, key, what in (
            (budgets.tokens_per_task, f"tokens:task:{task_id}", "this task's token budget"),
            (budgets.tokens_per_user, f"tokens:user:{user}", "your token budget"),
        ):
            if rate is not None and self._ledger.used(key, window_s=rate.window_s, now=now) >= rate.limit:
                return [("block", "O8", f"{what} of {rate.limit:,} tokens{_per(rate)} is spent")]
        charges: list[tuple[Rate, str, str]] = []
        if budgets.calls_per_user is not None:
            charges.append((budgets.calls_per_user, f"calls:user:{user}", "you"))
        if budgets.calls_per_tool is not None:
            charges.append((budgets.calls_per_tool, f"calls:tool:{tool}", f"tool {tool!r}"))
        if budgets.calls_per_task is not None:
            charges.append((budgets.calls_per_task, f"calls:task:{task_id}", "this task"))
        for rate, key, who in charges:  # check every budget first, so a refusal charges none of them
            if self._ledger.used(key, window_s=rate.window_s, now=now) + 1 > rate.limit:
                return [("block", "O7", f"rate limit reached: {who} may make {rate.limit} tool calls{_per(rate)}")]
        for rate, key, who in charges:
            spend = self._ledger.try_spend(key, 1, limit=rate.limit, window_s=rate.window_s, now=now)
            if not spend.allowed:
                return [("block", "O7", f"rate limit reached: {who} may make {rate.limit} tool calls{_per(rate)}")]
        return []


def _per(rate: Rate) -> str:
    if rate.window_s is None:
        return ""
    window = rate.window_s
    return f" per {window / 3600:g} h" if window >= 3600 else f" per {window:g} s"
