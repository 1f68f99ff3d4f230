"""Read questions as the offline model answers them: which read-only calls, with which arguments.

A question maps to the built-in read tools by its words: incidents and symptoms to `get_incidents`, deploy history,
the change log and counts to canned SQL for `query_inventory`, anything about services to `list_services`. An
agent without `query_inventory` gets `list_services` instead; one without any fitting tool gets a gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agents.models.offline_reading import Clause, Facts

__all__ = ["Call", "offered_reads", "read_calls"]

_I = re.IGNORECASE
_INCIDENTS = re.compile(r"\b(?:incidents?|outages?|sev\s?[1-4])\b", _I)
_SYMPTOMS = re.compile(r"\b(?:slow|latency|errors?|broken|why|failing|degraded)\b", _I)
_HISTORY = re.compile(
    r"\b(?:deploys|deployments?|releases|history|deployed (?:by|at|on)|who deployed|last deploy|when was)\b", _I
)
_CHANGE_LOG = re.compile(r"\b(?:changes|changed|audit|who (?:restarted|scaled|rolled))\b", _I)
_COUNT = re.compile(r"\bhow many (?:services|deployments|deploys)\b|\bcount\b", _I)
_SERVICE_WORDS = re.compile(
    r"\b(?:services?|running|runs?|versions?|replicas?|status|state|inventory|owners?|owned|teams?|deployed|"
    r"health\w*|up|down)\b",
    _I,
)
_RESOLVED = re.compile(r"\b(?:resolved|closed|all|past)\b", _I)


@dataclass(frozen=True)
class Call:
    """One call the offline model proposes, with what it states about a write when the tool asks (the confidence
    matrix reads it): sure of what the request spells out, less so where it had to guess."""

    name: str
    arguments: dict[str, Any]
    confidence: float = 0.9
    rationale: str = ""


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)  # values come from fixed vocabularies or [a-z0-9-] names


def _where(facts: Facts, service: str = "service") -> str:
    conditions = []
    if facts.services:
        conditions.append(f"{service} IN ({_sql_list(facts.services)})")
    if facts.environments:
        conditions.append(f"environment IN ({_sql_list(facts.environments)})")
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def read_calls(clause: Clause) -> list[Call]:
    """The read-only calls that answer a question, whether or not the agent has those tools."""
    text, facts = clause.text, clause.facts
    calls: list[Call] = []
    if _HISTORY.search(text):
        sql = "SELECT service, environment, version, kind, deployed_by, deployed_at FROM deployments"
        calls.append(Call("query_inventory", {"sql": f"{sql}{_where(facts)} ORDER BY deployed_at DESC LIMIT 10"}))
    if _CHANGE_LOG.search(text):
        sql = "SELECT service, environment, action, detail, requested_by, changed_at FROM changes"
        calls.append(Call("query_inventory", {"sql": f"{sql}{_where(facts)} ORDER BY changed_at DESC LIMIT 10"}))
    if _COUNT.search(text):
        sql = "SELECT environment, COUNT(*) AS services, SUM(replicas) AS replicas FROM services"
        calls.append(Call("query_inventory", {"sql": f"{sql}{_where(facts, 'name')} GROUP BY environment"}))
    if _INCIDENTS.search(text) or _SYMPTOMS.search(text):
        resolved = {"include_resolved": True} if _RESOLVED.search(text) else {}
        calls += [Call("get_incidents", {"service": s, **resolved}) for s in facts.services] or [
            Call("get_incidents", resolved)
        ]
    if _SERVICE_WORDS.search(text) or _SYMPTOMS.search(text) or not calls:
        calls += [Call("list_services", {"environment": e}) for e in facts.environments] or [Call("list_services", {})]
    return calls


def offered_reads(clause: Clause, tools: set[str]) -> tuple[list[Call], list[str]]:
    calls: list[Call] = []
    for call in read_calls(clause):
        if call.name in tools:
            calls.append(call)
        elif call.name == "query_inventory" and "list_services" in tools:
            calls += [Call("list_services", {"environment": e}) for e in clause.facts.environments] or [
                Call("list_services", {})
            ]
    if calls:
        return list({repr(c): c for c in calls}.values()), []
    return [], [f"I have no tool here to answer “{clause.text}”."]
