"""The shipped team and the example `opsgate.yml` on the real stack (see `shipped.py`): every write is a
specialist's, over the built-in MCP server, and a person's wait is never a deadline.

Time keeps its proportions, shrunk: a specialist's work budget of 5 s stands for the default 10 minutes, and the
approvals (24 h expiry in the example file) are decided a few seconds after the budget has passed.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import pytest

from approvals.audit import AuditLog
from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from handlers.contracts import TaskPhase, task_id_for
from handlers.store import TaskRecord
from opsgate.db import create_db_engine
from testkit.fakes.messages_script import RecordedRequest, Step, text_reply, tool_use_reply
from testkit.fakes.messages_team import last_results
from tests.integration.flows import attach
from tests.integration.harness import Stack
from tests.integration.shipped import ShippedStack, shipped_stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["shipped_stack"]  # the module's stack fixture

BUDGET_S = 5
APPROVE = "approval_approve"


def new_case() -> str:
    return f"c{uuid.uuid4().hex[:10]}"


def delegate(case: str, *tasks: tuple[str, str]) -> Step:
    return tool_use_reply(
        "delegate",
        {
            "tasks": [
                {"agent": agent, "objective": f"[case:{case}] {objective}", "timeout_seconds": BUDGET_S}
                for agent, objective in tasks
            ]
        },
        call_id=f"toolu_{case}_delegate",
    )


def lead_then(case: str, *tasks: tuple[str, str]) -> Any:
    """The lead hands `tasks` off, then answers with what the specialists reported."""

    def lead(turn: int, request: RecordedRequest) -> Step:
        if turn == 1:
            return delegate(case, *tasks)
        return text_reply("synthesis: " + last_results(request)[0])

    return lead


def specialist_acting(case: str, tool: str, arguments: dict[str, Any]) -> Any:
    """Propose one write, say it waits for approval, then report what the decision was."""

    def act(turn: int, request: RecordedRequest) -> Step:
        if turn == 1:
            return tool_use_reply(tool, arguments, call_id=f"toolu_{case}_{tool}")
        if turn == 2:
            return text_reply(f"{tool} is waiting for approval.")
        return text_reply("reported: " + " | ".join(last_results(request)))

    return act


async def start(shipped: ShippedStack, case: str, text: str) -> str:
    reply = await shipped.stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=text)
    assert reply.status == 200, reply
    return task_id_for("T0SANDBOX", reply.trigger_id)


def thread_of(stack: Stack, task_id: str) -> str | None:
    record = stack.store.get(task_id)
    return record.thread_ts if record is not None else None


async def wait_card(stack: Stack, task_id: str, tool: str) -> Message:
    def find(state: SandboxState) -> Message | None:
        thread = thread_of(stack, task_id)
        if thread is None:
            return None
        for message in state.thread("C0OPS", thread):
            blocks = json.dumps(message.blocks)
            if APPROVE in blocks and f"`{tool}`" in blocks:
                return message
        return None

    card: Message = await stack.sandbox.wait_for(find, timeout=30)
    return card


def root_text(stack: Stack, task_id: str) -> str:
    thread = thread_of(stack, task_id)
    root = stack.sandbox.state.find_message("C0OPS", thread) if thread else None
    return json.dumps(root.blocks) if root is not None else ""


async def approve(stack: Stack, card: Message, user: str = "U0BOB") -> None:
    reply = await stack.sandbox.click_button(user_id=user, channel_id="C0OPS", message_ts=card.ts, action_id=APPROVE)
    assert reply.status == 200, reply


def events(stack: Stack, task_id: str) -> list[tuple[str, str]]:
    """(event, tool) of the task's audit rows, guardrail verdicts left out."""
    log = AuditLog(create_db_engine(f"sqlite:///{stack.config_file.parent / 'opsgate.db'}"))
    rows = [row for row in log.rows(task_id) if row.event != "guardrail"]
    return [(row.event, str(json.loads(row.detail or "{}").get("tool", ""))) for row in rows]


