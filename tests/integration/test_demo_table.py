"""Every row of the README's demo table, end to end, on the stack `make demo` runs (`demo_stack`): the production
worker with the example `opsgate.yml`, the offline model, the built-in tools over the in-process MCP server, the
mail sink, the real bot and the sandbox.

The rows are read from README.md itself. Each request maps to one expectation, which names the claim it checks
(the row's "what happens" cell): a row without an expectation fails, and so does a row whose claim changed, until
someone checks that the demo does what the README now says. Alice asks in #ops; bob and carol, the on-call group
of the example policy, decide the cards, as a person would in the sandbox's page.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from agents.builtin import Inventory
from approvals.audit import AuditLog
from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from handlers.contracts import task_id_for
from handlers.span_summaries import SpanSummaryStore
from opsgate.db import create_db_engine
from tests.integration.flows import attach
from tests.integration.harness import ROOT
from tests.integration.shipped import DemoStack, demo_stack

pytestmark = pytest.mark.integration

__all__ = ["demo_stack"]  # the module's stack fixture

CHANNEL, REQUESTER = "C0OPS", "U0ALICE"
APPROVE = "approval_approve"
DETAILS = "task_details"  # the trace summary's button
STAGING = ("api", "auth", "billing", "notifications", "search", "web")
_ROW = re.compile(r"^\| `/ops (?P<request>[^`]+)` \| (?P<claim>.+) \|$")


def demo_table() -> list[tuple[str, str]]:
    """(request, claim) of each row of the README's table under `| try | what happens |`."""
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index("| try | what happens |") + 2  # past the header and its rule
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        found = _ROW.match(line)
        assert found is not None, f"a demo table row the test cannot read: {line}"
        rows.append((found["request"], found["claim"]))
    return rows


@dataclass
class Run:
    """One `/ops` request of the demo, and what the sandbox and the data directory show of it."""

    demo: DemoStack
    task_id: str

    @property
    def state(self) -> SandboxState:
        return self.demo.stack.sandbox.state

    def thread(self) -> list[Message]:
        record = self.demo.stack.store.get(self.task_id)
        return self.state.thread(CHANNEL, record.thread_ts) if record is not None and record.thread_ts else []

    def text(self) -> str:
        return "\n".join(json.dumps(message.blocks) for message in self.thread())

    def root(self) -> str:
        thread = self.thread()
        return json.dumps(thread[0].blocks) if thread else ""

    def cards(self) -> list[Message]:
        return [message for message in self.thread() if APPROVE in json.dumps(message.blocks)]

    async def card(self, tool: str) -> Message:
        def find(_: SandboxState) -> Message | None:
            return next((card for card in self.cards() if f"`{tool}`" in json.dumps(card.blocks)), None)

        found: Message = await self.demo.stack.sandbox.wait_for(find, timeout=30)
        return found

    async def shows(self, needle: str, timeout: float = 15) -> None:
        await self.demo.stack.sandbox.wait_for(lambda _: needle in self.text() or None, timeout=timeout)

    async def finish(self) -> str:
        """The answer of the finished task, once its thread ends with the trace summary and its root says Done."""
        outcome = await attach(self.demo.stack, self.task_id, timeout=60)
        assert outcome["phase"] == "done", outcome

        def ended(_: SandboxState) -> bool:
            thread = self.thread()
            return DETAILS in json.dumps(thread[-1].blocks) and ":white_check_mark: *Done*" in self.root()

        await self.demo.stack.sandbox.wait_for(ended, timeout=15)
        answer: str = outcome["answer"]
        first_line = answer.splitlines()[0]
        assert any(message.text.startswith(first_line) for message in self.thread()[1:]), "the answer is posted"
        return answer

    def audit(self, event: str) -> list[dict[str, Any]]:
        """The detail of the task's audit rows of one kind (`executed`, `requested`, ...)."""
        rows = AuditLog(engine(self.demo.database_url)).rows(self.task_id)
        return [json.loads(row.detail or "{}") for row in rows if row.event == event]

    def executed(self) -> list[str]:
        return [str(detail["tool"]) for detail in self.audit("executed")]

    def agents(self) -> dict[str, tuple[float, float]]:
        """Each agent's span of the task: (start, end) in seconds since the epoch."""
        spans = SpanSummaryStore(engine(self.demo.database_url)).rows(self.task_id)
        return {
            str(span.agent): (
                span.started_at.timestamp(),
                (span.started_at + timedelta(milliseconds=span.duration_ms)).timestamp(),
            )
            for span in spans
            if span.kind == "agent"
        }


