"""Who may decide: refusals people read, and the user-group cache that keeps Slack off the ack path."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading

import pytest

from approvals.authz import (
    CachedUserGroups,
    Refusal,
    eligible_approvers,
    is_named,
    may_administer,
    may_vote,
    unsatisfiable_reason,
)
from approvals.people import Person
from approvals.policy import Tier
from testkit.fakes import FakeClock, StaticDirectory
from tests.approvals.policy_cases import ALICE, BOB, CAROL, DAVE, DESTRUCTIVE, ONCALL, decide, policy

LEADS = "SLEADS"


class FakeGroups:
    """`usergroups.users.list` as a plain async function over a dict, counting calls; a group in `broken` fails."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self.groups = groups
        self.broken: set[str] = set()
        self.calls: list[str] = []
        self.fetched = asyncio.Event()

    async def __call__(self, group_id: str) -> list[str]:
        self.calls.append(group_id)
        self.fetched.set()
        if group_id in self.broken:
            raise ConnectionError(f"slack is down for {group_id}")
        return self.groups.get(group_id, [])


HOME, OTHER = "T0HOME", "T0OTHER"
DIRECTORY = StaticDirectory({ONCALL: frozenset({CAROL, DAVE}), f"{OTHER}:SOPS": frozenset({"UERIN"})})
APPROVERS = [ALICE, ONCALL]


def home(user: str) -> Person:
    return Person(HOME, user)


def vote(voter: Person, requester: Person, tier: Tier = Tier.HIGH, **kwargs: object) -> Refusal | None:
    options: dict[str, object] = {"approvers": APPROVERS, "directory": DIRECTORY, "home": HOME, **kwargs}
    return may_vote(voter, requester=requester, tier=tier, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("tier", [Tier.HIGH, Tier.CRITICAL])
def test_the_requester_never_approves_their_own_action(tier: Tier) -> None:
    for requester in (home(ALICE), home(CAROL)):  # named directly, and through a group
        refusal = vote(requester, requester, tier)
        assert refusal == Refusal(reason="you requested this action, so someone else must approve it")


def test_the_requester_may_reject_their_own_action() -> None:
    assert vote(home(BOB), home(BOB), rejecting=True) is None


@pytest.mark.parametrize(("voter", "allowed"), [(ALICE, True), (CAROL, True), (DAVE, True), (BOB, False)])
def test_approvers_are_named_directly_or_through_a_group(voter: str, allowed: bool) -> None:
    refusal = vote(home(voter), home("UREQ"))

    if allowed:
        assert refusal is None
    else:
        assert refusal == Refusal(reason="you are not an approver for this (needs: <@UALICE>, <!subteam^SONCALL>)")


def test_a_person_is_a_team_and_a_user_a_bare_id_in_the_policy_is_the_home_teams() -> None:
    # The same user ids in another workspace are other people: not approvers, and not the requester either.
    for user in (ALICE, CAROL):
        assert vote(Person(OTHER, user), home("UREQ")) is not None
        assert vote(home(user), Person(OTHER, user)) is None
    # Another workspace's people and groups are named with their team.
    erin = Person(OTHER, "UERIN")
    approvers = [f"{OTHER}:UFRANK", f"{OTHER}:SOPS"]
    assert vote(Person(OTHER, "UFRANK"), home("UREQ"), approvers=approvers) is None
    assert vote(erin, home("UREQ"), approvers=approvers) is None
    assert vote(home("UERIN"), home("UREQ"), approvers=approvers) is not None
    assert vote(home("UFRANK"), home("UREQ"), approvers=approvers) is not None
    assert vote(erin, erin, approvers=approvers) is not None  # separation of duties holds across teams too
    assert eligible_approvers(approvers, DIRECTORY, HOME) == {Person(OTHER, "UFRANK"), erin}


def test_a_co_requester_is_a_requester_as_a_person() -> None:
    refusal = vote(home(ALICE), home("UREQ"), co_requesters=[home(ALICE)])
    assert refusal == Refusal(reason="you requested this action, so someone else must approve it")
    assert vote(home(ALICE), home("UREQ"), co_requesters=[Person(OTHER, ALICE)]) is None


def test_a_vote_while_a_group_is_still_unknown_says_so() -> None:
    refusal = vote(home(BOB), home("UREQ"), approvers=[ALICE, LEADS])

    assert refusal == Refusal(
        reason="you are not an approver for this (needs: <@UALICE>, <!subteam^SLEADS>); "
        "the members of <!subteam^SLEADS> are still being looked up, try again soon"
    )


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.MEDIUM])
def test_actions_that_run_at_once_take_no_votes(tier: Tier) -> None:
    refusal = vote(home(ALICE), home("UREQ"), tier)

    assert refusal == Refusal(reason=f"this {tier}-risk action needs no approval")


def test_with_no_approvers_nobody_may_vote() -> None:
    refusal = vote(home(ALICE), home("UREQ"), approvers=[])

    assert refusal == Refusal(reason="nobody may approve this: an admin must name approvers in opsgate.yml")


def test_eligible_approvers_resolve_known_groups_only() -> None:
    assert eligible_approvers([ALICE, ONCALL, LEADS], DIRECTORY, HOME) == {home(ALICE), home(CAROL), home(DAVE)}
    assert eligible_approvers([], DIRECTORY, HOME) == frozenset()


