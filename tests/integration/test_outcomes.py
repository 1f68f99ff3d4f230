"""Tool outcomes keep their kind through MCP, on the real stack (restate-server, worker, bot, sandbox): a built-in
tool in a specialist, served by the in-process MCP server, fails; its breaker and Restate's retries see it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox import Sandbox
from handlers.contracts import task_id_for
from tests.integration.flows import attach
from tests.integration.harness import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def outcomes_stack(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, stack: Stack
) -> AsyncIterator[Stack]:
    """A stack of its own: its worker's breakers open after 3 failures, and nothing else uses its tools."""
    own = await start_stack(tmp_path_factory.mktemp("outcomes"), sandbox, {"OPSGATE_BREAKER_FAILURES": "3"})
    yield own
    await stop_stack(own)
    sandbox.bot_url = stack.bot.events_url


async def hand_to_research(stack: Stack, name: str, tool: str) -> str:
    """The lead hands `[act:NAME:TOOL]` to the research specialist, which calls TOOL once."""
    stack.sandbox.bot_url = stack.bot.events_url
    reply = await stack.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[hand-act:{name}:{tool}] go"
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