@functools.cache
def engine(database_url: str) -> Engine:
    return create_db_engine(database_url)


async def eventually(condition: Callable[[], bool], timeout: float = 15) -> None:
    """For what another process writes to disk (the audit log, the inventory): polled, with a deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"not true within {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def ask(demo: DemoStack, request: str, user: str = REQUESTER) -> Run:
    reply = await demo.stack.sandbox.send_slash_command(user_id=user, channel_id=CHANNEL, text=request)
    assert reply.status == 200 and "On it" in json.dumps(reply.json), reply
    run = Run(demo, task_id_for("T0SANDBOX", reply.trigger_id))
    await demo.stack.sandbox.wait_for(lambda _: run.thread() or None, timeout=15)  # its thread root
    return run


def inventory(demo: DemoStack, service: str, environment: str) -> dict[str, Any]:
    """The built-in inventory's row of a service, and its restarts in the inventory's own change log."""
    target = {"service": service, "environment": environment}
    with Inventory(engine(demo.database_url)).reading() as connection:
        row = connection.execute(
            sa.text(
                "SELECT replicas, status, last_restart_at FROM services "
                "WHERE name = :service AND environment = :environment"
            ),
            target,
        ).one()
        restarts = connection.execute(
            sa.text(
                "SELECT count(*) FROM changes WHERE service = :service AND environment = :environment "
                "AND action = 'restart'"
            ),
            target,
        ).scalar_one()
    return {"replicas": row[0], "status": row[1], "last_restart_at": row[2], "restarts": restarts}


def incidents(demo: DemoStack, service: str, environment: str) -> list[str]:
    """The severities of a service's incidents in the built-in inventory, oldest first."""
    with Inventory(engine(demo.database_url)).reading() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT severity FROM incidents WHERE service = :service AND environment = :environment ORDER BY id"
            ),
            {"service": service, "environment": environment},
        ).all()
    return [str(severity) for (severity,) in rows]


async def click(demo: DemoStack, user: str, card: Message) -> None:
    reply = await demo.stack.sandbox.click_button(
        user_id=user, channel_id=CHANNEL, message_ts=card.ts, action_id=APPROVE
    )
    assert reply.status == 200, reply


async def approve_critical(demo: DemoStack, user: str, card: Message, typed: str) -> str:
    """Approve in the typed-confirmation modal the critical card opens; returns what the approver is told."""
    sandbox = demo.stack.sandbox
    views, told = set(sandbox.state.views), len(sandbox.state.ephemerals_for(CHANNEL, user))
    await click(demo, user, card)
    view_id: str = await sandbox.wait_for(
        lambda s: next((v.id for v in s.views.values() if v.user == user and v.id not in views), None), timeout=10
    )
    reply = await sandbox.submit_view(user_id=user, view_id=view_id, values={"answer": {"value": typed}})
    assert reply.status == 200, reply
    said: str = await sandbox.wait_for(
        lambda s: s.ephemerals_for(CHANNEL, user)[told].text if len(s.ephemerals_for(CHANNEL, user)) > told else None,
        timeout=15,
    )
    return said


# --- one expectation per row ---------------------------------------------------------------------------------

Check = Callable[[DemoStack, str], Awaitable[None]]


@dataclass(frozen=True)
class Expectation:
    claim: str
    check: Check


EXPECTED: dict[str, Expectation] = {}


