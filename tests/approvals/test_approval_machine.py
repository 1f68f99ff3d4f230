"""The approval state machine, pure: opening, votes, quorum, confirmation, timers, cancel, void and card copies.

Each test follows a click or a timer through the machine's transitions as the durable shell would (`follow`),
then asserts the state, the effects in journal order and what the clicker is told.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from approvals import Tier
from approvals import approval_machine as machine
from approvals.approval_state import (
    Approval,
    Audit,
    Ballot,
    Card,
    CastVote,
    CheckApprovers,
    CheckVoter,
    PostCards,
    PostInThread,
    RefreshCards,
    Reply,
    Save,
    Schedule,
    Settle,
    Status,
    Vote,
    WakeUp,
)
from tests.approvals.approval_cases import (
    BOB,
    CAROL,
    DAVE,
    MALLORY,
    NOW,
    ONCALL,
    REQUESTER,
    TEAM,
    THREAD,
    approval,
    decision,
    follow,
    groups,
    question,
)

APPROVERS_COPY = Card("C0APPROVERS", "2.0")


def ballot(voter: str, *, approve: bool = True, **changes: object) -> Ballot:
    return replace(Ballot(voter=voter, team=TEAM, approve=approve), **changes)


def decided(status: Status, *by: str, **changes: object) -> Approval:
    return approval(status=status, decided_by=by, decided_at=NOW - 50, **changes)


# Opening


def test_opening_records_the_request_posts_the_card_checks_the_approvers_and_starts_both_timers() -> None:
    fresh = approval(cards=())
    done = follow(machine.open_approval(None, fresh, approvers_channel=None))

    (requested,) = done.audits()
    assert (requested.event, requested.key, requested.actor) == ("requested", "a-1:requested", REQUESTER)
    assert requested.detail == {
        "tool": "restart",
        "target": "api@prod",
        "tier": "high",
        "action_hash": "h" * 64,
        "rule_hash": "r" * 64,
        "approvers": [BOB, ONCALL],
        "requester": REQUESTER,
        "team": "T0OPS",
        "channel": "C0OPS",
        "thread_ts": "1.0",
    }
    with_card = replace(fresh, cards=(THREAD,))
    assert done.steps == [
        Save(fresh),
        requested,
        PostCards(None),
        Save(with_card),
        CheckApprovers(),
        Schedule("remind", 3000),
        Schedule("expire", 3600),
    ]
    assert done.approval == with_card and done.reply is None


def test_a_copy_goes_to_the_approvers_channel_only_when_it_is_another_channel() -> None:
    fresh = approval(cards=())
    assert machine.open_approval(None, fresh, approvers_channel="C0APPROVERS").then == PostCards("C0APPROVERS")
    assert machine.open_approval(None, fresh, approvers_channel="C0OPS").then == PostCards(None)

    done = follow(machine.open_approval(None, fresh, approvers_channel="C0APPROVERS"), posted=[THREAD, APPROVERS_COPY])
    assert done.approval is not None and done.approval.cards == (THREAD, APPROVERS_COPY)


def test_a_replayed_open_changes_nothing() -> None:
    first = approval(votes=(Vote(BOB, True, "", NOW),))
    again = machine.open_approval(first, approval(cards=()), approvers_channel=None)
    assert (again.approval, again.effects, again.then) == (first, (), None)


@pytest.mark.parametrize("reminder", [None, 0, 3600, 7200])
def test_no_reminder_without_one_or_when_it_would_come_at_or_before_the_opening(reminder: int | None) -> None:
    opened = replace(approval(), decision=decision(reminder_seconds=reminder))
    assert machine.checked(opened, "").effects == (Schedule("expire", 3600),)


def test_an_approval_nobody_may_give_is_rejected_at_once_and_the_task_woken() -> None:
    only_the_requester = replace(approval(cards=()), decision=decision(approvers=[REQUESTER]))
    done = follow(machine.open_approval(None, only_the_requester, approvers_channel=None))

    reason = (
        "This approval cannot be given: it needs 1 approver besides the requester, but only 0 eligible people "
        f"are left (approvers: <@{REQUESTER}>)"
    )
    assert Settle(Status.REJECTED, (), reason) in done.steps
    assert not any(isinstance(step, Schedule) for step in done.steps)
    assert done.approval is not None
    assert (done.approval.status, done.approval.decided_by, done.approval.reason) == (Status.REJECTED, (), reason)
    assert done.steps[-4:] == [Save(done.approval), WakeUp(), done.audits()[-1], RefreshCards()]
    rejected = done.audits()[-1]
    assert (rejected.event, rejected.key, rejected.actor, rejected.detail) == (
        "rejected",
        "a-1:rejected",
        "opsgate",
        {"reason": reason},
    )


def test_critical_needs_two_eligible_people_besides_the_requester_and_co_requesters() -> None:
    critical = approval(Tier.CRITICAL)
    assert machine.unsatisfiable(critical, groups()) == ""  # Bob, Carol, Dave
    assert "needs 2 approvers" in machine.unsatisfiable(replace(critical, co_requesters=(CAROL, DAVE)), groups())
    assert "needs 2 approvers" in machine.unsatisfiable(critical, groups({}))  # the group is not known yet
    nobody = replace(critical, decision=decision(Tier.CRITICAL, approvers=[]))
    assert machine.unsatisfiable(nobody, groups()).startswith("nobody may approve it")


def test_an_outcome_question_is_never_unsatisfiable_it_waits_for_its_timers() -> None:
    asked = question(cards=())
    done = follow(machine.open_approval(None, asked, approvers_channel=None))

    assert done.audits()[0].detail["kind"] == "outcome"
    assert CheckApprovers() not in done.steps
    assert done.steps[-2:] == [Schedule("remind", 3000), Schedule("expire", 3600)]


# Votes


def test_one_approver_approves_a_high_action() -> None:
    pending = approval()
    done = follow(machine.vote(pending, ballot(BOB, reason="looks right")))

    voted = replace(pending, votes=(Vote(BOB, True, "looks right", NOW),))
    final = replace(voted, status=Status.APPROVED, decided_by=(BOB,), decided_at=NOW)
    vote_audit = Audit("vote", f"a-1:vote:{BOB}", BOB, {"approve": True, "reason": "looks right"})
    approved = Audit("approved", "a-1:approved", BOB, {"reason": ""})
    told = Reply(True, "Approved. The action will run now.", Status.APPROVED)
    assert done.steps == [
        CheckVoter(ballot(BOB, reason="looks right")),
        CastVote(ballot(BOB, reason="looks right")),
        Save(voted),
        vote_audit,
        Settle(Status.APPROVED, (BOB,), "", reply=told),
        Save(final),
        WakeUp(),
        approved,
        RefreshCards(),
    ]
    assert (done.approval, done.reply) == (final, told)


def test_a_member_of_an_approver_group_may_approve() -> None:
    done = follow(machine.vote(approval(), ballot(CAROL)))
    assert done.approval is not None and done.approval.decided_by == (CAROL,)


def test_critical_needs_two_distinct_approvers_the_first_vote_waits_for_the_second() -> None:
    pending = approval(Tier.CRITICAL)
    first = follow(machine.vote(pending, ballot(BOB, confirmation="api@prod")))

    assert first.reply == Reply(True, "Vote recorded; 1 more approval(s) needed.", Status.PENDING)
    assert first.steps[-1] == RefreshCards() and WakeUp() not in first.steps
    assert first.approval is not None and first.approval.status is Status.PENDING

    second = follow(machine.vote(first.approval, ballot(CAROL, confirmation="api@prod")), now=NOW + 30)
    assert second.reply == Reply(True, "Approved. The action will run now.", Status.APPROVED)
    assert second.approval is not None
    assert (second.approval.status, second.approval.decided_by) == (Status.APPROVED, (BOB, CAROL))
    assert [v.at for v in second.approval.votes] == [NOW, NOW + 30]
    assert second.audits()[-1] == Audit("approved", "a-1:approved", BOB, {"reason": ""})


@pytest.mark.parametrize("co_requesters", [(), (CAROL,)])
def test_a_requester_may_not_approve_their_own_action(co_requesters: tuple[str, ...]) -> None:
    pending = approval(co_requesters=co_requesters)
    voter = co_requesters[0] if co_requesters else REQUESTER
    done = follow(machine.vote(pending, ballot(voter)), invocation="inv-7")

    refusal = "you requested this action, so someone else must approve it"
    assert done.reply == Reply(False, refusal, Status.PENDING)
    assert done.steps == [
        CheckVoter(ballot(voter)),
        Audit("refused", "a-1:refused:inv-7", voter, {"reason": refusal, "team": TEAM}),
    ]
    assert done.approval == pending


def test_a_requester_may_withdraw_their_request_by_rejecting_it() -> None:
    done = follow(machine.vote(approval(), ballot(REQUESTER, approve=False, reason="wrong service")))
    assert done.reply == Reply(True, "Rejected. The agent will be told why.", Status.REJECTED)


def test_someone_who_is_no_approver_is_refused_and_told_who_is() -> None:
    done = follow(machine.vote(approval(), ballot(MALLORY)))
    refusal = f"you are not an approver for this (needs: <@{BOB}>, <!subteam^{ONCALL}>)"
    assert done.reply == Reply(False, refusal, Status.PENDING)
    assert done.audits() == [Audit("refused", "a-1:refused:inv-1", MALLORY, {"reason": refusal, "team": TEAM})]

    looking_up = follow(machine.vote(approval(), ballot(MALLORY)), directory=groups({}))
    assert looking_up.reply is not None and looking_up.reply.message.endswith("still being looked up, try again soon")


def test_a_vote_from_another_workspace_is_refused_even_from_an_approver() -> None:
    done = follow(machine.vote(approval(), ballot(BOB, team="T0OTHER")))
    refusal = "You are not in the workspace this approval belongs to."
    assert done.reply == Reply(False, refusal, Status.PENDING)
    assert done.approval is not None and done.approval.votes == ()
    assert done.audits() == [Audit("refused", "a-1:refused:inv-1", BOB, {"reason": refusal, "team": "T0OTHER"})]


def test_another_workspaces_approval_is_decided_by_the_people_the_policy_names_with_that_team() -> None:
    """A person is (team, user): a bare id in the policy is the home workspace's person, `T…:U…` another's."""
    partner = "T0PARTNER"
    asked = decision(approvers=[BOB, f"{partner}:U0ERIN", f"{partner}:S0SRE"])
    pending = approval(decision=asked, team_id=partner, home_team=TEAM, requester="U0ERIN", co_requesters=())
    directory = groups({f"{partner}:S0SRE": frozenset({"U0FRANK"})})

    def reply(voter: str, *, requester: str = "U0ERIN") -> Reply | None:
        asking = replace(pending, requester=requester)
        return follow(machine.vote(asking, ballot(voter, team=partner)), directory=directory).reply

    approved = Reply(True, "Approved. The action will run now.", Status.APPROVED)
    assert reply("U0FRANK") == approved  # in the partner's group
    assert reply("U0ERIN", requester="U0GINA") == approved  # named with the partner's team
    own = reply("U0ERIN")
    assert own is not None and own.message == "you requested this action, so someone else must approve it"
    for voter in ("U0GINA", BOB):  # the bare BOB in the policy is the home workspace's, not the partner's U0BOB
        nobody = reply(voter)
        assert nobody is not None and nobody.message.startswith("you are not an approver for this")
    home_bob = follow(machine.vote(pending, ballot(BOB)), directory=directory).reply
    assert home_bob is not None and home_bob.message == "You are not in the workspace this approval belongs to."


def test_nobody_votes_twice() -> None:
    once = approval(Tier.CRITICAL, votes=(Vote(BOB, True, "", NOW),))
    done = follow(machine.vote(once, ballot(BOB, confirmation="api@prod")))
    assert done.reply == Reply(False, "You already voted on this approval.", Status.PENDING)
    assert done.approval == once


def test_a_rejection_with_its_reason_ends_the_approval_at_once() -> None:
    done = follow(machine.vote(approval(Tier.CRITICAL), ballot(BOB, approve=False, reason="not during the sale")))

    assert done.reply == Reply(True, "Rejected. The agent will be told why.", Status.REJECTED)
    assert done.approval is not None
    assert (done.approval.status, done.approval.decided_by, done.approval.reason) == (
        Status.REJECTED,
        (BOB,),
        "not during the sale",
    )
    assert [a.event for a in done.audits()] == ["vote", "rejected"]
    assert done.audits()[-1] == Audit("rejected", "a-1:rejected", BOB, {"reason": "not during the sale"})
    assert WakeUp() in done.steps


@pytest.mark.parametrize("typed", [None, "", "api@staging", "api"])
def test_approving_a_critical_action_needs_its_target_typed_exactly(typed: str | None) -> None:
    done = follow(machine.vote(approval(Tier.CRITICAL), ballot(BOB, confirmation=typed)))
    refusal = "To approve, type the exact target name `api@prod` in the confirmation."
    assert done.reply == Reply(False, refusal, Status.PENDING)
    assert done.audits() == [Audit("refused", "a-1:refused:inv-1", BOB, {"reason": refusal, "team": TEAM})]


def test_the_confirmation_is_trimmed_names_the_tool_without_a_target_and_a_rejection_needs_none() -> None:
    trimmed = follow(machine.vote(approval(Tier.CRITICAL), ballot(BOB, confirmation="  api@prod ")))
    assert trimmed.reply is not None and trimmed.reply.accepted

    no_target = approval(Tier.CRITICAL, action=approval().action.model_copy(update={"target": None}))
    by_tool = follow(machine.vote(no_target, ballot(BOB, confirmation="api@prod")))
    assert by_tool.reply is not None and "`restart`" in by_tool.reply.message

    rejecting = follow(machine.vote(approval(Tier.CRITICAL), ballot(BOB, approve=False)))
    assert rejecting.reply is not None and rejecting.reply.accepted


@pytest.mark.parametrize(
    ("status", "by", "message"),
    [
        (Status.APPROVED, (BOB,), f"Already approved by <@{BOB}>."),
        (Status.REJECTED, (BOB,), f"Already rejected by <@{BOB}>."),
        (Status.EXPIRED, (), "Already expired by opsgate."),
        (Status.CANCELLED, (REQUESTER,), f"Already cancelled by <@{REQUESTER}>."),
        (Status.VOIDED, (BOB, CAROL), f"Already voided by <@{BOB}>, <@{CAROL}>."),
    ],
)
def test_a_vote_after_the_outcome_is_answered_politely_and_changes_nothing(
    status: Status, by: tuple[str, ...], message: str
) -> None:
    final = decided(status, *by)
    late = machine.vote(final, ballot(CAROL))
    assert (late.approval, late.effects, late.then) == (final, (), None)
    assert late.reply == Reply(False, message, status)


def test_a_vote_on_a_missing_approval_or_on_an_outcome_question_is_refused() -> None:
    assert machine.vote(None, ballot(BOB)).reply == Reply(
        False, "This approval does not exist (any more).", Status.CANCELLED
    )
    on_question = machine.vote(question(), ballot(BOB))
    assert on_question.reply == Reply(
        False, "This card asks whether an action happened: answer with its buttons.", Status.PENDING
    )
    assert on_question.then is None


# Timers, cancel and void


def test_the_reminder_pings_the_approvers_unless_decided() -> None:
    reminded = machine.remind(approval())
    text = f":alarm_clock: <@{BOB}> <!subteam^{ONCALL}>: the approval for `restart` expires soon."
    assert reminded.effects == (PostInThread("reminder", text), Audit("reminded", "a-1:reminded", "opsgate", {}))

    quiet = machine.remind(approval(ping_groups=False))
    assert quiet.effects[0] == PostInThread(
        "reminder", f":alarm_clock: <@{BOB}> group `{ONCALL}`: the approval for `restart` expires soon."
    )
    assert machine.remind(decided(Status.APPROVED, BOB)).effects == ()
    assert machine.remind(None).effects == ()


def test_expiry_ends_a_pending_approval_and_escalates_when_the_policy_says_to_whom() -> None:
    done = follow(machine.expire(approval()), now=NOW + 3600)
    assert done.approval is not None
    assert (done.approval.status, done.approval.decided_by, done.approval.decided_at) == (
        Status.EXPIRED,
        (),
        NOW + 3600,
    )
    assert done.audits() == [Audit("expired", "a-1:expired", "opsgate", {"reason": "nobody decided in time"})]
    assert WakeUp() in done.steps

    escalating = approval(decision=decision(escalate_to=DAVE))
    escalated = follow(machine.expire(escalating))
    text = f":rotating_light: <@{DAVE}>: the approval for `restart` expired undecided."
    assert escalated.steps[-2:] == [
        PostInThread("escalation", text),
        Audit("escalated", "a-1:escalated", "opsgate", {"to": DAVE}),
    ]


def test_expiry_after_the_outcome_does_nothing() -> None:
    for final in (decided(Status.APPROVED, BOB), decided(Status.CANCELLED, REQUESTER)):
        late = machine.expire(final)
        assert (late.effects, late.then) == ((), None)
    assert machine.expire(None).then is None


def test_cancelling_a_pending_approval_ends_it_and_says_so() -> None:
    done = follow(machine.cancel(approval(), REQUESTER))
    assert done.reply == Reply(True, "", Status.CANCELLED)
    assert done.approval is not None
    assert (done.approval.status, done.approval.decided_by, done.approval.reason) == (
        Status.CANCELLED,
        (REQUESTER,),
        "cancelled",
    )
    assert done.audits() == [Audit("cancelled", "a-1:cancelled", REQUESTER, {"reason": "cancelled"})]


def test_cancelling_a_decided_or_missing_approval_is_not_accepted() -> None:
    late = machine.cancel(decided(Status.APPROVED, BOB), REQUESTER)
    assert (late.effects, late.then, late.reply) == ((), None, Reply(False, "", Status.APPROVED))
    assert machine.cancel(None, REQUESTER).reply == Reply(False, "", Status.CANCELLED)


def test_only_an_approved_approval_is_voided_keeping_who_decided_and_when() -> None:
    approved = decided(Status.APPROVED, BOB)
    voided = machine.void(approved, "the arguments changed after approval")
    after = replace(approved, status=Status.VOIDED, reason="the arguments changed after approval")
    assert voided.effects == (
        Save(after),
        Audit("voided", "a-1:voided", "opsgate", {"reason": "the arguments changed after approval"}),
        RefreshCards(),
    )
    for other in (approval(), decided(Status.REJECTED, BOB), decided(Status.EXPIRED), after):
        assert machine.void(other, "changed").effects == ()
    assert machine.void(None, "changed").effects == ()


def test_a_task_waiting_again_is_woken_at_once_only_when_the_outcome_came() -> None:
    assert machine.rewait(decided(Status.APPROVED, BOB)).effects == (Save(decided(Status.APPROVED, BOB)), WakeUp())
    assert machine.rewait(approval()).effects == (Save(approval()),)


def test_a_card_is_shown_to_its_workspace_and_to_the_system_only() -> None:
    assert machine.visible_to(approval(), TEAM) and machine.visible_to(approval(), None)
    assert not machine.visible_to(approval(), "T0OTHER")
    assert machine.visible_to(approval(team_id=None), "T0OTHER")


# A second copy of the card


def test_a_clicked_copy_the_state_does_not_list_is_adopted_and_edited_with_the_others() -> None:
    second = Card("C0OPS", "1.5")
    done = follow(machine.vote(approval(), ballot(BOB, card=second)))
    assert done.steps[0] == Save(approval(cards=(THREAD, second)))
    assert done.approval is not None and done.approval.cards == (THREAD, second)
    assert done.steps[-1] == RefreshCards()  # the decision edits both copies


def test_a_copy_clicked_after_the_outcome_is_adopted_and_edited_at_once() -> None:
    second = Card("C0OPS", "1.5")
    late = machine.vote(decided(Status.APPROVED, BOB), ballot(CAROL, card=second))
    adopted = decided(Status.APPROVED, BOB, cards=(THREAD, second))
    assert late.effects == (Save(adopted), RefreshCards())
    assert late.reply == Reply(False, f"Already approved by <@{BOB}>.", Status.APPROVED)


@pytest.mark.parametrize("card", [None, THREAD, Card("C0ELSEWHERE", "9.0")])
def test_a_known_card_or_one_in_a_channel_the_approval_never_posted_to_is_not_adopted(card: Card | None) -> None:
    assert machine.adopt(approval(), card).effects == ()
    assert machine.adopt(approval(), card).approval == approval()
