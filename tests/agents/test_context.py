"""The context manager over seeded synthetic conversations shaped like the loop's: validity, facts, caching, budget."""

from __future__ import annotations

import random

import pytest

from agents.context import (
    ContextConfig,
    ContextManager,
    InMemoryResultStore,
    append_user_turn,
    conversation_problems,
    replay_costs,
    request_tokens,
    truncate_result,
)
from agents.loop import AgentProgress, ToolVerdict, run_agent
from agents.messages import (
    ContentBlock,
    Message,
    ModelRequest,
    ModelResponse,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from agents.models import ScriptedModel
from agents.models.scripted import text_turn, tool_turn
from agents.spec import AgentSpec
from agents.tools import ToolResult
from tests.agents.sample_tools import ListServices

SYSTEM = "You are the on-call assistant. Answer from the tools' output; say which tool told you what."
TOOLS = [ListServices().spec.for_model()]
REQUEST = "Checkout is slow since the deploy. Incident INC-4821; the on-call is Priya Raman."


def _log(rng: random.Random, name: str, lines: int, fact: str) -> str:
    routine = [
        f"2024-05-01T12:{i % 60:02d}:00 INFO {name} handled path=/v1/x{i} in {rng.randint(5, 90)}ms"
        for i in range(lines)
    ]
    routine.insert(lines // 2, fact)
    return f"{name}: {lines} log lines\n" + "\n".join(routine)


def conversation(seed: int, turns: int) -> list[Message]:
    """What the loop builds: the request, then per turn an assistant message and the user's reply to it."""
    rng = random.Random(seed)
    messages = [Message.user_text(REQUEST)]
    for turn in range(1, turns + 1):
        calls = [
            ToolUseBlock(id=f"toolu_{turn}_{k}", name="get_logs", input={"service": f"svc-{turn}-{k}"})
            for k in range(rng.choice([0, 1, 1, 2, 3]))
        ]
        said: list[TextBlock] = [TextBlock(text=f"Step {turn}: checking.")] if calls and rng.random() < 0.7 else []
        if not calls:
            said = [TextBlock(text=f"Interim finding {turn}: nothing conclusive yet.")]
        messages.append(Message(role="assistant", content=[*said, *calls]))
        reply: list[ContentBlock] = [
            ToolResultBlock(
                tool_use_id=call.id,
                content=_log(
                    rng, str(call.input["service"]), rng.choice([3, 40, 200]), f"ERROR pool exhausted f{turn}"
                ),
                is_error=rng.random() < 0.1,
            )
            for call in calls
        ]
        if not calls or rng.random() < 0.2:
            reply.append(TextBlock(text=f"Follow-up {turn}: also look at queue-{turn}."))
        messages.append(Message(role="user", content=reply))
    return messages


def _text(request: ModelRequest) -> str:
    return "\n".join(m.model_dump_json() for m in request.messages)


CONFIGS = [
    ContextConfig(),
    ContextConfig(keep_last_turns=1, epoch_turns=1, max_result_chars=200),
    ContextConfig(keep_last_turns=2, epoch_turns=5, max_result_chars=500, max_input_tokens=3_000),
    ContextConfig(keep_last_turns=3, epoch_turns=3, max_input_tokens=400),
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("config", CONFIGS, ids=["default", "tiny-epochs", "tight", "impossible"])
def test_every_window_is_a_valid_conversation_that_keeps_the_request_and_the_last_exchange(
    seed: int, config: ContextConfig
) -> None:
    messages = conversation(seed, turns=random.Random(seed).randint(1, 25))
    manager = ContextManager(config)
    for end in range(1, len(messages) + 1, 2):
        window = manager.prepare(SYSTEM, messages[:end], TOOLS)
        sent = window.request.messages
        assert conversation_problems(sent) == []
        assert sent[0].content[0] == messages[0].content[0]
        if end > 1:
            assert sent[-2] == messages[end - 2]
            assert [type(b) for b in sent[-1].content] == [type(b) for b in messages[end - 1].content]
        assert window.tokens == request_tokens(window.request)
        assert window.over_budget == (window.tokens > config.max_input_tokens)


def test_facts_from_early_turns_survive_twenty_turns() -> None:
    messages = conversation(seed=3, turns=20)
    early_result = "ERROR checkout-db primary failed over to db-7.internal:5433 at 14:05 UTC"
    messages[2] = Message(
        role="user",
        content=[
            ToolResultBlock(tool_use_id="toolu_1_0", content=_log(random.Random(0), "checkout", 300, early_result))
        ],
    )
    messages[1] = Message(
        role="assistant", content=[ToolUseBlock(id="toolu_1_0", name="get_logs", input={"svc": "checkout"})]
    )
    messages[4] = Message.user_text("Note: the rollback ticket is CHG-2231 and Marta approved it.")
    window = ContextManager().prepare(SYSTEM, messages, TOOLS)
    assert window.summarized_turns >= 16
    sent = _text(window.request)
    for fact in ("INC-4821", "Priya Raman", "db-7.internal:5433", "CHG-2231", "Marta", '{\\"svc\\": \\"checkout\\"}'):
        assert fact in sent
    assert "ref:1:toolu_1_0" in sent


def test_long_results_are_cut_with_a_stable_reference_and_kept_in_the_store() -> None:
    content = _log(random.Random(1), "api", 500, "ERROR shard 12 unreachable")
    messages = [
        Message.user_text(REQUEST),
        Message(role="assistant", content=[ToolUseBlock(id="toolu_a", name="get_logs", input={})]),
        Message(role="user", content=[ToolResultBlock(tool_use_id="toolu_a", content=content)]),
    ]
    store = InMemoryResultStore()
    manager = ContextManager(ContextConfig(max_result_chars=1_500), store=store)
    [cut] = manager.prepare(SYSTEM, messages, TOOLS).request.messages[-1].content
    assert isinstance(cut, ToolResultBlock)
    assert len(cut.content) <= 1_500
    head = cut.content.index("\n[result truncated")
    marker = f'[result truncated: {len(content):,} chars; to read on, call read_result with ref="ref:1:toolu_a" '
    assert marker + f"offset={head}]" in cut.content
    assert "ERROR shard 12 unreachable" in cut.content  # from the cut middle
    assert cut.content.startswith(content[:200])
    assert cut.content.endswith(content[-200:])
    assert store.get("ref:1:toolu_a") == content
    later = [*messages, Message(role="assistant", content=[TextBlock(text="hm")]), Message.user_text("and?")]
    assert manager.prepare(SYSTEM, later, TOOLS).request.messages[2].content == [cut]
    assert truncate_result("short", "ref:1:x", 200) == "short"


def test_within_an_epoch_each_request_extends_the_last_and_summaries_never_change() -> None:
    messages = conversation(seed=5, turns=20)
    manager = ContextManager(ContextConfig(keep_last_turns=3, epoch_turns=4))
    previous: ModelRequest | None = None
    summaries: list[ContentBlock] = []
    for end in range(1, len(messages) + 1, 2):
        window = manager.prepare(SYSTEM, messages[:end], TOOLS)
        request = window.request
        first = request.messages[0].content
        assert first[: len(summaries) + 1] == [messages[0].content[0], *summaries]  # closed epochs never change
        summaries = first[1:]
        if previous is not None and len(first) == len(previous.messages[0].content):
            assert request.messages[: len(previous.messages)] == previous.messages  # append-only: a cached prefix
        assert window.cache_breakpoints[-1] == (len(request.messages) - 1, len(request.messages[-1].content) - 1)
        if len(request.messages) > 1:
            assert window.cache_breakpoints[0] == (0, len(first) - 1)
        previous = request
    assert len(summaries) == 4  # turns 1-16 in four epochs of four; 17-20 verbatim


def test_over_budget_drops_the_oldest_summaries_first_and_says_so() -> None:
    messages = conversation(seed=8, turns=20)
    roomy = ContextManager(ContextConfig(max_result_chars=300)).prepare(SYSTEM, messages, TOOLS)
    budget = roomy.tokens - 300
    window = ContextManager(ContextConfig(max_result_chars=300, max_input_tokens=budget)).prepare(
        SYSTEM, messages, TOOLS
    )
    assert not window.over_budget
    assert window.tokens <= budget
    assert window.dropped_turns > 0
    first = window.request.messages[0].content
    assert isinstance(first[1], TextBlock)
    assert first[1].text.startswith(f"[Turns 1–{window.dropped_turns} were dropped")
    assert window.request.messages[-1] == roomy.request.messages[-1]
    assert first[-1] == roomy.request.messages[0].content[-1]  # the newest summary survives


def test_an_impossible_budget_keeps_the_request_and_the_last_exchange_and_reports_it() -> None:
    messages = conversation(seed=9, turns=12)
    window = ContextManager(ContextConfig(max_input_tokens=10)).prepare(SYSTEM, messages, TOOLS)
    assert window.over_budget
    assert window.summarized_turns == 11
    assert window.dropped_turns == 11
    assert len(window.request.messages) == 3
    assert window.request.messages[0].content[0] == messages[0].content[0]
    assert window.request.messages[1] == messages[-2]


def test_follow_ups_become_user_turns() -> None:
    assert append_user_turn([], "hi") == [Message.user_text("hi")]
    answered = [Message.user_text("q"), Message(role="assistant", content=[TextBlock(text="a")])]
    assert append_user_turn(answered, "and staging?")[-1] == Message.user_text("and staging?")
    results = [
        Message.user_text("q"),
        Message(role="assistant", content=[ToolUseBlock(id="t1", name="x", input={})]),
        Message(role="user", content=[ToolResultBlock(tool_use_id="t1", content="r")]),
    ]
    joined = append_user_turn(results, "also prod")
    assert len(joined) == 3
    assert joined[-1].content == [ToolResultBlock(tool_use_id="t1", content="r"), TextBlock(text="also prod")]
    assert conversation_problems(joined) == []


def test_conversation_problems_names_orphans_and_role_errors() -> None:
    orphan = [Message.user_text("q"), Message(role="user", content=[ToolResultBlock(tool_use_id="t9", content="r")])]
    assert conversation_problems(orphan) == [
        "messages 0 and 1 are both from the user",
        "message 1 answers t9, not called just before",
    ]
    unanswered = [
        Message.user_text("q"),
        Message(role="assistant", content=[ToolUseBlock(id="t1", name="x", input={})]),
    ]
    assert conversation_problems([*unanswered, Message.user_text("?")]) == [
        "message 1 calls t1 and the next message has no result for it"
    ]


def test_twenty_turns_cost_under_forty_percent_of_naive_and_mostly_hit_the_cache() -> None:
    costs = replay_costs(SYSTEM, conversation(seed=11, turns=20), TOOLS)
    assert len(costs) == 21
    managed = sum(c.managed_tokens for c in costs)
    naive = sum(c.naive_tokens for c in costs)
    assert managed <= 0.4 * naive
    cached = sum(c.managed_cached_tokens for c in costs[1:])
    assert cached >= 0.5 * sum(c.managed_tokens for c in costs[1:])


AGENT = AgentSpec(name="ops", purpose="answer", prompt=SYSTEM, tools=["list_services"], max_turns=12)


class _Runtime:
    """Every tool call returns a long log, so windows summarize and cut."""

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        raise AssertionError("the scripted model is called directly")

    async def review_tool(self, turn: int, call: ToolUseBlock, rationale: str) -> ToolVerdict:
        return ToolVerdict(allowed=True)

    async def run_tool(self, turn: int, call: ToolUseBlock) -> ToolResult:
        return ToolResult(content=_log(random.Random(turn), call.id, 150, f"ERROR found in {call.id}"))

    async def progress(self, event: AgentProgress) -> None:
        pass

    async def settle_pending(self, turn: int) -> list[str]:
        return []


class _ScriptedRuntime(_Runtime):
    def __init__(self, model: ScriptedModel) -> None:
        self.model = model

    async def model_turn(self, turn: int, request: ModelRequest) -> ModelResponse:
        return await self.model.request(request)


async def test_the_loop_sends_windowed_requests_and_rebuilds_them_identically() -> None:
    def script() -> ScriptedModel:
        turns = [tool_turn("list_services", {"n": i}, call_id=f"toolu_{i}") for i in range(1, 11)]
        return ScriptedModel([*turns, text_turn("done")])

    config = ContextConfig(keep_last_turns=2, epoch_turns=3, max_result_chars=600)
    first, again = script(), script()
    tools = [ListServices().spec]
    outcome = await run_agent(AGENT, tools, REQUEST, _ScriptedRuntime(first), ContextManager(config))
    await run_agent(AGENT, tools, REQUEST, _ScriptedRuntime(again), ContextManager(config))
    assert outcome.status == "done"
    assert outcome.turns == 11
    assert first.requests == again.requests
    last = first.requests[-1]
    assert conversation_problems(last.messages) == []
    summaries = last.messages[0].content[1:]
    assert [b.text.splitlines()[0] for b in summaries if isinstance(b, TextBlock)] == [
        "[Summary of turns 1–3; the exchanges themselves were dropped to save tokens]",
        "[Summary of turns 4–6; the exchanges themselves were dropped to save tokens]",
    ]
    assert "ERROR found in toolu_1" in _text(last)
    assert 'call read_result with ref=\\"ref:10:toolu_10\\"' in _text(last)