def row(request: str, claim: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        EXPECTED[request] = Expectation(claim, check)
        return check

    return register


@row("what services are running in staging?", "low: `lead` reads the inventory itself")
async def lead_reads_the_inventory(demo: DemoStack, request: str) -> None:
    run = await ask(demo, request)
    answer = await run.finish()
    assert all(f"{service} (staging)" in answer for service in STAGING), answer
    assert "(production)" not in answer and "(dev)" not in answer
    assert run.cards() == [] and "Handing off" not in run.text()
    assert ":memo: Running" not in run.text()  # low: it runs without a word in the thread
    assert list(run.agents()) == ["lead"]
    assert run.audit("requested") == [] and run.executed() == []


@row(
    "find the runbook for a database failover and show open incidents",
    "`research` and `data` in parallel",
)
async def research_and_data_in_parallel(demo: DemoStack, request: str) -> None:
    run = await ask(demo, request)
    answer = await run.finish()
    [handoff] = [m.text for m in run.thread() if m.text.startswith("Handing off")]
    assert "*research*" in handoff and "*data*" in handoff, handoff  # one handoff names both
    assert "*research* (done)" in answer and "database-failover.md" in answer, answer
    assert "*data* (done)" in answer and "SEV2 open search@production" in answer, answer
    spans = run.agents()
    (research_start, research_end), (data_start, data_end) = spans["research"], spans["data"]
    assert research_start < data_end and data_start < research_end, f"one ran after the other: {spans}"
    assert run.cards() == [] and run.executed() == []


@row("scale search in production to 6 replicas", "medium: `ops` scales it; the thread logs the action")
async def ops_scales_and_the_thread_logs_it(demo: DemoStack, request: str) -> None:
    assert inventory(demo, "search", "production")["replicas"] == 4
    run = await ask(demo, request)
    answer = await run.finish()
    assert "*ops*: Scale search in production to 6 replicas." in run.text()
    assert ":memo: Running `scale_service` (medium risk)" in run.text()  # logged, not asked
    assert run.cards() == [] and run.audit("requested") == []
    assert [(d["tool"], d["tier"]) for d in run.audit("executed")] == [("scale_service", "medium")]
    assert inventory(demo, "search", "production")["replicas"] == 6
    assert "Scaled search@production from 4 to 6 replicas" in answer


@row(
    "open an incident on api in staging",
    "medium raised to high: no severity was given, so `ops` guesses SEV3 at 60% confidence, and a doubtful write "
    "waits for a person; name one (`a SEV2 incident`) and it runs at once",
)
async def a_guessed_severity_waits_for_a_person(demo: DemoStack, request: str) -> None:
    before = incidents(demo, "api", "staging")
    run = await ask(demo, request)
    card = await run.card("open_incident")
    shown = json.dumps(card.blocks)
    assert "High risk" in shown and "*Agent confidence*\\n60%" in shown and "from medium to high" in shown, shown
    assert '\\"severity\\": \\"SEV3\\"' in shown  # the guess, in the arguments approvers see
    assert incidents(demo, "api", "staging") == before and run.executed() == []  # it waits for a person
    await click(demo, "U0BOB", card)
    await run.finish()
    assert [(d["tool"], d["tier"]) for d in run.audit("executed")] == [("open_incident", "high")]
    assert incidents(demo, "api", "staging") == [*before, "SEV3"]

    named = await ask(demo, "open a SEV2 incident on api in staging")
    await named.finish()
    assert named.cards() == [] and ":memo: Running `open_incident` (medium risk)" in named.text()
    assert [(d["tool"], d["tier"]) for d in named.audit("executed")] == [("open_incident", "medium")]
    assert incidents(demo, "api", "staging") == [*before, "SEV3", "SEV2"]


@row("restart api in staging", "high: an approval card; approve as bob or carol, and it runs once")
async def a_card_then_one_restart(demo: DemoStack, request: str) -> None:
    before = inventory(demo, "api", "staging")
    run = await ask(demo, request)
    card = await run.card("restart_service")
    assert "High risk" in json.dumps(card.blocks) and "`api@staging`" in json.dumps(card.blocks)
    await run.shows("Waiting for approval")
    assert inventory(demo, "api", "staging") == before and run.executed() == []  # it waits for a person

    await click(demo, "U0BOB", card)
    answer = await run.finish()
    decided = demo.stack.sandbox.state.find_message(CHANNEL, card.ts)
    assert decided is not None and "Approved by" in json.dumps(decided.blocks)
    assert APPROVE not in json.dumps(decided.blocks)  # edited in place: nobody can approve it again
    assert run.executed() == ["restart_service"]
    after = inventory(demo, "api", "staging")
    assert after["restarts"] == before["restarts"] + 1 and after["last_restart_at"] != before["last_restart_at"]
    assert "Restarted api@staging" in answer


@row("decommission notifications in dev", "critical: the task halts for two approvers and the typed target")
async def two_approvers_and_the_typed_target(demo: DemoStack, request: str) -> None:
    run = await ask(demo, request)
    card = await run.card("decommission_service")
    shown = json.dumps(card.blocks)
    assert "Critical" in shown and "`notifications@dev`" in shown and "0 of 2" in shown

    said = await approve_critical(demo, "U0BOB", card, "notifications")
    assert "type the exact target name" in said, said
    said = await approve_critical(demo, "U0BOB", card, "notifications@dev")
    assert "1 more approval" in said, said
    said = await approve_critical(demo, "U0BOB", card, "notifications@dev")
    assert "already voted" in said, said  # two approvers, not two votes
    # Halted: one approval is not enough, nothing ran and the task has not answered.
    assert "Waiting for approval" in run.root() and not [m for m in run.thread() if "reported" in m.text]
    assert inventory(demo, "notifications", "dev")["status"] == "stopped" and run.executed() == []

    await approve_critical(demo, "U0CAROL", card, "notifications@dev")
    answer = await run.finish()
    assert [(d["tool"], d["tier"]) for d in run.audit("executed")] == [("decommission_service", "critical")]
    after = inventory(demo, "notifications", "dev")
    assert (after["replicas"], after["status"]) == (0, "decommissioned")
    assert "Decommissioned notifications@dev" in answer


@row(
    "restart api in staging and tell oncall@example.com",
    "`ops` and `comms` in one handoff; the email lands in `.opsgate/mail/` after approval",
)
async def restart_and_email_after_approval(demo: DemoStack, request: str) -> None:
    mails, restarts = len(demo.mails()), inventory(demo, "api", "staging")["restarts"]
    run = await ask(demo, request)
    restart, email = await run.card("restart_service"), await run.card("send_email")
    [handoff] = [m.text for m in run.thread() if m.text.startswith("Handing off")]
    assert "*ops*" in handoff and "*comms*" in handoff, handoff
    # The email's dry run checked the address the placeholder stands for, and the card shows it masked only.
    card = json.dumps(email.blocks)
    assert "dry run failed" not in card and "not a plain email address" not in card, card
    assert "EMAIL_1" in card and "o***@example.com" in card and "oncall@example.com" not in card, card

    await click(demo, "U0BOB", restart)
    await eventually(lambda: "restart_service" in run.executed())  # the restart ran; the email's card waits
    assert len(demo.mails()) == mails and "send_email" not in run.executed()
    await click(demo, "U0CAROL", email)
    await run.finish()
    sent = demo.mails()[mails:]
    assert len(sent) == 1 and "To: oncall@example.com" in sent[0], sent  # the real address, restored once approved
    assert sorted(run.executed()) == ["restart_service", "send_email"]
    assert inventory(demo, "api", "staging")["restarts"] == restarts + 1


# --- the table itself ----------------------------------------------------------------------------------------


def test_every_expectation_is_a_row_of_the_readme() -> None:
    rows = dict(demo_table())
    assert len(rows) >= 6
    assert sorted(set(EXPECTED) - set(rows)) == [], "the README no longer has these rows: remove their expectations"


@pytest.mark.slow
@pytest.mark.parametrize(("request_text", "claim"), demo_table(), ids=lambda value: value[:40])
async def test_a_row_of_the_demo_table(demo_stack: DemoStack, request_text: str, claim: str) -> None:
    expected = EXPECTED.get(request_text)
    assert expected is not None, f"README's demo row `/ops {request_text}` has no expectation in {__name__}"
    assert claim == expected.claim, f"the README now says {claim!r} for `/ops {request_text}`: check the demo does"
    await expected.check(demo_stack, request_text)
