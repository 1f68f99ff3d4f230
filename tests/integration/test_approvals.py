"""Risk-tiered approvals end to end: real restate-server, the worker, the bot, the sandbox as Slack."""

from __future__ import annotations

import asyncio
import json

import pytest

from approvals.audit import AuditLog, AuditRecord
from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from handlers.contracts import FreezeChange, task_id_for
from handlers.contracts.envelope import Actor
from opsgate.db import create_db_engine
from tests.integration.flows import attach, wait_for_lines
from tests.integration.harness import Stack

pytestmark = pytest.mark.integration

APPROVE, REJECT = "approval_approve", "approval_reject"


async def request_action(stack: Stack, name: str, tool: str, user: str = "U0ALICE") -> str:
    reply = await stack.sandbox.send_slash_command(user_id=user, channel_id="C0OPS", text=f"[act:{name}:{tool}] go")
    assert reply.status == 200, reply
    return task_id_for("T0SANDBOX", reply.trigger_id)


def card_for(state: SandboxState, name: str, needle: str = "Approval needed") -> Message | None:
    for message in state.messages_in("C0OPS"):
        text = json.dumps(message.blocks)
        if needle in text and (f"`{name}@" in text or f"`{name}`" in text):
            return message
    return None


async def wait_card(stack: Stack, name: str, needle: str = "approval_approve") -> Message:
    found: Message = await stack.sandbox.wait_for(lambda s: card_for(s, name, needle), timeout=20)
    return found


async def latest_ephemeral(stack: Stack, user: str, needle: str) -> str:
    def find(state: SandboxState) -> str | None:
        return next((e.text for e in reversed(state.ephemerals_for("C0OPS", user)) if needle in e.text), None)

    text: str = await stack.sandbox.wait_for(find, timeout=15)
    return text


def executions(stack: Stack, name: str) -> int:
    return len(stack.probe_lines(name, "exec"))


def audit_rows(stack: Stack, task_id: str) -> list[AuditRecord]:
    database_url = f"sqlite:///{stack.config_file.parent / 'opsgate.db'}"
    return AuditLog(create_db_engine(database_url)).rows(task_id)


def audit_events(stack: Stack, task_id: str) -> list[str]:
    """The approval trail of a task; guardrail verdicts have their own assertions."""
    return [row.event for row in audit_rows(stack, task_id) if row.event != "guardrail"]


async def click(stack: Stack, user: str, card: Message, action: str) -> None:
    reply = await stack.sandbox.click_button(user_id=user, channel_id="C0OPS", message_ts=card.ts, action_id=action)
    assert reply.status == 200, reply


async def open_modal(stack: Stack, user: str, card: Message, action: str) -> str:
    """Click a button that opens a modal, and return the id of the modal this click opened."""
    before = set(stack.sandbox.state.views)
    await click(stack, user, card, action)

    def find(state: SandboxState) -> str | None:
        return next((v.id for v in state.views.values() if v.user == user and v.id not in before), None)

    view_id: str = await stack.sandbox.wait_for(find, timeout=10)
    return view_id


async def submit(stack: Stack, user: str, view_id: str, text: str) -> None:
    reply = await stack.sandbox.submit_view(user_id=user, view_id=view_id, values={"answer": {"value": text}})
    assert reply.status == 200, reply


