"""Budgets in the agent loop: checked before each model turn and tool call; once one is spent the agent stops
working, still waits for the approvals it asked for, and ends `timed_out` (working time) or `over_budget`
(tokens, cost, calls) with their outcomes and a sentence saying what stopped it."""

from __future__ import annotations

from agents.loop import NOT_RUN, Stop, ToolVerdict, run_agent
from agents.messages import ModelResponse, ToolUseBlock, Usage
from agents.models import ScriptedModel
from agents.models.scripted import text_turn, tool_turn
from agents.tools import Toolbox
from tests.agents.sample_tools import ListServices
from tests.agents.test_loop import AGENT, InMemoryRuntime

TIME_SPENT = "my work budget of 30 s was spent before I finished"


class CountedBudget:
    """Spent after `checks` checks: each model turn and tool call costs one."""

    def __init__(self, checks: int) -> None:
        self.left = checks
        self.asked: list[bool] = []

    async def stop(self, usage: Usage, *, model_call: bool) -> Stop | None:
        self.asked.append(model_call)
        self.left -= 1
        return Stop(status="timed_out", reason=TIME_SPENT) if self.left < 0 else None


class TokenBudget:
    """Spent once the agent's own model calls used `limit` tokens."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def stop(self, usage: Usage, *, model_call: bool) -> Stop | None:
        if usage.total >= self.limit:
            return Stop(status="over_budget", reason=f"the token budget of {self.limit} tokens is spent")
        return None


class SettlingRuntime(InMemoryRuntime):
    def __init__(self, model: ScriptedModel, toolbox: Toolbox, decisions: list[list[str]]) -> None:
        super().__init__(model, toolbox)
        self.decisions = decisions
        self.settled = 0

    async def settle_pending(self, turn: int) -> list[str]:
        self.settled += 1
        return self.decisions.pop(0) if self.decisions else []


def two_calls() -> ModelResponse:
    calls = [
        ToolUseBlock(id="toolu_a", name="list_services", input={"environment": "staging"}),
        ToolUseBlock(id="toolu_b", name="list_services", input={"environment": "production"}),
    ]
    return ModelResponse(id="msg_two", model="scripted", content=calls, stop_reason="tool_use")


async def test_a_spent_budget_stops_before_the_next_model_turn_and_still_settles_approvals() -> None:
    toolbox = Toolbox([ListServices()])
    model = ScriptedModel([tool_turn("list_services", {"environment": "staging"}), text_turn("never asked")])
    runtime = SettlingRuntime(model, toolbox, [["restart_service (toolu_x): approved and run. Result: ok"]])
    budget = CountedBudget(checks=2)  # turn 1 and its one tool call
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", runtime, budget=budget)
    assert outcome.status == "timed_out"
    assert len(model.requests) == 1  # the second turn was never asked for
    assert runtime.settled == 1  # the approval it asked for was still waited for
    assert outcome.answer.startswith(f"I stopped: {TIME_SPENT}.")
    assert "restart_service (toolu_x): approved and run" in outcome.answer


async def test_calls_after_the_budget_is_spent_are_not_run_and_say_why() -> None:
    toolbox = Toolbox([ListServices()])
    model = ScriptedModel([two_calls(), text_turn("never asked")])
    runtime = SettlingRuntime(model, toolbox, [])
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", runtime, budget=CountedBudget(checks=2))
    assert outcome.status == "timed_out"
    assert [call.id for call in runtime.tool_calls] == ["toolu_a"]  # toolu_b came after the budget
    assert outcome.tool_calls == 1 and outcome.turns == 1
    assert runtime.settled == 1


async def test_decisions_reported_to_the_model_earlier_stay_in_a_timed_out_answer() -> None:
    toolbox = Toolbox([ListServices()])
    model = ScriptedModel([text_turn("waiting"), tool_turn("list_services", {"environment": "staging"})])
    decided = ["restart_service (toolu_x): approved and run. Result: restarted"]
    runtime = SettlingRuntime(model, toolbox, [decided])
    # Turn 1 (settles the approval, tells the model), turn 2 (a call), then the budget is gone.
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", runtime, budget=CountedBudget(checks=2))
    assert outcome.status == "timed_out"
    assert decided[0] in outcome.answer


async def test_a_budget_that_is_never_spent_changes_nothing() -> None:
    toolbox = Toolbox([ListServices()])
    model = ScriptedModel([tool_turn("list_services", {"environment": "staging"}), text_turn("two services")])
    budget = CountedBudget(checks=100)
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", InMemoryRuntime(model, toolbox), budget=budget)
    assert (outcome.status, outcome.answer) == ("done", "two services")
    assert budget.asked == [True, False, True]  # before turn 1, the call, and turn 2
    assert NOT_RUN.format(reason=TIME_SPENT) not in str(model.requests)


async def test_a_token_budget_stops_before_the_model_turn_that_would_exceed_it() -> None:
    toolbox = Toolbox([ListServices()])
    spends = Usage(input_tokens=600, output_tokens=100)
    turns = [tool_turn("list_services", {"environment": "staging"}).model_copy(update={"usage": spends})] * 5
    model = ScriptedModel([*turns, text_turn("never asked")])
    runtime = SettlingRuntime(model, toolbox, [])
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", runtime, budget=TokenBudget(limit=1000))
    assert outcome.status == "over_budget"
    assert len(model.requests) == 2  # 700 tokens after turn 1, 1,400 after turn 2: turn 3 was never asked
    assert outcome.usage.total == 1400
    assert outcome.answer.startswith("I stopped: the token budget of 1000 tokens is spent.")


class BudgetGateRuntime(SettlingRuntime):
    """A gate that refuses the second call for a spent budget, as the output guardrails do (rule O7)."""

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        if call.id == "toolu_b":
            return ToolVerdict(allowed=False, reason="rate limit reached: this task may make 1 tool calls", stop=True)
        return await super().review_tool(turn, call, rationale)


async def test_a_call_refused_for_a_spent_budget_stops_the_agent_and_says_so() -> None:
    toolbox = Toolbox([ListServices()])
    model = ScriptedModel([two_calls(), text_turn("never asked")])
    runtime = BudgetGateRuntime(model, toolbox, [])
    outcome = await run_agent(AGENT, toolbox.specs(AGENT.tools), "go", runtime)
    assert outcome.status == "over_budget"
    assert len(model.requests) == 1
    assert outcome.answer.startswith("I stopped: rate limit reached: this task may make 1 tool calls.")
