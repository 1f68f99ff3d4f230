"""People as (team, user) and how records name them."""

from __future__ import annotations

from approvals.people import Person, co_requesters_of, home_team, person_of, stored_in, unqualified


def test_a_name_is_a_person_of_its_written_team_or_of_the_records() -> None:
    assert person_of("U0ALICE", "T0HOME") == Person("T0HOME", "U0ALICE")
    assert person_of("T0PARTNER:U0ALICE", "T0HOME") == Person("T0PARTNER", "U0ALICE")
    assert unqualified("T0PARTNER:S0SRE") == unqualified("S0SRE") == "S0SRE"
    assert home_team(None, "T0ONE") == "T0ONE" and home_team("T0HOME", "T0ONE") == "T0HOME"


def test_records_name_their_own_people_bare_as_earlier_versions_did_and_others_with_their_team() -> None:
    alice = Person("T0HOME", "U0ALICE")
    assert stored_in("T0HOME", alice) == "U0ALICE"
    assert stored_in("T0PARTNER", alice) == "T0HOME:U0ALICE"
    assert person_of(stored_in("T0PARTNER", alice), "T0PARTNER") == alice


def test_co_requesters_are_each_person_once_without_the_requester() -> None:
    names = ["U0BOB", "T0HOME:U0BOB", "T0PARTNER:U0BOB", "U0ALICE", "T0HOME:U0CAROL"]
    requester = Person("T0HOME", "U0ALICE")
    assert co_requesters_of(names, "T0HOME", requester) == ["U0BOB", "T0PARTNER:U0BOB", "U0CAROL"]
    # The same names, read in another workspace's record: its own people bare, the home team's qualified.
    assert co_requesters_of(["T0HOME:U0BOB"], "T0PARTNER", Person("T0PARTNER", "U0BOB")) == ["T0HOME:U0BOB"]