async def test_approve_runs_the_action_once_and_updates_the_card(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    assert executions(stack, probe_name) == 0  # a high action waits
    assert f"{probe_name}@staging" in json.dumps(card.blocks)
    assert f"would restart 2 pods of {probe_name} in staging" in json.dumps(card.blocks)  # the tool's dry run
    await click(stack, "U0BOB", card, APPROVE)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert "restart_service done" in outcome["answer"]
    assert executions(stack, probe_name) == 1
    decided = await wait_card(stack, probe_name, "Approved")
    assert decided.ts == card.ts  # edited in place
    assert "approval_approve" not in json.dumps(decided.blocks)  # buttons gone
    assert "<@U0BOB>" in json.dumps(decided.blocks)
    assert "Approved" in await latest_ephemeral(stack, "U0BOB", "Approved")
    assert audit_events(stack, task_id) == ["requested", "vote", "approved", "executed"]
    requested, executed = (row for row in audit_rows(stack, task_id) if row.event in ("requested", "executed"))
    asked, ran = json.loads(requested.detail), json.loads(executed.detail)
    assert executed.approval_id == requested.approval_id is not None
    assert (ran["approval_id"], ran["tier"]) == (requested.approval_id, "high")
    assert ran["action_hash"] == asked["action_hash"], "what ran is what was approved, by the gate's own hash"
    log = AuditLog(create_db_engine(f"sqlite:///{stack.config_file.parent / 'opsgate.db'}"))
    assert log.unapproved(task_id) == []


async def test_reject_with_a_reason_reaches_the_agent_and_runs_nothing(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    view_id = await open_modal(stack, "U0CAROL", card, REJECT)
    await submit(stack, "U0CAROL", view_id, "not during the freeze window")
    outcome = await attach(stack, task_id)
    assert executions(stack, probe_name) == 0
    assert "not during the freeze window" in outcome["answer"]  # the model saw the reason
    rejected = await wait_card(stack, probe_name, "Rejected")
    assert "not during the freeze window" in json.dumps(rejected.blocks)
    assert audit_events(stack, task_id) == ["requested", "vote", "rejected"]


async def test_non_approvers_and_the_requester_are_refused_and_audited(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service", user="U0ALICE")
    card = await wait_card(stack, probe_name)
    await click(stack, "U0DAVE", card, APPROVE)
    assert "not an approver" in await latest_ephemeral(stack, "U0DAVE", "approver")
    await click(stack, "U0ALICE", card, APPROVE)
    assert "someone else must approve" in await latest_ephemeral(stack, "U0ALICE", "someone else")
    assert executions(stack, probe_name) == 0
    await click(stack, "U0BOB", card, APPROVE)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert executions(stack, probe_name) == 1
    assert audit_events(stack, task_id) == ["requested", "refused", "refused", "vote", "approved", "executed"]


async def test_critical_needs_two_distinct_approvers_and_the_typed_target(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "drop_database")
    card = await wait_card(stack, probe_name)
    await submit(stack, "U0BOB", await open_modal(stack, "U0BOB", card, APPROVE), "wrong-name")
    assert "type the exact target name" in await latest_ephemeral(stack, "U0BOB", "exact target")
    await submit(stack, "U0BOB", await open_modal(stack, "U0BOB", card, APPROVE), probe_name)
    assert "1 more approval" in await latest_ephemeral(stack, "U0BOB", "more approval")
    assert executions(stack, probe_name) == 0  # one approver is not enough
    await submit(stack, "U0BOB", await open_modal(stack, "U0BOB", card, APPROVE), probe_name)
    assert "already voted" in await latest_ephemeral(stack, "U0BOB", "already voted")
    await submit(stack, "U0DAVE", await open_modal(stack, "U0DAVE", card, APPROVE), probe_name)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert executions(stack, probe_name) == 1


async def test_expiry_reminds_then_expires_and_runs_nothing(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "scale_service")
    card = await wait_card(stack, probe_name)
    reminder = await stack.sandbox.wait_for(
        lambda s: next((m for m in s.thread("C0OPS", str(card.thread_ts)) if "expires soon" in m.text), None),
        timeout=10,
    )
    assert "<@U0BOB>" in reminder.text
    outcome = await attach(stack, task_id)
    assert "expired" in outcome["answer"]
    assert executions(stack, probe_name) == 0
    expired = await wait_card(stack, probe_name, "Expired")
    assert "approval_approve" not in json.dumps(expired.blocks)
    escalation = [
        m.text for m in stack.sandbox.state.thread("C0OPS", str(card.thread_ts)) if "expired undecided" in m.text
    ]
    assert len(escalation) == 1
    assert "<!subteam^S0ONCALL>" in escalation[0]
    assert audit_events(stack, task_id) == ["requested", "reminded", "expired", "escalated"]


async def test_fifty_concurrent_clicks_give_one_outcome_and_one_execution(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    clicks = [
        stack.sandbox.click_button(
            user_id="U0BOB" if n % 2 else "U0CAROL",
            channel_id="C0OPS",
            message_ts=card.ts,
            action_id=APPROVE if n % 3 else REJECT,
        )
        for n in range(50)
    ]
    replies = await asyncio.gather(*clicks)
    assert all(r.status == 200 for r in replies)
    # Reject clicks open a modal (or answer "already decided"); approvals are cast at once.
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert executions(stack, probe_name) == 1
    events = audit_events(stack, task_id)
    assert events.count("approved") + events.count("rejected") == 1
    assert events.count("vote") == 1


async def test_freeze_refuses_a_pending_high_action(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    engine, carol = stack.engine(), Actor(team="T0SANDBOX", user="U0CAROL")  # an admin, signed as the bot signs
    try:
        on = FreezeChange(frozen=True, by="U0CAROL")
        assert await engine.set_frozen(on, actor=carol, nonce="freeze-on")
        try:
            await click(stack, "U0BOB", card, APPROVE)
            outcome = await attach(stack, task_id)
        finally:
            off = FreezeChange(frozen=False, by="U0CAROL")
            await engine.set_frozen(off, actor=carol, nonce="freeze-off")
    finally:
        await engine.aclose()
    assert executions(stack, probe_name) == 0
    assert "frozen" in outcome["answer"]


async def test_changed_rule_voids_the_approval_and_asks_again(own_stack: Stack, probe_name: str) -> None:
    stack = own_stack
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    config = stack.config_file.read_text().replace("      reversible: true\n", "      reversible: false\n", 1)
    stack.config_file.write_text(config)
    await click(stack, "U0BOB", card, APPROVE)
    second = await stack.sandbox.wait_for(
        lambda s: next(
            (
                m
                for m in s.messages_in("C0OPS")
                if m.ts != card.ts
                and "approval_approve" in json.dumps(m.blocks)
                and f"`{probe_name}" in json.dumps(m.blocks)
            ),
            None,
        ),
        timeout=20,
    )
    assert executions(stack, probe_name) == 0
    void_notes = [m.text for m in stack.sandbox.state.thread("C0OPS", str(card.thread_ts)) if "void" in m.text]
    assert void_notes
    await click(stack, "U0BOB", second, APPROVE)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert executions(stack, probe_name) == 1
    assert audit_events(stack, task_id) == [
        *("requested", "vote", "approved", "voided"),
        *("requested", "vote", "approved", "executed"),
    ]
    voided = await wait_card(stack, probe_name, "Voided")
    assert voided.ts == card.ts


async def test_ops_cancel_ends_a_waiting_task_and_withdraws_its_approval(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service", user="U0ALICE")
    card = await wait_card(stack, probe_name)
    refused = await stack.sandbox.send_slash_command(user_id="U0DAVE", channel_id="C0OPS", text=f"cancel {task_id}")
    assert "Only <@U0ALICE>" in refused.ack_message["text"]
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"cancel {task_id}")
    assert "Cancelling" in reply.ack_message["text"], reply
    cancelled = await wait_card(stack, probe_name, "Cancelled")
    assert cancelled.ts == card.ts
    root = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts == card.thread_ts and "Cancelled" in json.dumps(m.blocks)),
            None,
        ),
        timeout=15,
    )
    assert root is not None
    assert executions(stack, probe_name) == 0
    assert "cancelled" in audit_events(stack, task_id)


async def test_ops_freeze_is_for_admins_and_refuses_actions_at_once(stack: Stack, probe_name: str) -> None:
    denied = await stack.sandbox.send_slash_command(user_id="U0BOB", channel_id="C0OPS", text="freeze on")
    assert "Only policy admins" in denied.ack_message["text"]
    frozen = await stack.sandbox.send_slash_command(user_id="U0CAROL", channel_id="C0OPS", text="freeze on")
    assert "Frozen" in frozen.ack_message["text"]
    try:
        task_id = await request_action(stack, probe_name, "restart_service")
        outcome = await attach(stack, task_id)
    finally:
        await stack.sandbox.send_slash_command(user_id="U0CAROL", channel_id="C0OPS", text="freeze off")
    assert "frozen" in outcome["answer"]
    assert executions(stack, probe_name) == 0
    assert card_for(stack.sandbox.state, probe_name) is None  # refused at once: no card at all
    status = await stack.sandbox.send_slash_command(user_id="U0BOB", channel_id="C0OPS", text="freeze status")
    assert "not frozen" in status.ack_message["text"]


async def approve_as_a_person(stack: Stack, name: str, card: Message, tries: int = 6) -> None:
    """Click Approve, and click again while the card has not changed: right after a restart Restate may answer
    the bot too late, and the bot then tells the approver to try again (the vote may or may not have landed)."""
    for _ in range(tries):
        await click(stack, "U0BOB", card, APPROVE)
        try:
            await stack.sandbox.wait_for(lambda s: card_for(s, name, "Approved by"), timeout=10)
            return
        except TimeoutError:
            continue
    raise AssertionError(f"the card of {name} never said Approved after {tries} clicks")


@pytest.mark.slow
async def test_hundred_pending_approvals_survive_worker_kill_and_restate_restart(
    own_stack: Stack, probe_name: str
) -> None:
    """Suspended approvals live in Restate, not in the worker: both can die and every approval stays decidable."""
    stack = own_stack
    names = [f"{probe_name}-{n}" for n in range(100)]
    task_ids: list[str] = []
    for batch in range(0, len(names), 10):
        replies = await asyncio.gather(
            *(
                stack.sandbox.send_slash_command(
                    user_id="U0ALICE", channel_id="C0OPS", text=f"[act:{n}:restart_service] go"
                )
                for n in names[batch : batch + 10]
            )
        )
        task_ids += [task_id_for("T0SANDBOX", r.trigger_id) for r in replies]
    cards = {name: await wait_card(stack, name) for name in names}
    stack.worker.kill()
    await asyncio.to_thread(stack.restate.stop)
    await asyncio.to_thread(stack.restate.start)
    await stack.restart_worker()
    for batch in range(0, len(names), 10):
        await asyncio.gather(*(approve_as_a_person(stack, n, cards[n]) for n in names[batch : batch + 10]))
    outcomes = [await attach(stack, task_id, timeout=60) for task_id in task_ids]
    assert [o["phase"] for o in outcomes] == ["done"] * 100
    assert [executions(stack, n) for n in names] == [1] * 100


async def test_ops_approvals_lists_what_waits_on_me(stack: Stack, probe_name: str) -> None:
    task_id = await request_action(stack, probe_name, "restart_service", user="U0ALICE")
    card = await wait_card(stack, probe_name)
    mine = await stack.sandbox.send_slash_command(user_id="U0BOB", channel_id="C0OPS", text="approvals")
    assert task_id in mine.ack_message["text"]
    assert f"`{probe_name}@staging`" in mine.ack_message["text"]
    requester = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text="approvals")
    assert task_id not in requester.ack_message["text"]  # nobody approves their own request
    outsider = await stack.sandbox.send_slash_command(user_id="U0DAVE", channel_id="C0OPS", text="approvals")
    assert task_id not in outsider.ack_message["text"]
    await click(stack, "U0BOB", card, APPROVE)
    await attach(stack, task_id)
    after = await stack.sandbox.send_slash_command(user_id="U0BOB", channel_id="C0OPS", text="approvals")
    assert task_id not in after.ack_message["text"]


async def test_an_approval_nobody_can_give_is_refused_at_once(stack: Stack, probe_name: str) -> None:
    """A group of two with a quorum of two cannot approve the request of one of its members."""
    task_id = await request_action(stack, probe_name, "purge_cache", user="U0BOB")
    outcome = await attach(stack, task_id)
    assert "cannot be given" in outcome["answer"]
    assert executions(stack, probe_name) == 0
    rejected = await wait_card(stack, probe_name, "Rejected")
    assert "approval_approve" not in json.dumps(rejected.blocks)


async def test_exfiltrating_a_secret_through_a_tool_call_needs_approval(stack: Stack, probe_name: str) -> None:
    """The webhook tool alone is medium risk (runs and logs); sending a key to an outside host escalates it."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[exfil:{probe_name}] post the status"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    card = await wait_card(stack, probe_name)
    shown = json.dumps(card.blocks)
    assert "guardrail" in shown.lower()
    assert "AKIA" + "QWERTYUIOPASDFGH" not in shown  # the card never shows the secret itself
    assert executions(stack, probe_name) == 0
    await submit(stack, "U0BOB", await open_modal(stack, "U0BOB", card, REJECT), "that is a credential")
    outcome = await attach(stack, task_id)
    assert "that is a credential" in outcome["answer"]
    assert executions(stack, probe_name) == 0
    verdicts = [json.loads(row.detail) for row in audit_rows(stack, task_id) if row.event == "guardrail"]
    assert [(v["stage"], v["action"]) for v in verdicts] == [("input", "allow"), ("output", "escalate")]
    assert verdicts[1]["tool"] == "post_webhook"
    assert "AKIA" not in json.dumps(verdicts)


async def test_high_risk_actions_wait_while_the_task_goes_on_and_are_decided_one_by_one(
    stack: Stack, probe_name: str
) -> None:
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[multi:{probe_name}] restart both and show staging"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    first = await wait_card(stack, f"{probe_name}-a")
    second = await wait_card(stack, f"{probe_name}-b")

    # Before anyone decided, the read-only lookup ran and the model went on, told that both actions await approval.
    await wait_for_lines(stack, probe_name, "model", 1)
    [continued] = stack.probe_lines(probe_name, "model")
    assert continued.count("needs a person's approval") == 2
    assert "api (staging)" in continued
    await click(stack, "U0BOB", first, APPROVE)
    await submit(stack, "U0CAROL", await open_modal(stack, "U0CAROL", second, REJECT), "not b, only a")
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert executions(stack, f"{probe_name}-a") == 1
    assert executions(stack, f"{probe_name}-b") == 0
    answer = outcome["answer"]
    assert "approved and run" in answer
    assert "not b, only a" in answer
    events = audit_events(stack, task_id)
    assert events.count("requested") == 2
    assert events.index("requested", 1) < events.index("vote")  # both cards were up before the first vote


async def test_personal_data_is_restored_only_inside_the_approved_call(stack: Stack, probe_name: str) -> None:
    """The model, the card and the journal see `<EMAIL_1>`; the tool a person approved gets the address."""
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[notify:{probe_name}] tell ops-lead@example.com it is fixed"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)

    def notify_card(state: SandboxState) -> Message | None:  # its target is the placeholder, not the probe's name
        return next(
            (m for m in state.messages_in("C0OPS") if APPROVE in (t := json.dumps(m.blocks)) and probe_name in t), None
        )

    card: Message = await stack.sandbox.wait_for(notify_card, timeout=20)
    assert "ops-lead@example.com" not in json.dumps(card.blocks)
    assert "&lt;EMAIL_1&gt;" in json.dumps(card.blocks)  # escaped: Slack shows the placeholder as typed
    assert "`&lt;EMAIL_1&gt;` is `o***@example.com`" in json.dumps(card.blocks)  # masked, from the sealed value
    await click(stack, "U0BOB", card, APPROVE)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done"
    assert stack.probe_lines(probe_name, "notified") == ["ops-lead@example.com"]
    [seen] = stack.probe_lines(probe_name, "model")
    assert "ops-lead@example.com" not in seen  # the result went back to the model concealed again
    assert "notified <EMAIL_1>" in seen


async def test_the_thread_root_cancels_a_waiting_task_and_retries_it(stack: Stack, probe_name: str) -> None:
    """Slash commands do not work in threads: the root's Cancel and Retry buttons do what the commands do."""
    task_id = await request_action(stack, probe_name, "restart_service", user="U0ALICE")
    card = await wait_card(stack, probe_name)
    root = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts == card.thread_ts and "task_cancel" in json.dumps(m.blocks)),
            None,
        ),
        timeout=15,
    )
    await click(stack, "U0DAVE", root, "task_cancel")
    assert "Only <@U0ALICE>" in await latest_ephemeral(stack, "U0DAVE", "cancel")
    await click(stack, "U0ALICE", root, "task_cancel")
    assert "Cancelling" in await latest_ephemeral(stack, "U0ALICE", "Cancelling")
    retry_root = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts == root.ts and "task_retry" in json.dumps(m.blocks)), None
        ),
        timeout=15,
    )
    assert "Cancelled" in json.dumps(retry_root.blocks)
    assert executions(stack, probe_name) == 0

    seen = len(stack.sandbox.state.ephemerals_for("C0OPS", "U0ALICE"))  # the stack is shared: only newer ones
    await click(stack, "U0ALICE", retry_root, "task_retry")

    def retried(state: SandboxState) -> str | None:
        said = [e.text for e in state.ephemerals_for("C0OPS", "U0ALICE")[seen:] if "On it" in e.text]
        return said[-1] if said else None

    accepted: str = await stack.sandbox.wait_for(retried, timeout=15)
    new_task = accepted.split("task `")[1].split("`")[0]
    assert new_task != task_id
    again = await stack.sandbox.wait_for(
        lambda s: next(
            (m for m in s.messages_in("C0OPS") if m.ts != card.ts and m is card_for(s, probe_name, APPROVE)), None
        ),
        timeout=40,  # the retried task starts from scratch: up to 20 s seen when the whole file runs on 2 cores
    )
    await click(stack, "U0BOB", again, APPROVE)
    assert (await attach(stack, new_task))["phase"] == "done"
    assert executions(stack, probe_name) == 1


