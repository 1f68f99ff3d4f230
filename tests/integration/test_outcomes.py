"""Tool outcomes keep their kind through MCP, on the real stack (restate-server, worker, bot, sandbox): built-in
tools in a specialist, served by the in-process MCP server, fail; breakers and Restate's retries see it, and an
email whose outcome is unknown goes to a person, whose answer the agent is told."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.cards import APPROVE_ACTION, OUTCOME_HAPPENED_ACTION, OUTCOME_NOT_HAPPENED_ACTION, OUTCOME_RERUN_ACTION
from bot.sandbox import Sandbox, SandboxState
from bot.sandbox.records import Message
from handlers.contracts import task_id_for
from opsgate.restate_server import free_port
from tests.integration.flows import attach
from tests.integration.harness import Stack, start_stack, stop_stack
from tests.integration.test_approvals import audit_rows

pytestmark = pytest.mark.integration


class HangingRelay:
    """A loopback SMTP server that takes in the first message and then never answers it (the sender times out,
    not knowing whether it was delivered), and delivers every later one."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[str] = []
        self.delivered: list[str] = []
        self._controller: Any = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((envelope.original_content or b"").decode(errors="replace"))
        if len(self.received) == 1:
            await asyncio.sleep(3600)  # the sender gives up first (after 10 s); stopping the relay ends this
        self.delivered.append(self.received[-1])
        return "250 Message accepted for delivery"

    def __enter__(self) -> HangingRelay:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def env(self) -> dict[str, str]:
        return {"OPSGATE_SMTP_HOST": "127.0.0.1", "OPSGATE_SMTP_PORT": str(self.port), "OPSGATE_SMTP_STARTTLS": "false"}


@pytest.fixture(scope="module")
def relay() -> Iterator[HangingRelay]:
    with HangingRelay() as running:
        yield running


@pytest.fixture(scope="module")
async def outcomes_stack(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, stack: Stack, relay: HangingRelay
) -> AsyncIterator[Stack]:
    """A stack of its own: its worker's breakers open after 3 failures, it emails through the relay, and nothing
    else uses its tools."""
    env = {"OPSGATE_BREAKER_FAILURES": "3", **relay.env()}
    own = await start_stack(tmp_path_factory.mktemp("outcomes"), sandbox, env)
    yield own
    await stop_stack(own)
    sandbox.bot_url = stack.bot.events_url


MAIL = "C0DEPLOY"
"""Where the email test asks: its answers to Alice and Carol are not read by the tests in #ops (the sandbox, and so
its ephemerals, are shared by the whole session)."""


def card_with(
    state: SandboxState, needle: str, action: str, *, besides: tuple[str, ...] = (), channel: str = "C0OPS"
) -> Message | None:
    """The newest message in `channel` whose blocks mention `needle` and carry the button `action`."""
    for message in reversed(state.messages_in(channel)):
        text = json.dumps(message.blocks)
        if needle in text and f'"{action}"' in text and message.ts not in besides:
            return message
    return None


def answered(state: SandboxState, ts: str, channel: str) -> Message | None:
    """The question card at `ts`, once edited to say it did not happen (its buttons gone)."""
    message = state.find_message(channel, ts)
    text = json.dumps(message.blocks) if message is not None else ""
    return message if "It did not happen" in text and OUTCOME_NOT_HAPPENED_ACTION not in text else None


async def wait_card_with(
    stack: Stack, needle: str, action: str, *, besides: tuple[str, ...] = (), channel: str = "C0OPS"
) -> Message:
    found: Message = await stack.sandbox.wait_for(
        lambda s: card_with(s, needle, action, besides=besides, channel=channel), timeout=40
    )
    return found


async def press(stack: Stack, user: str, card: Message, action: str) -> str:
    """Click `action` on `card` as `user`, and return the answer they alone see (a new ephemeral)."""
    seen = len(stack.sandbox.state.ephemerals_for(card.channel, user))
    reply = await stack.sandbox.click_button(
        user_id=user, channel_id=card.channel, message_ts=card.ts, action_id=action
    )
    assert reply.status == 200, reply

    def new(state: SandboxState) -> str | None:
        shown = state.ephemerals_for(card.channel, user)
        return shown[seen].text if len(shown) > seen else None

    text: str = await stack.sandbox.wait_for(new, timeout=15)
    return text


