"""An uncertain outcome goes to a person (`handlers.outcome_questions`): the executor opens an outcome question for
the people who may decide that action, waits for it as for an approval (a forged wake-up changes nothing), and
tells the model what the answer means: it ran; it did not run and may be tried once more; or, the second time,
it did not run and must not be tried again."""

from __future__ import annotations

import json
from pathlib import Path

from handlers.approval_wait import MAX_FORGED_WAKEUPS, POLL_CEILING, POLL_FIRST
from handlers.contracts import APPROVAL_CANCEL, APPROVAL_OPEN, APPROVAL_REWAIT, ApprovalRequest, ApprovalStatus
from testkit.fakes.restate_context import Sent
from tests.handlers.test_effect_kinds import answers, calls, world

ARGS = {"mode": "timeout"}


def questions(sent: list[Sent]) -> list[ApprovalRequest]:
    return [ApprovalRequest.model_validate_json(one.arg) for one in sent if one.handler == APPROVAL_OPEN]


async def test_an_unknown_outcome_opens_a_question_for_the_requester_of_an_action_without_approval(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as here:
        answers(here, "send", ARGS, (ApprovalStatus.HAPPENED, "U0ALICE"))
        result = await here.run("send", **ARGS)

    [question] = questions(here.steps.sent)
    assert question.kind == "outcome" and question.approval_id.startswith("q-")
    assert question.decision.approvers == ["U0ALICE"] and question.decision.quorum == 1
    assert question.decision.expiry_seconds == 24 * 3600, "a person's wait: it ends by its own expiry"
    assert question.rerun is False, "not safe to repeat: no *Run it again*"
    assert question.uncertainty.startswith("The tool could not tell whether the call took effect")  # over MCP
    assert question.action.tool == "send" and question.action.arguments == ARGS
    assert (result.is_error, result.error_kind) == (False, None)
    assert "did happen" in result.content and "what it returned is unknown" in result.content
    assert calls(here, "send") == 1
    assert any("a person is asked below whether it happened" in reply for reply in here.thread.replies)


async def test_not_happened_allows_one_more_try_and_a_second_unknown_asks_again_without_offering_another(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as here:
        answers(here, "send", ARGS, (ApprovalStatus.NOT_HAPPENED, "U0CAROL"), (ApprovalStatus.NOT_HAPPENED, "U0BOB"))
        first = await here.run("send", **ARGS)
        second = await here.run("send", **ARGS)  # the model calls it once more (a new call): unknown again

    assert first.is_error and "did NOT happen: it did not run. You may call it once more" in first.content
    assert second.is_error and "Its outcome was unknown twice, so do not call it again" in second.content
    assert calls(here, "send") == 2, "each call ran once; nothing ran blindly"
    first_question, second_question = questions(here.steps.sent)
    assert first_question.approval_id != second_question.approval_id


async def test_a_forged_wake_up_is_audited_and_the_wait_goes_on(tmp_path: Path) -> None:
    async with world(tmp_path) as here:
        here.stated.append(b"null")  # woken, but the question is not answered: someone else woke the task
        answers(here, "send", ARGS, (ApprovalStatus.HAPPENED, "U0CAROL"))
        result = await here.run("send", **ARGS)

    assert [event for event in here.events() if event == "forged"] == ["forged"]
    rewaits = [json.loads(sent.arg) for sent in here.steps.sent_to(APPROVAL_REWAIT)]
    assert len(rewaits) == 1, "the gate waits again on an awakeable only the object is told about"
    assert "<@U0CAROL>" in result.content and "did happen" in result.content


async def test_an_unanswered_question_leaves_the_outcome_unknown(tmp_path: Path) -> None:
    async with world(tmp_path) as here:
        answers(here, "send", ARGS, (ApprovalStatus.EXPIRED, ""))
        result = await here.run("send", **ARGS)

    assert (result.error_kind, result.unknown) == ("unknown_outcome", True)
    assert "before the question was expired: its outcome stays unknown. Do not call it again" in result.content


async def test_a_flood_of_forged_wake_ups_costs_latency_never_the_decision(tmp_path: Path) -> None:
    """After MAX_FORGED_WAKEUPS the gate listens to no wake-up (anyone with ingress access can send them): it asks
    the object on durable timers, backing off, and the people's answer still decides."""
    polls = 8
    async with world(tmp_path) as here:
        here.stated += [b"null"] * (MAX_FORGED_WAKEUPS + polls)  # every wake-up forged, then not answered yet
        answers(here, "send", ARGS, (ApprovalStatus.HAPPENED, "U0CAROL"))
        result = await here.run("send", **ARGS)

    assert [event for event in here.events() if event == "forged"] == ["forged"] * MAX_FORGED_WAKEUPS
    assert len(here.steps.sent_to(APPROVAL_REWAIT)) == MAX_FORGED_WAKEUPS - 1, "no new awakeable after the last"
    assert not here.steps.sent_to(APPROVAL_CANCEL), "the flood did not cancel the question"
    waits = here.steps.sleeps[-(polls + 1) :]
    assert waits[0] == POLL_FIRST and waits[-1] == POLL_CEILING and waits == sorted(waits), "timers back off"
    assert "<@U0CAROL>" in result.content and "did happen" in result.content
