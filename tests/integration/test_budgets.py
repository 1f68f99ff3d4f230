"""Budgets that bind, on the shipped configuration: the example `opsgate.yml` with its per-task budgets lowered
(tokens, cost, tool calls) and a token budget on the `data` agent, the production worker, and the real
`anthropic` SDK against the Messages fake, which claims the usage each case needs.

Each budget stops its task before the next model call or tool call, and the thread's answer says what was spent
and which setting raises it; the charges land in the ledger every replica shares, once per model call.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.sandbox import Sandbox
from handlers.contracts import TaskPhase, task_id_for
from opsgate.db import create_db_engine
from opsgate.teamconfig import parse_team_config
from testkit.fakes.messages_script import RecordedRequest, Reply, Step, text_reply, tool_use_reply
from testkit.fakes.messages_team import last_results
from tests.integration.flows import attach
from tests.integration.harness import Stack
from tests.integration.shipped import EXAMPLE_CONFIG, ShippedStack, shipped

pytestmark = pytest.mark.integration

TOKENS_PER_TASK = 20_000
COST_PER_TASK = 0.10
CALLS_PER_TASK = 3
DATA_TOKEN_BUDGET = 3_000


def budget_config() -> str:
    """The example file, with only its budgets changed."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data.setdefault("guardrails", {}).setdefault("output", {})["budgets"] = {
        "tokens_per_task": {"limit": TOKENS_PER_TASK, "window_s": None},
        "cost_per_task": {"limit_usd": COST_PER_TASK, "window_s": None},
        "calls_per_task": {"limit": CALLS_PER_TASK, "window_s": None},
    }
    for agent in data["agents"]:
        if agent["name"] == "data":
            agent["token_budget"] = DATA_TOKEN_BUDGET
    text = yaml.safe_dump(data, sort_keys=False)
    parse_team_config(text, "budget test configuration")
    return text


@pytest.fixture(scope="module")
async def budget_stack(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, stack: Stack
) -> AsyncIterator[ShippedStack]:
    async with shipped(tmp_path_factory.mktemp("budgets"), sandbox, stack, budget_config()) as started:
        yield started


def new_case() -> str:
    return f"b{uuid.uuid4().hex[:10]}"


def spending(reply: Reply, **usage: int) -> Reply:
    return dataclasses.replace(reply, usage=usage)


def list_services(case: str, count: int = 1) -> Reply:
    calls = [
        tool_use_reply("list_services", {"environment": "staging"}, call_id=f"toolu_{case}_{i}").content[0]
        for i in range(count)
    ]
    return Reply(content=tuple(calls), stop_reason="tool_use")


async def run_case(budget_stack: ShippedStack, case: str, lead: Any, agents: dict[str, Any] | None = None) -> str:
    """Run one request whose agents play `lead` (and `agents`); return the task id once it ended."""
    plays = {"lead": lead, **(agents or {})}
    budget_stack.plays.add(case, lambda agent, turn, request: plays[agent](turn, request))
    sandbox = budget_stack.stack.sandbox
    reply = await sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"[case:{case}] go")
    assert reply.status == 200, reply
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    await attach(budget_stack.stack, task_id, timeout=60)
    return task_id


def answer_in_thread(stack: Stack, task_id: str) -> str:
    record = stack.store.get(task_id)
    assert record is not None and record.thread_ts is not None
    texts = [message.text for message in stack.sandbox.state.thread("C0OPS", record.thread_ts)]
    stopped = [text for text in texts if "I stopped" in text]
    assert len(stopped) == 1, texts
    return stopped[0]


def turns_asked(budget_stack: ShippedStack, case: str) -> list[tuple[str, int]]:
    return [(agent, turn) for asked, agent, turn in budget_stack.plays.calls if asked == case]


def charged(stack: Stack, key: str) -> int:
    engine = create_db_engine(f"sqlite:///{stack.config_file.parent / 'opsgate.db'}")
    with engine.connect() as connection:
        query = sa.text("SELECT coalesce(sum(amount), 0) FROM budget_counters WHERE key = :key")
        return int(connection.execute(query, {"key": key}).scalar_one())


