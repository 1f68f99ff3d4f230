"""People as Slack knows them: a user id is unique only within its workspace, so a person is (team, user).

Everywhere opsgate compares people (the requester and a voter, a voter and the approvers, a user and the admins or
the allowed users) it compares `Person`s. The policy and the records name people in text:

- `T0123:U0456` is the user U0456 of the workspace T0123, and `T0123:S0789` a user group of that workspace;
- a bare `U0456` (or `S0789`) in the policy is a person (or group) of the *home* workspace: the one that runs
  opsgate (`OPSGATE_SLACK_HOME_TEAM`, or the bot token's own workspace);
- a bare user id in a record (a co-requester, a vote) is a person of that record's workspace (an approval's, a
  task's): records name their own workspace's people bare, as every earlier version did, and another's `T…:U…`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Person", "co_requesters_of", "home_team", "people_of", "person_of", "stored_in", "unqualified"]


@dataclass(frozen=True, order=True)
class Person:
    team: str
    user: str

    def __str__(self) -> str:
        """The stored form, `T0123:U0456`, which `person_of` reads back."""
        return f"{self.team}:{self.user}" if self.team else self.user


def person_of(name: str, team: str) -> Person:
    """The person (or group) `name` names: `T…:U…` as written, a bare id in `team`."""
    written_team, qualified, user = name.rpartition(":")
    return Person(written_team, user) if qualified else Person(team, name)


def people_of(names: Iterable[str], team: str) -> frozenset[Person]:
    return frozenset(person_of(name, team) for name in names)


def co_requesters_of(names: Iterable[str], team: str, requester: Person) -> list[str]:
    """The people `names` names (bare ids in `team`), each once, in order, without `requester`: who started the
    chain of requests a task continues (a Retry, a follow-up). Stored as a record of `team` stores people: a bare
    id for its own people (as every version read them), `T…:U…` for another workspace's."""
    people = dict.fromkeys(person_of(name, team) for name in names)
    return [stored_in(team, person) for person in people if person != requester]


def stored_in(team: str, person: Person) -> str:
    """How a record of workspace `team` names `person`: the bare id for its own people, else `T…:U…`."""
    return person.user if person.team == team else str(person)


def unqualified(name: str) -> str:
    """The Slack id in `name` without its workspace (`T1:U2` → `U2`): how Slack mentions a user or a group."""
    return name.rpartition(":")[2]


def home_team(configured: str | None, fallback: str) -> str:
    """The workspace a bare policy id names: the configured home team, else `fallback` (the bot token's workspace,
    or the team of the approval or the person at hand where opsgate serves one workspace only: the settings refuse
    to serve several without a home team)."""
    return configured or fallback
