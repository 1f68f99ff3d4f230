"""The token benchmark's measurement, shared by `bench.tokens` and its test: the scenario of
`testkit.tokens_scenario` run through `run_agent` and the real `anthropic` SDK against the loopback Messages-API
fake, once with the default context manager and once sending the full history."""

from __future__ import annotations

from dataclasses import dataclass

from agents.context import ContextConfig, ContextManager
from agents.loop import AgentProgress, ToolVerdict, run_agent
from agents.messages import ModelRequest, ModelResponse, ToolUseBlock, Usage
from agents.models.claude import ClaudeModel
from agents.models.pricing import PriceTable
from agents.tools import ToolResult
from testkit.fakes.messages_api import MessagesApiFake
from testkit.tokens_scenario import FACTS, REQUEST, TOOLS, Scenario

__all__ = ["MODEL", "NAIVE", "BenchRuntime", "Run", "measure", "run_scenario"]

MODEL = "claude-sonnet-4-6"
NAIVE = ContextConfig(max_input_tokens=10**9, keep_last_turns=10**6, max_result_chars=10**9)
"""Every exchange verbatim and uncut, never over budget: the windowing code path, sending the full history."""


class BenchRuntime:
    """`AgentRuntime` without Restate: the model is called directly, every call is allowed, nothing waits."""

    def __init__(self, model: ClaudeModel, scenario: Scenario) -> None:
        self.model = model
        self.scenario = scenario
        self.usages: list[Usage] = []

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        response = await self.model.request(request)
        self.usages.append(response.usage)
        return response

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        return ToolVerdict(allowed=True)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        return ToolResult(content=self.scenario.output(turn, call.name, call.input))

    async def progress(self, event: AgentProgress) -> None:
        pass

    async def settle_pending(self, turn: int) -> list[str]:
        return []


@dataclass(frozen=True)
class Run:
    label: str
    usages: list[Usage]
    answer: str
    status: str

    @property
    def missing(self) -> list[str]:
        return [label for label, value in FACTS.items() if value not in self.answer]

    @property
    def task_ok(self) -> bool:
        return self.status == "done" and not self.missing

    @staticmethod
    def sent(usage: Usage) -> int:
        return usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens

    @property
    def tokens(self) -> int:
        return sum(self.sent(u) for u in self.usages)

    @property
    def cost_usd(self) -> float:
        """What the tokens would be billed at the model's list prices (cache reads at 0.1x, writes at 1.25x)."""
        return PriceTable().cost(MODEL, sum(self.usages, Usage()))

    @property
    def cached_share(self) -> float:
        """Cache reads over all input tokens, from the second turn on (the first has nothing to read)."""
        later = self.usages[1:]
        total = sum(self.sent(u) for u in later)
        return sum(u.cache_read_tokens for u in later) / total if total else 0.0


async def run_scenario(scenario: Scenario, label: str, config: ContextConfig | None) -> Run:
    """One run of the scenario through the real SDK against a fresh fake (so an empty prompt cache)."""
    async with MessagesApiFake(scenario.script()) as fake:
        model = ClaudeModel(api_key="bench", model=MODEL, base_url=fake.base_url)
        runtime = BenchRuntime(model, scenario)
        try:
            outcome = await run_agent(scenario.spec, TOOLS, REQUEST, runtime, ContextManager(config))
        finally:
            await model.close()
    return Run(label=label, usages=runtime.usages, answer=outcome.answer, status=outcome.status)


async def measure(turns: int) -> tuple[Run, Run]:
    scenario = Scenario(turns)
    return await run_scenario(scenario, "managed", None), await run_scenario(scenario, "naive", NAIVE)