async def recorded(stack: Stack, task_id: str, status: TaskPhase, timeout: float = 15.0) -> TaskRecord:
    """The task's stored record once it has `status` (bounded wait)."""
    for _ in range(int(timeout / 0.05)):
        record = stack.store.get(task_id)
        if record is not None and record.status == status:
            return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"task {task_id} not {status.value} within {timeout:g} s: {stack.store.get(task_id)}")


def results(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = json.loads(outcome["answer"].removeprefix("synthesis: "))["results"]
    return parsed


async def test_a_specialists_approval_given_after_its_work_budget_runs_the_action_once(
    shipped_stack: ShippedStack,
) -> None:
    stack, case = shipped_stack.stack, new_case()
    ops = specialist_acting(case, "restart_service", {"service": "api", "environment": "staging"})
    lead = lead_then(case, ("ops", "Restart api in staging."))
    shipped_stack.plays.add(case, lambda agent, turn, request: (lead if agent == "lead" else ops)(turn, request))
    task_id = await start(shipped_stack, case, f"[case:{case}] restart api in staging")

    card = await wait_card(stack, task_id, "restart_service")
    # The specialist waits on a person: the task's root says so (its one owner applies the specialist's phase).
    await stack.sandbox.wait_for(lambda s: "Waiting for approval" in root_text(stack, task_id) or None, timeout=15)
    await asyncio.sleep(BUDGET_S + 2)  # the work budget passes while a person has the card
    still = stack.sandbox.state.find_message("C0OPS", card.ts)
    assert still is not None and APPROVE in json.dumps(still.blocks)  # the card is still open
    await approve(stack, card)

    outcome = await attach(stack, task_id, timeout=60)
    assert outcome["phase"] == "done", outcome
    [ops_result] = results(outcome)
    # Not cancelled, not timed out: waiting for the approval cost the specialist none of its budget.
    assert ops_result["status"] == "done", ops_result
    assert "approved and run" in ops_result["summary"]
    ran = [tool for event, tool in events(stack, task_id) if event == "executed"]
    assert ran == ["restart_service"]  # exactly once
    assert "Done" in root_text(stack, task_id)


async def test_the_demo_request_restarts_then_emails_after_both_budgets_have_passed(
    shipped_stack: ShippedStack,
) -> None:
    """The issue's `make demo` run: the email's card is left alone past every budget, then approved, and sent."""
    stack, case = shipped_stack.stack, new_case()
    ops = specialist_acting(case, "restart_service", {"service": "api", "environment": "staging"})
    email = {"to": ["oncall@example.com"], "subject": f"api restarted {case}", "body": "api was restarted."}
    comms = specialist_acting(case, "send_email", email)
    lead = lead_then(case, ("ops", "Restart api in staging."), ("comms", "Tell oncall@example.com."))
    by_agent = {"lead": lead, "ops": ops, "comms": comms}
    shipped_stack.plays.add(case, lambda agent, turn, request: by_agent[agent](turn, request))
    task_id = await start(shipped_stack, case, f"[case:{case}] restart api in staging and tell oncall@example.com")

    restart = await wait_card(stack, task_id, "restart_service")
    mail_card = await wait_card(stack, task_id, "send_email")
    await approve(stack, restart)
    await asyncio.sleep(BUDGET_S + 2)  # the email's card is left alone past both budgets
    assert not [m for m in shipped_stack.mails() if case in m]
    assert "Waiting for approval" in root_text(stack, task_id)  # the comms specialist still waits
    await approve(stack, mail_card, user="U0CAROL")

    outcome = await attach(stack, task_id, timeout=60)
    assert outcome["phase"] == "done", outcome
    assert [r["status"] for r in results(outcome)] == ["done", "done"]
    assert len([m for m in shipped_stack.mails() if case in m]) == 1  # sent once
    ran = sorted(tool for event, tool in events(stack, task_id) if event == "executed")
    assert ran == ["restart_service", "send_email"]


async def test_only_a_person_cancels_a_waiting_specialist_and_its_card_says_so(shipped_stack: ShippedStack) -> None:
    """The budget passes while the ops specialist waits: nothing happens. `/ops cancel` by the requester then
    cancels the task, Restate cancels the specialist with it, and the specialist withdraws its approval."""
    stack, case = shipped_stack.stack, new_case()
    ops = specialist_acting(case, "restart_service", {"service": "api", "environment": "staging"})
    lead = lead_then(case, ("ops", "Restart api in staging."))
    shipped_stack.plays.add(case, lambda agent, turn, request: (lead if agent == "lead" else ops)(turn, request))
    task_id = await start(shipped_stack, case, f"[case:{case}] restart api in staging")

    card = await wait_card(stack, task_id, "restart_service")
    await asyncio.sleep(BUDGET_S + 2)
    assert "Waiting for approval" in root_text(stack, task_id)
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"cancel {task_id}")
    assert "Cancelling" in reply.ack_message["text"], reply

    def cancelled_card(state: SandboxState) -> Message | None:
        found = state.find_message("C0OPS", card.ts)
        return found if found is not None and "Cancelled" in json.dumps(found.blocks) else None

    await stack.sandbox.wait_for(cancelled_card, timeout=20)
    await stack.sandbox.wait_for(lambda s: "Cancelled" in root_text(stack, task_id) or None, timeout=20)
    assert ("executed", "restart_service") not in events(stack, task_id)
    assert "cancelled" in [event for event, _ in events(stack, task_id)]
    record = await recorded(stack, task_id, TaskPhase.CANCELLED)  # stored right after the root shows it
    assert record.thread_ts
    # The lead did not carry on as if its specialist had answered.
    assert not any(m.text.startswith("synthesis:") for m in stack.sandbox.state.thread("C0OPS", record.thread_ts))