async def test_a_second_copy_of_a_card_is_adopted_when_clicked_and_decided_with_the_first(
    stack: Stack, probe_name: str
) -> None:
    """A worker killed while Slack posted the card, after Slack had posted it, posts it again on replay
    (bench.chaos saw 17 in 200 tasks through 20 kills): whichever copy people click, every copy ends decided."""
    task_id = await request_action(stack, probe_name, "restart_service")
    card = await wait_card(stack, probe_name)
    state = stack.sandbox.state

    def copy() -> Message:
        return state.post_message(
            "C0OPS", text=card.text, blocks=card.blocks, bot_id=card.bot_id, thread_ts=card.thread_ts
        )

    clicked, late = copy(), copy()
    await click(stack, "U0BOB", clicked, APPROVE)
    outcome = await attach(stack, task_id)
    assert outcome["phase"] == "done" and executions(stack, probe_name) == 1

    def decided(message: Message) -> bool:
        found = state.find_message("C0OPS", message.ts)
        return found is not None and "Approved by" in json.dumps(found.blocks)

    await stack.sandbox.wait_for(lambda _: decided(card) and decided(clicked), timeout=15)
    assert not decided(late)  # nobody clicked it yet: the object cannot know of it
    await click(stack, "U0CAROL", late, APPROVE)
    await stack.sandbox.wait_for(lambda _: decided(late), timeout=15)
    assert "Already approved" in await latest_ephemeral(stack, "U0CAROL", "Already")
    assert executions(stack, probe_name) == 1
    assert audit_events(stack, task_id).count("approved") == 1
