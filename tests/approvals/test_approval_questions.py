"""Outcome questions in the state machine, pure: who may give which answer (`approvals.outcomes.may_answer`),
what each answer settles, and the refusals on the wrong card, too late, from elsewhere, or a rerun not offered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from approvals import Tier
from approvals import approval_machine as machine
from approvals.approval_state import Answer, Audit, CheckAnswerer, PostInThread, Reply, Settle, Status, WakeUp
from approvals.outcomes import OutcomeAnswer
from tests.approvals.approval_cases import BOB, CAROL, MALLORY, NOW, REQUESTER, TEAM, approval, follow, question


def answer(voter: str, given: OutcomeAnswer, **changes: object) -> Answer:
    return replace(Answer(voter=voter, team=TEAM, answer=given), **changes)


@pytest.mark.parametrize(
    ("given", "status", "message"),
    [
        ("happened", Status.HAPPENED, "Recorded: it happened. The agent will be told it ran."),
        (
            "not_happened",
            Status.NOT_HAPPENED,
            "Recorded: it did not happen. The agent will be told, and may try once more.",
        ),
        ("rerun", Status.RERUN, "Recorded: run it again. The agent will be told."),
    ],
)
def test_an_approver_settles_the_question_with_one_answer(given: OutcomeAnswer, status: Status, message: str) -> None:
    done = follow(machine.answer(question(rerun=True), answer(BOB, given)))

    told = Reply(True, message, status)
    assert done.reply == told
    assert done.steps[:2] == [CheckAnswerer(answer(BOB, given)), Settle(status, (BOB,), "", reply=told)]
    assert done.approval is not None
    assert (done.approval.status, done.approval.decided_by, done.approval.decided_at) == (status, (BOB,), NOW)
    assert done.audits() == [Audit("resolved", "a-1:resolved", BOB, {"reason": "", "answer": given})]
    assert WakeUp() in done.steps


def test_the_requester_of_a_high_action_may_say_it_happened_but_not_that_it_did_not() -> None:
    said = follow(machine.answer(question(), answer(REQUESTER, "happened")))
    assert said.reply is not None and said.reply.accepted

    refused = follow(machine.answer(question(co_requesters=(CAROL,)), answer(CAROL, "not_happened")))
    refusal = "you requested this action, so someone else must say it did not happen"
    assert refused.reply == Reply(False, refusal, Status.PENDING)
    assert refused.audits() == [
        Audit("refused", "a-1:refused:inv-1", CAROL, {"reason": refusal, "answer": "not_happened", "team": TEAM})
    ]


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.MEDIUM])
def test_a_question_about_an_action_without_approval_is_for_its_requester(tier: Tier) -> None:
    asked = question(tier, rerun=True)
    for given in ("happened", "not_happened", "rerun"):
        done = follow(machine.answer(asked, answer(REQUESTER, given)))
        assert done.reply is not None and done.reply.accepted, given

    other = follow(machine.answer(asked, answer(BOB, "happened")))
    assert other.reply == Reply(
        False, f"this question is for whoever asked for the action (<@{REQUESTER}>)", Status.PENDING
    )


def test_someone_who_may_not_decide_the_action_may_not_answer_for_it() -> None:
    done = follow(machine.answer(question(), answer(MALLORY, "happened")))
    assert done.reply is not None and done.reply.message.startswith("you are not an approver for this")


def test_running_it_again_is_refused_when_the_tool_does_not_offer_it() -> None:
    done = follow(machine.answer(question(rerun=False), answer(BOB, "rerun")))
    refusal = "Running it again is not offered for this action: it may not be safe to repeat."
    assert done.reply == Reply(False, refusal, Status.PENDING)
    assert done.audits() == [
        Audit("refused", "a-1:refused:inv-1", BOB, {"reason": refusal, "answer": "rerun", "team": TEAM})
    ]


def test_an_answer_from_another_workspace_is_refused() -> None:
    done = follow(machine.answer(question(), answer(BOB, "happened", team="T0OTHER")))
    assert done.reply == Reply(False, "You are not in the workspace this question belongs to.", Status.PENDING)


def test_a_second_answer_is_told_the_first_one() -> None:
    answered = question(status=Status.NOT_HAPPENED, decided_by=(BOB,), decided_at=NOW)
    late = machine.answer(answered, answer(CAROL, "happened"))
    assert (late.effects, late.then) == ((), None)
    assert late.reply == Reply(False, f"Already answered (not happened) by <@{BOB}>.", Status.NOT_HAPPENED)


def test_an_answer_on_an_approval_card_or_a_missing_question_is_refused() -> None:
    assert machine.answer(approval(), answer(BOB, "happened")).reply == Reply(
        False, "This card asks for an approval: answer with Approve or Reject.", Status.PENDING
    )
    assert machine.answer(None, answer(BOB, "happened")).reply == Reply(
        False, "This question does not exist (any more).", Status.CANCELLED
    )


def test_an_unanswered_question_expires_reminds_and_names_itself_as_a_question() -> None:
    post, _ = machine.remind(question()).effects
    assert isinstance(post, PostInThread) and post.text.endswith(
        "the question whether `restart` happened expires soon."
    )

    done = follow(machine.expire(question()))
    assert done.approval is not None and done.approval.status is Status.EXPIRED
    assert done.audits() == [Audit("expired", "a-1:expired", "opsgate", {"reason": "nobody decided in time"})]