async def test_a_specialist_reads_on_in_a_result_it_was_shown_cut(shipped_stack: ShippedStack) -> None:
    """A long query result reaches the model cut, with a marker naming `read_result`; the next part is answered
    from the run's own conversation, through the production worker, and is exactly the text that was cut."""
    case = new_case()
    sql = "SELECT a.name, a.environment, b.name, b.environment, a.owner_team FROM services a, services b"
    marker = re.compile(r'call read_result with ref="(ref:\d+:[A-Za-z0-9_-]+)" offset=(\d+)')
    asked: dict[str, str] = {}

    def data(turn: int, request: RecordedRequest) -> Step:
        if turn == 1:
            return tool_use_reply("query_inventory", {"sql": sql, "max_rows": 200}, call_id=f"toolu_{case}_q")
        if turn == 2:
            [shown] = last_results(request)
            found = marker.search(shown)
            assert found is not None, shown[-300:]
            asked.update(shown=shown, ref=found[1], offset=found[2])
            arguments = {"ref": found[1], "offset": int(found[2])}
            return tool_use_reply("read_result", arguments, call_id=f"toolu_{case}_read")
        [read] = last_results(request)
        asked["read"] = read
        return text_reply("read on")

    lead = lead_then(case, ("data", "List every pair of services."))
    shipped_stack.plays.add(case, lambda agent, turn, request: (lead if agent == "lead" else data)(turn, request))
    task_id = await start(shipped_stack, case, f"[case:{case}] list every pair of services")
    outcome = await attach(shipped_stack.stack, task_id, timeout=60)

    assert outcome["phase"] == "done", outcome
    header, _, text = asked["read"].partition("]\n")
    assert header.startswith(f"[{asked['ref']}, characters {asked['offset']}–"), header
    head = asked["shown"].split("\n[result truncated")[0]
    assert len(head) == int(asked["offset"]) and text  # it goes on exactly where the head the model saw ended
    [data_result] = results(outcome)
    assert data_result["status"] == "done"
    assert ("data", 3) in [(agent, turn) for c, agent, turn in shipped_stack.plays.calls if c == case]