def test_admins() -> None:
    assert may_administer(home(ALICE), [ALICE], DIRECTORY, HOME) is None
    assert may_administer(home(CAROL), [ONCALL], DIRECTORY, HOME) is None
    assert may_administer(Person(OTHER, ALICE), [ALICE, ONCALL], DIRECTORY, HOME) is not None
    assert may_administer(Person(OTHER, ALICE), [f"{OTHER}:{ALICE}"], DIRECTORY, HOME) is None
    # No home team configured (one workspace served): bare ids name people of the person's own workspace.
    assert may_administer(Person(OTHER, ALICE), [ALICE], DIRECTORY, None) is None
    assert is_named(Person(OTHER, CAROL), [ONCALL], DIRECTORY, None) and not is_named(
        home(BOB), [ONCALL], DIRECTORY, HOME
    )
    assert may_administer(home(BOB), [ALICE, ONCALL], DIRECTORY, HOME) == Refusal(
        reason="only policy admins may do this (admins: <@UALICE>, <!subteam^SONCALL>)"
    )
    assert may_administer(home(BOB), [], DIRECTORY, HOME) == Refusal(
        reason="no policy admins are configured: name them in `policy.admins` in opsgate.yml"
    )


def test_unsatisfiable_reason_with_groups_from_the_directory() -> None:
    critical = policy(approvers=[ONCALL], tools=[{"match": "tool", "tier": "critical"}])
    decision = decide(annotations=DESTRUCTIVE, the_policy=critical)
    eligible = eligible_approvers(decision.approvers, DIRECTORY, HOME)

    assert unsatisfiable_reason(decision, home(ALICE), eligible) is None
    assert unsatisfiable_reason(decision, Person(OTHER, CAROL), eligible) is None
    assert unsatisfiable_reason(decision, home(CAROL), eligible) == (
        "it needs 2 approvers besides the requester, but only 1 eligible person is left (approvers: <!subteam^SONCALL>)"
    )


async def test_the_cache_knows_nothing_until_refreshed_and_then_answers_from_memory() -> None:
    fetch = FakeGroups({ONCALL: [CAROL, DAVE]})
    cache = CachedUserGroups(fetch, groups=[ONCALL, ALICE], clock=FakeClock(1000.0))

    assert cache.members(ONCALL) is None
    assert await cache.refresh_all() == 0
    assert fetch.calls == [ONCALL]  # user ids are not groups, so never fetched
    for _ in range(100):
        assert cache.members(ONCALL) == frozenset({CAROL, DAVE})
    assert fetch.calls == [ONCALL]


async def test_an_entry_older_than_the_ttl_counts_as_unknown_until_the_next_refresh() -> None:
    clock = FakeClock(1000.0)
    fetch = FakeGroups({ONCALL: [CAROL]})
    cache = CachedUserGroups(fetch, ttl=60, clock=clock, groups=[ONCALL])
    await cache.refresh_all()

    clock.now += 60
    assert cache.members(ONCALL) == frozenset({CAROL})
    clock.now += 1
    assert cache.members(ONCALL) is None
    fetch.groups[ONCALL] = [CAROL, DAVE]
    await cache.refresh_all()
    assert cache.members(ONCALL) == frozenset({CAROL, DAVE})


async def test_a_failed_refresh_keeps_the_old_members_until_the_ttl_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(1000.0)
    fetch = FakeGroups({ONCALL: [CAROL], LEADS: [ALICE]})
    cache = CachedUserGroups(fetch, ttl=60, clock=clock, groups=[ONCALL, LEADS])
    await cache.refresh_all()
    fetch.broken = {ONCALL}

    clock.now += 30
    with caplog.at_level(logging.WARNING, logger="approvals.authz"):
        assert await cache.refresh_all() == 1
    assert caplog.messages == ["could not refresh the members of user group SONCALL"]
    assert cache.members(ONCALL) == frozenset({CAROL})
    clock.now += 31
    assert cache.members(ONCALL) is None  # failing closed: unknown means nobody
    assert cache.members(LEADS) == frozenset({ALICE})


def test_members_is_synchronous_and_never_fetches() -> None:
    fetch = FakeGroups({ONCALL: [CAROL]})
    cache = CachedUserGroups(fetch)

    assert not inspect.iscoroutinefunction(CachedUserGroups.members)
    answers: list[frozenset[str] | None] = []
    worker = threading.Thread(target=lambda: answers.append(cache.members(ONCALL)))  # no event loop there
    worker.start()
    worker.join(timeout=5)
    assert answers == [None]
    assert fetch.calls == []


async def test_the_refresher_runs_until_stopped_and_fetches_a_new_group_at_once() -> None:
    fetch = FakeGroups({ONCALL: [CAROL], LEADS: [ALICE]})
    cache = CachedUserGroups(fetch, groups=[ONCALL])
    stop = asyncio.Event()
    refresher = asyncio.create_task(cache.run_refresher(stop, interval=3600))
    try:
        await asyncio.wait_for(fetch.fetched.wait(), timeout=5)
        assert fetch.calls == [ONCALL]

        fetch.fetched.clear()
        assert cache.members(LEADS) is None  # asks for it; the refresher wakes well before the hour is up
        await asyncio.wait_for(fetch.fetched.wait(), timeout=5)
        # The fake never suspends, so the refresh stored the members in the step that set the event.
        assert cache.members(LEADS) == frozenset({ALICE})
    finally:
        stop.set()
        await asyncio.wait_for(refresher, timeout=5)
    assert refresher.done() and refresher.exception() is None
