"""Who may decide: the approvers a decision names, with Slack user groups resolved from a cache.

Nothing here waits on Slack. `CachedUserGroups.members()` answers from memory (None while a group is not known,
or no longer fresh: unknown means nobody, never everybody), and a background task refreshes the cache through
an injected fetcher (the bot passes a wrapper over `usergroups.users.list`), so the 3-second ack path never
calls the Web API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from approvals.fields import is_group, mentions
from approvals.people import Person, home_team, people_of, person_of
from approvals.risk import Decision
from approvals.tiers import Tier

__all__ = [
    "CachedUserGroups",
    "Refusal",
    "UserGroupDirectory",
    "eligible_approvers",
    "is_named",
    "may_administer",
    "may_vote",
    "unsatisfiable_reason",
]

log = logging.getLogger(__name__)


class Refusal(BaseModel):
    """Why a person may not do something, phrased to them (shown in an ephemeral message, and audited)."""

    model_config = ConfigDict(frozen=True)

    reason: str


class UserGroupDirectory(Protocol):
    def members(self, group_id: str) -> frozenset[str] | None:
        """The user ids of the group (`S…`, or `T…:S…` for another workspace's), in the group's workspace; None
        when they are not known (yet). Never does I/O."""
        ...


@dataclass(frozen=True)
class _Entry:
    members: frozenset[str]
    fetched_at: float


class CachedUserGroups:
    """User-group members kept in memory; `ttl` seconds after a successful fetch an entry counts as unknown."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[list[str]]],
        *,
        ttl: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        groups: Iterable[str] = (),
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._wanted: set[str] = set()
        self._wake = asyncio.Event()
        self.track(groups)

    def track(self, groups: Iterable[str]) -> None:
        """Keep these groups (e.g. every group the policy names) in the next refresh."""
        self._wanted.update(group for group in groups if is_group(group))

    def members(self, group_id: str) -> frozenset[str] | None:
        entry = self._entries.get(group_id)
        if entry is None:
            if group_id not in self._wanted:
                self._wanted.add(group_id)
                self._wake.set()  # the refresher fetches it now rather than at the next interval
            return None
        if self._clock() - entry.fetched_at > self._ttl:
            return None
        return entry.members

    async def refresh(self, group_id: str) -> bool:
        """Fetch one group; a failure keeps the old entry (until its ttl runs out) and is logged."""
        try:
            users = await self._fetch(group_id)
        except Exception:
            log.warning("could not refresh the members of user group %s", group_id, exc_info=True)
            return False
        self._entries[group_id] = _Entry(frozenset(users), self._clock())
        return True

    async def refresh_all(self) -> int:
        """Refresh every known or wanted group at once; returns how many refreshes failed."""
        groups = sorted(self._wanted | self._entries.keys())
        results = await asyncio.gather(*(self.refresh(group) for group in groups))
        return results.count(False)

    async def run_refresher(self, stop: asyncio.Event, interval: float) -> None:
        """Refresh every `interval` seconds, and at once when a new group is asked for, until `stop` is set."""
        while not stop.is_set():
            self._wake.clear()
            await self.refresh_all()
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({stopping, woken}, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                woken.cancel()


def eligible_approvers(approvers: Sequence[str], directory: UserGroupDirectory, home: str) -> frozenset[Person]:
    """The people named directly plus the known members of the groups named; an unknown group adds nobody.
    `home`: the workspace of bare ids (`approvals.people`); a group's members are people of the group's team."""
    people = {person_of(name, home) for name in approvers if not is_group(name)}
    for group in filter(is_group, approvers):
        team = person_of(group, home).team
        people |= {Person(team, user) for user in directory.members(group) or ()}
    return frozenset(people)


def unsatisfiable_reason(
    decision: Decision, requester: Person, eligible: frozenset[Person], co_requesters: Sequence[Person] = ()
) -> str | None:
    """Why nobody can reach the decision's quorum (for the card and the thread); None when someone can.

    `eligible` are the decision's approvers with groups resolved (`eligible_approvers`). Loading already refused
    user-only lists that are too short; this catches groups, and tiers raised at run time.
    """
    if not decision.needs_approval:
        return None
    if not decision.approvers:
        return "nobody may approve it: an admin must name approvers in the `policy` section of opsgate.yml"
    others = eligible - {requester, *co_requesters}
    if len(others) >= decision.quorum:
        return None
    needed = "1 approver" if decision.quorum == 1 else f"{decision.quorum} approvers"
    return (
        f"it needs {needed} besides the requester, but only {len(others)} eligible "
        f"{'person is' if len(others) == 1 else 'people are'} left (approvers: {mentions(decision.approvers)})"
    )


def may_vote(
    voter: Person,
    *,
    requester: Person,
    tier: Tier,
    approvers: Sequence[str],
    directory: UserGroupDirectory,
    home: str,
    rejecting: bool = False,
    co_requesters: Sequence[Person] = (),
) -> Refusal | None:
    """None when `voter` may vote on an action of `tier`; a requester may reject (withdraw) but never approve.

    `co_requesters`: who started the chain of requests this action came from (a Retry, a follow-up in the
    thread): separation of duties follows the action, so each of them is a requester of it too. `home`: the
    workspace of the bare ids in `approvers`."""
    if not tier.needs_approval:
        return Refusal(reason=f"this {tier}-risk action needs no approval")
    requesters = {requester, *co_requesters}
    if voter in requesters and not rejecting:
        return Refusal(reason="you requested this action, so someone else must approve it")
    if voter in requesters or voter in people_of((a for a in approvers if not is_group(a)), home):
        return None
    unknown = []
    for group in filter(is_group, approvers):
        members = directory.members(group)
        if members is None:
            unknown.append(group)
        elif voter.team == person_of(group, home).team and voter.user in members:
            return None
    if not approvers:
        return Refusal(reason="nobody may approve this: an admin must name approvers in opsgate.yml")
    needs = f"you are not an approver for this (needs: {mentions(list(approvers))})"
    if unknown:
        return Refusal(reason=f"{needs}; the members of {mentions(unknown)} are still being looked up, try again soon")
    return Refusal(reason=needs)


def is_named(person: Person, names: Sequence[str], directory: UserGroupDirectory, home: str | None) -> bool:
    """Whether `person` is one of the people, or in one of the groups, that `names` names. `home`: the configured
    home team (None or "": the person's own workspace, the only one opsgate then serves; `approvals.people`)."""
    return person in eligible_approvers(names, directory, home_team(home, person.team))


def may_administer(
    person: Person, admins: Sequence[str], directory: UserGroupDirectory, home: str | None
) -> Refusal | None:
    """None when `person` is a policy admin (may `/ops freeze` and administer); `home` as for `is_named`."""
    if is_named(person, admins, directory, home):
        return None
    if not admins:
        return Refusal(reason="no policy admins are configured: name them in `policy.admins` in opsgate.yml")
    return Refusal(reason=f"only policy admins may do this (admins: {mentions(list(admins))})")
