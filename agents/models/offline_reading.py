"""How the offline model reads a request: the clauses it is made of, what each asks for, and the facts it names.

Pure functions over the demo's vocabulary (the seeded services, three environments, Slack channels, email
addresses), so every choice the offline model makes can be traced to one rule and tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

__all__ = [
    "SERVICES",
    "Action",
    "Clause",
    "Facts",
    "clauses_of",
    "facts_in",
    "objective_of",
    "split_comms",
]

SERVICES = ("api", "web", "billing", "search", "auth", "notifications")
"""The services of the seeded inventory; others are recognized only right after a change verb."""

Action = Literal["research", "decommission", "rollback", "restart", "scale", "open_incident", "note", "read"]

_ENVIRONMENTS = {
    "production": "production",
    "prod": "production",
    "prd": "production",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "dev": "dev",
    "development": "dev",
}
_I = re.IGNORECASE
_CHANGES: tuple[tuple[Action, re.Pattern[str]], ...] = (
    ("decommission", re.compile(r"\b(?:decommission\w*|retir(?:e|es|ed|ing)|tear(?:ing)? down)\b", _I)),
    ("rollback", re.compile(r"\b(?:roll(?:s|ed|ing)?[ -]?back|rollbacks?|revert\w*)\b", _I)),
    ("restart", re.compile(r"\b(?:restart\w*|reboot\w*|bounce)\b", _I)),
    ("scale", re.compile(r"\b(?:scal(?:e|es|ed|ing)|to \d+ (?:replicas|pods|instances))\b", _I)),
    (
        "open_incident",
        re.compile(r"\b(?:open|declare|raise|file|create)\s+(?:an?\s+|new\s+)*(?:sev\s?-?[1-4]\s+)?incident\b", _I),
    ),
    (
        "note",
        re.compile(r"\b(?:add|write|leave|append|post)\s+(?:an?\s+)?(?:note|comment)\b|\bnote (?:on|to) incident", _I),
    ),
)
_RESEARCH = re.compile(
    r"\b(?:runbooks?|playbooks?|procedures?|how (?:do|to|should|can)|documentation|docs|guide)\b", _I
)
_READ = re.compile(
    r"\b(?:services?|running|runs?|versions?|replicas?|status|state|incidents?|outages?|sev\s?[1-4]|deploy\w*|"
    r"releases?|inventory|owners?|owned|teams?|changes|changed|history|audit|degraded|health\w*|slow|latency|"
    r"errors?|broken|what|which|who|how|why|show|list|check|look|find|get|count)\b",
    _I,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|<EMAIL_\d+>")  # or its pseudonym
_CHANNEL = re.compile(r"(?<![\w#@.-])(#[A-Za-z][A-Za-z0-9._-]{0,79}|[CG](?=[A-Z0-9]*\d)[A-Z0-9]{4,11})\b")
_COMMS = re.compile(r"\b(?:e-?mail|mail|tell|notify|inform|post|announce|message|ping|let|send|write)\b", _I)
_MESSAGE = re.compile(r":\s+|\s(?:that|saying|about)\s", _I)
_QUOTED = re.compile(r"[\"“]([^\"”]{1,2000})[\"”]")
_REPLICAS = (
    re.compile(r"\b(\d{1,3})\s+(?:replicas?|pods?|instances?|copies)\b", _I),
    re.compile(r"\bto\s+(\d{1,3})\b(?!\s*%)", _I),
)
_INCIDENT = re.compile(r"(?:#|\bincident\s+(?:#|no\.?\s*|number\s+)?|\bINC-?)(\d{1,9})\b", _I)
_SEVERITY = re.compile(r"\bsev\s?-?([1-4])\b", _I)
_AFTER_VERB = re.compile(
    r"\b(?:restart|roll back|rollback|revert|scale|decommission|retire)\s+(?:the\s+)?([a-z][a-z0-9-]{1,39})\b", _I
)
_NOT_A_SERVICE = {"in", "it", "the", "all", "everything", "service", "services", "up", "down", "back", "to", "a", "an"}
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_SPLIT = re.compile(r"(\s*,\s*(?:(?:and then|then|and|also|plus)\s+)?|\s+(?:and then|then|and|also|plus)\s+)", _I)
_TRAILING_JOIN = re.compile(r"[\s,;]*(?:\b(?:and then|and|then|also|plus)\b)?[\s,;:]*$", _I)


@dataclass(frozen=True)
class Facts:
    """What a piece of text names: targets, numbers, recipients, and the message for them if it says one."""

    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    replicas: int | None = None
    incident: int | None = None
    severity: str | None = None
    emails: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    message: str | None = None

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.emails + self.channels


@dataclass(frozen=True)
class Clause:
    """One thing the request asks for: its text, the actions it names (changes, else research or a read)."""

    text: str
    actions: tuple[Action, ...]
    facts: Facts


def _ordered(found: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for _, value in sorted(found)))


def facts_in(text: str) -> Facts:
    """The facts of one clause; targets and recipients come from before its message, when it has one."""
    start, message = _message_in(text)
    head = text[:start]
    emails = _ordered([(m.start(), m.group()) for m in _EMAIL.finditer(head)])
    channels = _ordered([(m.start(), m.group(1)) for m in _CHANNEL.finditer(_EMAIL.sub(" ", head))])
    services, environments = _targets(head)
    if not services and not environments:
        services, environments = _targets(text)
    replicas = next((int(m.group(1)) for p in _REPLICAS if (m := p.search(head))), None)
    incident = int(m.group(1)) if (m := _INCIDENT.search(head)) else None
    severity = f"SEV{m.group(1)}" if (m := _SEVERITY.search(head)) else None
    return Facts(services, environments, replicas, incident, severity, emails, channels, message)


def _targets(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    bare = _CHANNEL.sub(" ", _EMAIL.sub(" ", text))
    services = _ordered([(m.start(), s) for s in SERVICES for m in re.finditer(rf"\b{s}\b", bare, _I)])
    if not services:
        named = [(m.start(), m.group(1).lower()) for m in _AFTER_VERB.finditer(bare)]
        services = _ordered([(at, name) for at, name in named if name not in _NOT_A_SERVICE])
    words = [(m.start(), m.group().lower()) for m in re.finditer(r"[a-z]+", bare, _I)]
    environments = _ordered([(at, _ENVIRONMENTS[word]) for at, word in words if word in _ENVIRONMENTS])
    return services, environments


def _message_in(text: str) -> tuple[int, str | None]:
    """Where the words to pass on start, and those words: quoted text, else what follows "that", "saying",
    "about" or a colon; (len(text), None) when there are none."""
    if quoted := _QUOTED.search(text):
        return quoted.start(), quoted.group(1).strip()
    if found := _MESSAGE.search(text):
        return found.start(), text[found.end() :].strip() or None
    return len(text), None


def _actions(text: str) -> tuple[Action, ...]:
    if _RESEARCH.search(text):
        return ("research",)  # "the runbook for restarting api" is about the runbook, not a restart
    head = text[: _message_in(text)[0]]  # "add a note to #1: scaled to 6" scales nothing
    changes = sorted((m.start(), action) for action, pattern in _CHANGES if (m := pattern.search(head)))
    if changes:
        return tuple(action for _, action in changes)
    return ("read",) if _READ.search(text) else ()


def _pieces(text: str) -> list[str]:
    """Sentences cut at commas and "and"; a piece with no verb of its own ("web in staging") is glued back to
    the one before it with its separator, and a message (after ": ") is never cut."""
    pieces: list[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        head, colon, tail = sentence.partition(": ")
        parts = _SPLIT.split(head)
        parts[-1] += colon + tail
        separators = [" ", *parts[1::2]]
        for separator, piece in zip(separators, parts[::2], strict=True):
            if pieces and not _actions(piece):
                pieces[-1] += separator + piece
            elif piece.strip():
                pieces.append(piece.strip())
    return pieces


def clauses_of(text: str) -> list[Clause]:
    """What the request asks for, clause by clause; a change that names no target inherits the previous one's."""
    clauses: list[Clause] = []
    for piece in _pieces(text):
        actions = _actions(piece)
        facts = facts_in(piece)
        if not actions and facts.services:
            actions = ("read",)
        if not actions:
            continue
        previous = clauses[-1].facts if clauses else None
        if previous is not None and "read" not in actions and "research" not in actions:
            facts = replace(
                facts,
                services=facts.services or previous.services,
                environments=facts.environments or previous.environments,
            )
        clauses.append(Clause(piece, actions, facts))
    return clauses


def split_comms(text: str) -> tuple[str, str | None]:
    """The request without its part for people ("... and tell oncall@example.com"), and that part.

    The part for people starts at a verb of telling that is followed by a recipient; everything after it is the
    message, never a request of its own ("email oncall that api was restarted" restarts nothing).
    """
    for verb in _COMMS.finditer(text):
        rest = text[verb.start() :]
        if _EMAIL.search(rest) or _CHANNEL.search(_EMAIL.sub(" ", rest)):
            return _TRAILING_JOIN.sub("", text[: verb.start()]).strip(), rest.strip()
    return text.strip(), None


def objective_of(text: str) -> str:
    """A specialist's objective out of `AgentTask.prompt()`, or the whole text of a request typed by a person."""
    if not text.startswith("Objective: "):
        return text.strip()
    objective = text.removeprefix("Objective: ")
    return objective.split("\n\n", 1)[0].strip()