async def hand_to_research(stack: Stack, name: str, tool: str, channel: str = "C0OPS") -> str:
    """The lead hands `[act:NAME:TOOL]` to the research specialist, which calls TOOL once."""
    stack.sandbox.bot_url = stack.bot.events_url
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id=channel, text=f"[hand-act:{name}:{tool}] go"
    )
    assert reply.status == 200, reply
    return task_id_for("T0SANDBOX", reply.trigger_id)


async def test_a_failing_idempotent_builtin_is_retried_then_reported_unavailable_and_opens_its_breaker(
    outcomes_stack: Stack, probe_name: str
) -> None:
    first = await attach(outcomes_stack, await hand_to_research(outcomes_stack, probe_name, "failing_lookup"))
    assert first["phase"] == "done"
    attempts = outcomes_stack.probe_lines(probe_name, "fault")
    assert len(attempts) == 3, "TOOL_RETRY: three attempts by Restate, then no more"
    assert len(set(attempts)) == 1, "each attempt of the same call, with the same idempotency key"
    assert "failing_lookup is unavailable (it failed 3 times)" in first["answer"]
    assert "hunter2" not in first["answer"], "the tool's own words never reach the model"
    thread = outcomes_stack.sandbox.state.thread("C0OPS", first["thread_ts"])
    assert any("failing_lookup" in m.text and "is failing" in m.text for m in thread)

    second_name = f"{probe_name}-b"
    second = await attach(outcomes_stack, await hand_to_research(outcomes_stack, second_name, "failing_lookup"))
    assert second["phase"] == "done"
    assert outcomes_stack.probe_lines(second_name, "fault") == [], "the breaker is open: the tool is not called"
    assert "circuit tool:failing_lookup is open" in second["answer"]


async def test_an_email_whose_outcome_is_unknown_asks_a_person_and_not_happened_lets_the_agent_send_it_once_more(
    outcomes_stack: Stack, relay: HangingRelay, probe_name: str
) -> None:
    stack = outcomes_stack
    task_id = await hand_to_research(stack, probe_name, "send_email", MAIL)
    subject = f"note {probe_name}"
    approval = await wait_card_with(stack, subject, APPROVE_ACTION, channel=MAIL)  # an open-world write: high
    assert "Approved" in await press(stack, "U0BOB", approval, APPROVE_ACTION)

    # The relay takes the message in and never answers: the worker's SMTP client times out after sending.
    question = await wait_card_with(stack, subject, OUTCOME_NOT_HAPPENED_ACTION, channel=MAIL)
    shown = json.dumps(question.blocks)
    assert "Did this happen? send_email" in shown
    assert OUTCOME_HAPPENED_ACTION in shown and OUTCOME_RERUN_ACTION not in shown, "not safe to repeat: no rerun"
    assert "The tool could not tell whether the call took effect" in shown
    assert len(relay.received) == 1 and relay.delivered == []

    refused = await press(stack, "U0ALICE", question, OUTCOME_NOT_HAPPENED_ACTION)  # the requester may not say so
    assert refused == "you requested this action, so someone else must say it did not happen"
    accepted = await press(stack, "U0CAROL", question, OUTCOME_NOT_HAPPENED_ACTION)
    assert accepted.startswith("Recorded: it did not happen.")

    # Told it did not happen, the agent sends it once more: a new call, approved again, delivered this time.
    again = await wait_card_with(stack, subject, APPROVE_ACTION, besides=(approval.ts,), channel=MAIL)
    assert "Approved" in await press(stack, "U0BOB", again, APPROVE_ACTION)
    outcome = await attach(stack, task_id, timeout=60)
    assert outcome["phase"] == "done"
    assert "did NOT happen" in outcome["answer"] and f"Sent '{subject}'" in outcome["answer"]
    assert len(relay.delivered) == 1 and len(relay.received) == 2

    settled = await stack.sandbox.wait_for(lambda state: answered(state, question.ts, MAIL), timeout=20)
    assert "<@U0CAROL>" in json.dumps(settled.blocks), "the card says who answered"
    rows = audit_rows(stack, task_id)
    events = [row.event for row in rows if row.event != "guardrail"]
    assert events.count("outcome_unknown") == 1 and events.count("executed") == 1
    [resolved] = [row for row in rows if row.event == "resolved"]
    assert resolved.actor == "U0CAROL" and json.loads(resolved.detail)["answer"] == "not_happened"
    assert any(row.event == "refused" and row.actor == "U0ALICE" for row in rows)
