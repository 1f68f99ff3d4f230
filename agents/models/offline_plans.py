"""What the offline model does about a request: the tool calls for each clause, or the specialists to hand it to.

A specialist (or a plain agent) turns each clause into calls of the tools it is offered; an orchestrator answers
simple read questions itself and hands everything else to its specialists in one `delegate` call, each subtask
with an objective that carries the concrete service, environment, numbers and recipients. Whatever cannot be done
becomes a gap: a sentence the answer repeats so a person knows what was not done and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from agents.models.offline_reading import SERVICES, Clause, Facts, clauses_of, facts_in, objective_of, split_comms
from agents.models.offline_reads import Call, offered_reads, read_calls

__all__ = ["Call", "Plan", "Role", "plan_orchestrator", "plan_specialist", "research_topic", "role_of"]

Role = Literal["research", "data", "ops", "comms"]

_I = re.IGNORECASE
_FILLER = re.compile(
    r"\b(?:find|search|look(?: up)?|show|get|give|me|us|i|we|the|a|an|runbooks?|playbooks?|procedures?|steps?|"
    r"docs?|documentation|guide|for|on|about|what|how|does|do|should|can|say|says|is|are|please|to|handle)\b|[^\w\s-]",
    _I,
)
_ROLE_WORDS: dict[Role, re.Pattern[str]] = {
    "research": re.compile(r"runbook|document|research|knowledge", _I),
    "data": re.compile(r"inventory|data|sql|question", _I),
    "ops": re.compile(r"change|restart|scale|operat", _I),
    "comms": re.compile(r"messag|e-?mail|tell|comms|announce", _I),
}
_VERBS = {"restart": "Restart", "rollback": "Roll back", "decommission": "Decommission", "scale": "Scale"}
_MAX_CALLS = 6
_GUESSED = 0.6
"""The confidence the offline model states for a write where it had to guess part of it."""
_CHANGE_TOOLS = {f"{action}_service" for action in _VERBS} | {"open_incident", "add_incident_note"}


@dataclass
class Plan:
    """The calls for one turn and what could not be done; `delegated` when the calls hand work to specialists."""

    calls: list[Call] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    delegated: bool = False


def role_of(clause: Clause) -> Role:
    if clause.actions == ("research",):
        return "research"
    return "data" if clause.actions == ("read",) else "ops"


def research_topic(text: str) -> str:
    topic = " ".join(_FILLER.sub(" ", text).split())
    return topic or text.strip()


def _change_calls(clause: Clause, tools: set[str]) -> tuple[list[Call], list[str]]:
    calls: list[Call] = []
    gaps: list[str] = []
    facts = clause.facts
    for action in clause.actions:
        tool = {"open_incident": "open_incident", "note": "add_incident_note"}.get(action, f"{action}_service")
        if tool not in tools:
            gaps.append(f"I have no `{tool}` tool here, so I did not act on “{clause.text}”.")
        elif action == "note":
            if facts.incident is None:
                gaps.append(f"“{clause.text}” names no incident number (like #1), so I added no note.")
            else:
                note = facts.message or clause.text
                why = f"The request asks for this note on incident #{facts.incident}."
                calls.append(Call(tool, {"incident_id": facts.incident, "note": note}, rationale=why))
        elif not facts.services or not facts.environments:
            missing = (
                "service (" + ", ".join(SERVICES) + ")"
                if not facts.services
                else "environment (production, staging or dev)"
            )
            gaps.append(f"“{clause.text}” names no {missing}, so I changed nothing.")
        elif action == "open_incident":
            title = (facts.message or f"Incident on {facts.services[0]} in {facts.environments[0]}")[:200]
            target = {"service": facts.services[0], "environment": facts.environments[0]}
            confidence, why = _sureness(facts, f"open an incident on {_targets(facts)}")
            if facts.severity is None and confidence > _GUESSED:
                confidence, why = _GUESSED, "The request gives no severity, so SEV3 is my guess."
            arguments = {**target, "severity": facts.severity or "SEV3", "title": title}
            calls.append(Call(tool, arguments, confidence=confidence, rationale=why))
        elif action == "scale" and facts.replicas is None:
            gaps.append(f"“{clause.text}” gives no replica count, so I scaled nothing.")
        else:
            extra = {"replicas": facts.replicas} if action == "scale" else {}
            confidence, why = _sureness(facts, f"{_VERBS[action].lower()} {_targets(facts)}")
            calls += [
                Call(tool, {"service": s, "environment": e, **extra}, confidence=confidence, rationale=why)
                for s in facts.services
                for e in facts.environments
            ]
    return calls, gaps


def _sureness(facts: Facts, what: str) -> tuple[float, str]:
    """How sure a change is: the request names known services and an environment, or a service it does not know
    (taken as written, so a typo would act on the wrong thing)."""
    unknown = [service for service in facts.services if service not in SERVICES]
    if unknown:
        return 0.4, f"`{unknown[0]}` is not a service I know of; I took the name as written in the request."
    return 0.9, f"The request asks to {what}, naming the service and the environment."


def _comms_calls(facts: Facts, fallback: str, tools: set[str]) -> tuple[list[Call], list[str]]:
    message = facts.message or fallback
    if not message:
        return [], ["I was not told what to say, so I sent nothing."]
    # Recipients are always spelled out; the words are the request's, or a heads-up written from it.
    sure, why = (
        (0.9, "The request names the recipients and the message.")
        if facts.message
        else (0.75, "The request names the recipients; the message is my heads-up about it.")
    )
    calls: list[Call] = []
    gaps: list[str] = []
    if facts.emails:
        if "send_email" in tools:
            subject = "opsgate: " + " ".join(message.split())[:80]
            body = f"{message}\n\n(Sent by opsgate for a request in Slack.)"
            arguments = {"to": list(facts.emails), "subject": subject, "body": body}
            calls.append(Call("send_email", arguments, confidence=sure, rationale=why))
        else:
            gaps.append(f"I have no `send_email` tool here, so I did not email {', '.join(facts.emails)}.")
    for channel in facts.channels:
        if "post_message" in tools:
            calls.append(Call("post_message", {"channel": channel, "text": message}, confidence=sure, rationale=why))
        else:
            gaps.append(f"I have no `post_message` tool here, so I did not post in {channel}.")
    return calls, gaps


def _calls_for(clause: Clause, tools: set[str]) -> tuple[list[Call], list[str]]:
    if clause.actions == ("research",):
        if "search_runbooks" not in tools:
            return [], [f"I have no runbook search here, so I did not look up “{clause.text}”."]
        return [Call("search_runbooks", {"query": research_topic(clause.text)[:300]})], []
    if clause.actions == ("read",):
        return offered_reads(clause, tools)
    return _change_calls(clause, tools)


def plan_specialist(text: str, tools: set[str]) -> Plan:
    """A specialist's or a plain agent's calls for its objective (the first user message)."""
    rest, comms = split_comms(objective_of(text))
    plan = Plan()
    for clause in clauses_of(rest):
        calls, gaps = _calls_for(clause, tools)
        plan.calls += calls
        plan.gaps += gaps
    if comms is not None:
        calls, gaps = _comms_calls(facts_in(comms), _heads_up(rest) if rest else "", tools)
        plan.calls += calls
        plan.gaps += gaps
    if len(plan.calls) > _MAX_CALLS:
        plan.gaps.append(f"I did only the first {_MAX_CALLS} of {len(plan.calls)} actions; ask again for the rest.")
        del plan.calls[_MAX_CALLS:]
    return plan


def _heads_up(request: str) -> str:
    return f"Heads-up: {request} (requested in Slack through opsgate)."


def _specialist_for(role: Role, roster: dict[str, str]) -> str | None:
    if role in roster:
        return role
    return next((name for name, purpose in roster.items() if _ROLE_WORDS[role].search(purpose)), None)


def _targets(facts: Facts) -> str:
    return f"{' and '.join(facts.services)} in {' and '.join(facts.environments)}"


def _objective(clause: Clause) -> str:
    """One clause restated with every fact the specialist needs, since it sees nothing else."""
    facts, role = clause.facts, role_of(clause)
    if role == "research":
        return f"Find the runbook steps for {research_topic(clause.text)}."
    if role == "data":
        return clause.text[:1].upper() + clause.text[1:]
    sentences = []
    for action in clause.actions:
        if action == "note" and facts.incident is not None:
            sentences.append(f"Add a note to incident #{facts.incident}: {facts.message or clause.text}")
        elif action == "open_incident" and facts.services and facts.environments:
            title = facts.message or f"Incident on {facts.services[0]} in {facts.environments[0]}"
            what = f"a {facts.severity} incident" if facts.severity else "an incident"  # the specialist guesses
            sentences.append(f"Open {what} on {_targets(facts)}: {title}")
        elif action in _VERBS and facts.services and facts.environments:
            count = f" to {facts.replicas} replicas" if action == "scale" and facts.replicas is not None else ""
            sentences.append(f"{_VERBS[action]} {_targets(facts)}{count}.")
        else:
            sentences.append(clause.text)
    return " ".join(sentences)


def plan_orchestrator(text: str, tools: set[str], roster: dict[str, str]) -> Plan:
    """Read questions the orchestrator can answer with its own tools, answered; the rest in one `delegate` call."""
    rest, comms = split_comms(text)
    clauses = clauses_of(rest)
    if comms is None and clauses and all(role_of(clause) == "data" for clause in clauses):
        reads = [call for clause in clauses for call in read_calls(clause)]
        if all(call.name in tools for call in reads):
            return Plan(calls=list({repr(c): c for c in reads}.values()))
    plan = Plan()
    objectives: dict[str, list[str]] = {}
    constraints: dict[str, list[str]] = {}
    for clause in clauses:
        role = role_of(clause)
        agent = _specialist_for(role, roster)
        if agent is None:
            calls, gaps = _calls_for(clause, tools)
            plan.calls += calls
            plan.gaps += gaps
            continue
        if role == "ops" and (missing := _change_calls(clause, _CHANGE_TOOLS)[1]):
            plan.gaps += missing  # ask the person rather than have a specialist guess
            continue
        objectives.setdefault(agent, []).append(_objective(clause))
        if role == "ops" and clause.facts.services and clause.facts.environments:
            constraints.setdefault(agent, []).append(f"Change only {_targets(clause.facts)}.")
    if comms is not None:
        facts = facts_in(comms)
        agent = _specialist_for("comms", roster)
        message = facts.message or (_heads_up(rest) if rest else text)
        if agent is None:
            calls, gaps = _comms_calls(facts, message, tools)
            plan.calls += calls
            plan.gaps += gaps
        else:
            objectives.setdefault(agent, []).append(f"Send this message to {' and '.join(facts.recipients)}: {message}")
    if objectives:
        tasks = [
            {
                "agent": agent,
                "objective": " ".join(parts)[:2000],
                "context": f"The request, as typed in Slack: {text}"[:8000],
                **({"constraints": constraints[agent][:10]} if agent in constraints else {}),
            }
            for agent, parts in objectives.items()
        ]
        plan.calls.append(Call("delegate", {"tasks": tasks[:4]}))
        plan.delegated = True
    return plan