async def test_a_task_over_its_token_budget_stops_before_the_next_model_call_and_says_so(
    budget_stack: ShippedStack,
) -> None:
    case = new_case()

    def lead(turn: int, request: RecordedRequest) -> Step:
        return spending(list_services(case), input_tokens=TOKENS_PER_TASK + 5_000)

    task_id = await run_case(budget_stack, case, lead)
    stack = budget_stack.stack

    assert turns_asked(budget_stack, case) == [("lead", 1)]  # the second turn was never asked for
    answer = answer_in_thread(stack, task_id)
    assert f"this task's token budget of {TOKENS_PER_TASK:,} tokens is spent" in answer
    assert "guardrails.output.budgets.tokens_per_task" in answer
    record = stack.store.get(task_id)
    assert record is not None and record.status == TaskPhase.FAILED
    assert charged(stack, f"tokens:task:{task_id}") >= TOKENS_PER_TASK + 5_000
    assert charged(stack, "tokens:channel:C0OPS") >= TOKENS_PER_TASK + 5_000  # per channel and per person too
    assert charged(stack, "tokens:user:T0SANDBOX:U0ALICE") >= TOKENS_PER_TASK + 5_000


async def test_a_task_over_its_cost_budget_stops_and_names_the_setting(budget_stack: ShippedStack) -> None:
    case = new_case()

    def lead(turn: int, request: RecordedRequest) -> Step:
        return spending(list_services(case), output_tokens=8_000)  # $0.12 at Sonnet's $15 per million

    task_id = await run_case(budget_stack, case, lead)

    assert turns_asked(budget_stack, case) == [("lead", 1)]
    answer = answer_in_thread(budget_stack.stack, task_id)
    assert f"this task's cost budget of ${COST_PER_TASK:.2f} is spent" in answer
    assert "guardrails.output.budgets.cost_per_task" in answer


async def test_a_task_over_its_call_budget_stops_at_the_call_that_passes_it(budget_stack: ShippedStack) -> None:
    case = new_case()

    def lead(turn: int, request: RecordedRequest) -> Step:
        return list_services(case, count=CALLS_PER_TASK + 1)

    task_id = await run_case(budget_stack, case, lead)
    stack = budget_stack.stack

    assert turns_asked(budget_stack, case) == [("lead", 1)]
    answer = answer_in_thread(stack, task_id)
    assert f"this task may make {CALLS_PER_TASK} tool calls" in answer
    assert "guardrails.output.budgets.calls_per_task" in answer
    assert charged(stack, f"calls:task:{task_id}") == CALLS_PER_TASK  # the refused call charged nothing


async def test_an_agents_own_token_budget_stops_that_agent_and_the_lead_hears_why(budget_stack: ShippedStack) -> None:
    case = new_case()

    def lead(turn: int, request: RecordedRequest) -> Step:
        if turn == 1:
            task = {"agent": "data", "objective": f"[case:{case}] count the services", "timeout_seconds": 60}
            return tool_use_reply("delegate", {"tasks": [task]}, call_id=f"toolu_{case}_delegate")
        return text_reply("synthesis: " + last_results(request)[0])

    def data(turn: int, request: RecordedRequest) -> Step:
        return spending(list_services(case), input_tokens=DATA_TOKEN_BUDGET + 1_000)

    task_id = await run_case(budget_stack, case, lead, {"data": data})

    assert ("data", 2) not in turns_asked(budget_stack, case)
    record = budget_stack.stack.store.get(task_id)
    assert record is not None and record.outcome is not None
    [result] = json.loads(record.outcome.removeprefix("synthesis: "))["results"]
    assert result["status"] == "over_budget"
    assert f"agent data's token budget of {DATA_TOKEN_BUDGET:,} tokens per task is spent" in result["summary"]
