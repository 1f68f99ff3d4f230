"""The approval state machine: every rule of one approval's life, as pure transitions over its state.

Open (refused at once when nobody may approve it), vote (who may, one vote each, quorum, typed confirmation),
answer an outcome question, remind, expire (and escalate), cancel, void an approved one, and adopt a card copy
the state does not list. Each transition returns the new state, the effects in the order the shell journals them
(`approvals.approval_state`) and what the clicker is told. Time and authorization come in as arguments: the shell
reads them from its journal, so a replay reaches the same transitions.

The first decisive outcome wins: once final, an approval takes no vote or answer, and its timers do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agents.slack_text import approver_mention, inline_code
from approvals.approval_state import (
    Answer,
    Approval,
    Audit,
    Ballot,
    Card,
    CastVote,
    CheckAnswerer,
    CheckApprovers,
    CheckVoter,
    Effect,
    PostCards,
    PostInThread,
    RefreshCards,
    Reply,
    Save,
    Schedule,
    Settle,
    Status,
    Transition,
    Vote,
    WakeUp,
)
from approvals.authz import UserGroupDirectory, eligible_approvers, may_vote, unsatisfiable_reason
from approvals.outcomes import may_answer
from approvals.people import Person
from approvals.risk import confirmation_phrase

__all__ = [
    "adopt",
    "answer",
    "answerer_refusal",
    "cancel",
    "cast_vote",
    "checked",
    "expire",
    "judge_answer",
    "judge_vote",
    "open_approval",
    "posted",
    "remind",
    "rewait",
    "settle",
    "unsatisfiable",
    "visible_to",
    "void",
    "vote",
    "voter_refusal",
]

_ANSWERED = {
    Status.HAPPENED: "Recorded: it happened. The agent will be told it ran.",
    Status.NOT_HAPPENED: "Recorded: it did not happen. The agent will be told, and may try once more.",
    Status.RERUN: "Recorded: run it again. The agent will be told.",
}


def open_approval(existing: Approval | None, fresh: Approval, *, approvers_channel: str | None) -> Transition:
    """Record the request and post its card (a copy to the approvers' channel when it is another one). A replayed
    or duplicate open changes nothing: the first one stands."""
    if existing is not None:
        return Transition(existing)
    decision, action = fresh.decision, fresh.action
    detail: dict[str, object] = {
        "tool": action.tool,
        "target": action.target,
        "tier": decision.tier.value,
        "action_hash": fresh.action_hash,
        "rule_hash": decision.rule_hash,
        "approvers": list(decision.approvers),
        "requester": fresh.requester,
        **({"team": fresh.team_id} if fresh.team_id else {}),
        "channel": fresh.channel,
        "thread_ts": fresh.thread_ts,
        **({"kind": "outcome"} if fresh.kind == "outcome" else {}),
    }
    also_to = approvers_channel if approvers_channel and approvers_channel != fresh.channel else None
    requested = Audit("requested", f"{fresh.approval_id}:requested", fresh.requester, detail)
    return Transition(fresh, (Save(fresh), requested), then=PostCards(also_to))


def posted(approval: Approval, cards: Sequence[Card]) -> Transition:
    """The cards are up. An outcome question can always be answered ("it happened", by the requester too), so it
    just waits for its timers; an approval first checks that someone may give it."""
    approval = replace(approval, cards=tuple(cards))
    if approval.kind == "outcome":
        return Transition(approval, (Save(approval), *_timers(approval)))
    return Transition(approval, (Save(approval),), then=CheckApprovers())


def unsatisfiable(approval: Approval, directory: UserGroupDirectory) -> str:
    """Why nobody can reach the quorum ("" when someone can); read inside the shell's journaled step."""
    decision = approval.decision
    requester, co_requesters, home = approval.people()
    eligible = eligible_approvers(decision.approvers, directory, home)
    return unsatisfiable_reason(decision, requester, eligible, co_requesters) or ""


def checked(approval: Approval, impossible: str) -> Transition:
    """Reject an approval nobody may give at once; otherwise start its reminder and expiry timers."""
    if impossible:
        return Transition(approval, then=Settle(Status.REJECTED, (), f"This approval cannot be given: {impossible}"))
    return Transition(approval, _timers(approval))


def adopt(approval: Approval, card: Card | None) -> Transition:
    """A clicked card the state does not list is a second copy: a worker killed while Slack was posting the card,
    after Slack had posted it, posts it again on replay (chat.postMessage takes no idempotency key). From the
    first click on it, that copy is edited with the others, so none stays pending for ever."""
    known_channels = {ref.channel for ref in approval.cards}
    if card is None or card in approval.cards or card.channel not in known_channels:
        return Transition(approval)
    approval = replace(approval, cards=(*approval.cards, card))
    return Transition(approval, (Save(approval), RefreshCards()) if approval.status.final else (Save(approval),))


def vote(approval: Approval | None, ballot: Ballot) -> Transition:
    """A click on Approve or Reject: closed approvals answer at once, others check the voter (`CheckVoter`)."""
    if approval is None:
        return Transition(None, reply=Reply(False, "This approval does not exist (any more).", Status.CANCELLED))
    adopted = adopt(approval, ballot.card)
    approval = _present(adopted)
    if approval.status.final:
        message = f"Already {approval.status.value} by {_who(approval)}."
        return replace(adopted, reply=Reply(False, message, approval.status))
    if approval.kind == "outcome":
        message = "This card asks whether an action happened: answer with its buttons."
        return replace(adopted, reply=Reply(False, message, approval.status))
    return replace(adopted, then=CheckVoter(ballot))


def voter_refusal(approval: Approval, ballot: Ballot, directory: UserGroupDirectory) -> str:
    """Who may vote (`approvals.may_vote`): why this voter may not ("" when they may); journaled by the shell."""
    decision = approval.decision
    requester, co_requesters, home = approval.people(ballot.team)
    refusal = may_vote(
        Person(ballot.team, ballot.voter),
        requester=requester,
        tier=decision.tier,
        approvers=decision.approvers,
        directory=directory,
        home=home,
        rejecting=not ballot.approve,
        co_requesters=co_requesters,
    )
    return refusal.reason if refusal is not None else ""


def judge_vote(approval: Approval, ballot: Ballot, refusal: str, invocation_id: str) -> Transition:
    """Refuse a vote from another workspace, a second vote, or an approval without the typed confirmation; the
    refusal is audited once per click (`invocation_id`). Otherwise cast it (`CastVote`)."""
    if approval.team_id and ballot.team != approval.team_id:
        refusal = "You are not in the workspace this approval belongs to."
    if not refusal and any(v.voter == ballot.voter for v in approval.votes):
        refusal = "You already voted on this approval."
    phrase = confirmation_phrase(approval.action)
    if not refusal and ballot.approve and approval.decision.confirm and (ballot.confirmation or "").strip() != phrase:
        refusal = f"To approve, type the exact target name {inline_code(phrase, 200)} in the confirmation."
    if refusal:
        key = f"{approval.approval_id}:refused:{invocation_id}"
        refused = Audit("refused", key, ballot.voter, {"reason": refusal, "team": ballot.team})
        return Transition(approval, (refused,), Reply(False, refusal, approval.status))
    return Transition(approval, then=CastVote(ballot))


def cast_vote(approval: Approval, ballot: Ballot, now: float) -> Transition:
    """Record the vote; a rejection ends the approval, and so does the vote that reaches the quorum."""
    approval = replace(approval, votes=(*approval.votes, Vote(ballot.voter, ballot.approve, ballot.reason, now)))
    key = f"{approval.approval_id}:vote:{ballot.voter}"
    recorded = (Save(approval), Audit("vote", key, ballot.voter, {"approve": ballot.approve, "reason": ballot.reason}))
    if not ballot.approve:
        told = Reply(True, "Rejected. The agent will be told why.", Status.REJECTED)
        return Transition(approval, recorded, then=Settle(Status.REJECTED, (ballot.voter,), ballot.reason, reply=told))
    approvers = tuple(v.voter for v in approval.votes if v.approve)
    quorum = approval.decision.quorum
    if len(approvers) >= quorum:
        told = Reply(True, "Approved. The action will run now.", Status.APPROVED)
        return Transition(approval, recorded, then=Settle(Status.APPROVED, approvers, "", reply=told))
    missing = quorum - len(approvers)
    told = Reply(True, f"Vote recorded; {missing} more approval(s) needed.", approval.status)
    return Transition(approval, (*recorded, RefreshCards()), told)


def answer(approval: Approval | None, given: Answer) -> Transition:
    """A click on an outcome question's answer: closed questions answer at once, others check who answered."""
    if approval is None:
        return Transition(None, reply=Reply(False, "This question does not exist (any more).", Status.CANCELLED))
    adopted = adopt(approval, given.card)
    approval = _present(adopted)
    if approval.kind != "outcome":
        message = "This card asks for an approval: answer with Approve or Reject."
        return replace(adopted, reply=Reply(False, message, approval.status))
    if approval.status.final:
        said = approval.status.value.replace("_", " ")
        message = f"Already answered ({said}) by {_who(approval)}."
        return replace(adopted, reply=Reply(False, message, approval.status))
    return replace(adopted, then=CheckAnswerer(given))


def answerer_refusal(approval: Approval, given: Answer, directory: UserGroupDirectory) -> str:
    """Who may say what (`approvals.outcomes.may_answer`): "" when they may; journaled by the shell."""
    decision = approval.decision
    requester, co_requesters, home = approval.people(given.team)
    refusal = may_answer(
        Person(given.team, given.voter),
        given.answer,
        requester=requester,
        tier=decision.tier,
        approvers=decision.approvers,
        directory=directory,
        home=home,
        co_requesters=co_requesters,
    )
    return refusal.reason if refusal is not None else ""


def judge_answer(approval: Approval, given: Answer, refusal: str, invocation_id: str) -> Transition:
    """Refuse an answer from another workspace, or a rerun the tool does not offer; else the answer settles it."""
    if approval.team_id and given.team != approval.team_id:
        refusal = "You are not in the workspace this question belongs to."
    if not refusal and given.answer == "rerun" and not approval.rerun:
        refusal = "Running it again is not offered for this action: it may not be safe to repeat."
    if refusal:
        key = f"{approval.approval_id}:refused:{invocation_id}"
        refused = Audit("refused", key, given.voter, {"reason": refusal, "answer": given.answer, "team": given.team})
        return Transition(approval, (refused,), Reply(False, refusal, approval.status))
    status = Status(given.answer)
    told = Reply(True, _ANSWERED[status], status)
    return Transition(approval, then=Settle(status, (given.voter,), "", reply=told))


def settle(approval: Approval, outcome: Settle, now: float) -> Transition:
    """End the approval: store the outcome, wake the waiting task, audit it and edit the cards."""
    approval = replace(approval, status=outcome.status, decided_by=outcome.by, decided_at=now, reason=outcome.reason)
    event = "resolved" if outcome.status.answered else outcome.status.value  # the audit's word for an answer
    detail = {"reason": outcome.reason, **({"answer": outcome.status.value} if outcome.status.answered else {})}
    audit = Audit(event, f"{approval.approval_id}:{event}", outcome.by[0] if outcome.by else "opsgate", detail)
    return Transition(approval, (Save(approval), WakeUp(), audit, RefreshCards(), *outcome.after), outcome.reply)


def remind(approval: Approval | None) -> Transition:
    """The reminder timer: ping the approvers in the thread, unless the approval was decided meanwhile."""
    if approval is None or approval.status.final:
        return Transition(approval)
    names = " ".join(_mention(approval, a) for a in approval.decision.approvers) or "approvers"
    text = f":alarm_clock: {names}: {approval.what()} expires soon."
    reminded = Audit("reminded", f"{approval.approval_id}:reminded", "opsgate", {})
    return Transition(approval, (PostInThread("reminder", text), reminded))


def expire(approval: Approval | None) -> Transition:
    """The expiry timer: nobody decided in time; tell whom the policy escalates to, if anyone."""
    if approval is None or approval.status.final:
        return Transition(approval)
    after: tuple[Effect, ...] = ()
    target = approval.decision.escalate_to
    if target:
        text = f":rotating_light: {_mention(approval, target)}: {approval.what()} expired undecided."
        escalated = Audit("escalated", f"{approval.approval_id}:escalated", "opsgate", {"to": target})
        after = (PostInThread("escalation", text), escalated)
    return Transition(approval, then=Settle(Status.EXPIRED, (), "nobody decided in time", after))


def cancel(approval: Approval | None, by: str) -> Transition:
    """A person cancelled the task: a pending approval ends cancelled (accepted); a decided one stays as it is."""
    if approval is None or approval.status.final:
        return Transition(approval, reply=Reply(False, "", approval.status if approval else Status.CANCELLED))
    told = Reply(True, "", Status.CANCELLED)
    return Transition(approval, then=Settle(Status.CANCELLED, (by,), "cancelled", reply=told))


def void(approval: Approval | None, reason: str) -> Transition:
    """The gate found the action or its rule changed after approval: only an approved approval becomes void."""
    if approval is None or approval.status is not Status.APPROVED:
        return Transition(approval)
    approval = replace(approval, status=Status.VOIDED, reason=reason)
    voided = Audit("voided", f"{approval.approval_id}:voided", "opsgate", {"reason": reason})
    return Transition(approval, (Save(approval), voided, RefreshCards()))


def rewait(approval: Approval) -> Transition:
    """The task waits again on a new awakeable (saved by the shell): wake it at once if the decision came."""
    return Transition(approval, (Save(approval), WakeUp()) if approval.status.final else (Save(approval),))


def visible_to(approval: Approval, team: str | None) -> bool:
    """Whether a person of `team` (None: no person, the system) may read the card."""
    return not approval.team_id or team is None or team == approval.team_id


def _timers(approval: Approval) -> tuple[Effect, ...]:
    decision = approval.decision
    expire_in = decision.expiry_seconds
    timers: list[Effect] = []
    if decision.reminder_seconds and decision.reminder_seconds < expire_in:
        timers.append(Schedule("remind", expire_in - decision.reminder_seconds))
    timers.append(Schedule("expire", expire_in))
    return tuple(timers)


def _present(transition: Transition) -> Approval:
    if transition.approval is None:
        raise ValueError("a transition over an approval lost it")
    return transition.approval


def _who(approval: Approval) -> str:
    return ", ".join(f"<@{u}>" for u in approval.decided_by) or "opsgate"


def _mention(approval: Approval, principal: str) -> str:
    return approver_mention(principal, ping_groups=approval.ping_groups)
