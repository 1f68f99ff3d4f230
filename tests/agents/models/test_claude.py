"""Claude through the real `anthropic` SDK against the loopback Messages-API fake, with and without resilience."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agents.confidence import CONFIDENCE, RATIONALE, Stated, without_reserved
from agents.messages import Message, ModelRequest, ToolResultBlock, ToolUseBlock, Usage
from agents.models.base import ModelError
from agents.models.claude import ClaudeModel
from agents.models.pricing import PriceTable
from agents.models.resilient import ResilientModel
from agents.resilience import BreakerState, CircuitBreaker, RetryPolicy
from testkit.fakes import (
    Delay,
    DropConnection,
    Failure,
    FakeClock,
    MessagesApiFake,
    Reply,
    text_reply,
    tool_use_reply,
)
from tests.agents.mcp.conftest import RestartService

MODEL = "claude-sonnet-4-6"
SYSTEM = "You are opsgate's on-call assistant. Answer from tool output only. " * 80  # past the cache minimum
TOOLS: list[dict[str, Any]] = [
    {
        "name": "list_services",
        "description": "List the services deployed in an environment.",
        "input_schema": {"type": "object", "properties": {"environment": {"type": "string"}}},
    },
    {
        "name": "service_status",
        "description": "The health of one service.",
        "input_schema": {"type": "object", "properties": {"service": {"type": "string"}}, "required": ["service"]},
    },
]
EPHEMERAL = {"type": "ephemeral"}


@pytest.fixture
async def fake() -> AsyncIterator[MessagesApiFake]:
    async with MessagesApiFake() as started:
        yield started


@pytest.fixture
async def claude(fake: MessagesApiFake) -> AsyncIterator[ClaudeModel]:
    model = ClaudeModel(api_key="sk-ant-test", model=MODEL, base_url=fake.base_url, timeout=5.0)
    yield model
    await model.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("model:anthropic", failure_threshold=3, cooldown=30.0, clock=clock)


def resilient(claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock, **policy: Any) -> ResilientModel:
    return ResilientModel(
        claude,
        breaker=breaker,
        policy=RetryPolicy(**policy),
        label="Claude",
        sleep=clock.sleep,
        clock=clock,
        random_draw=lambda: 0.5,
    )


def ask(text: str = "what runs in staging?", **extra: Any) -> ModelRequest:
    return ModelRequest(system=SYSTEM, messages=[Message.user_text(text)], tools=TOOLS, **extra)


async def test_a_tool_use_conversation_sends_tools_system_cache_markers_and_the_tool_result(
    fake: MessagesApiFake, claude: ClaudeModel
) -> None:
    fake.enqueue(
        tool_use_reply("list_services", {"environment": "staging"}, call_id="toolu_42", text="Let me look."),
        text_reply("Two services run in staging: api and worker."),
    )
    question = ask()
    first = await claude.request(question)
    assert first.stop_reason == "tool_use"
    assert first.tool_calls == [ToolUseBlock(id="toolu_42", name="list_services", input={"environment": "staging"})]

    result = ToolResultBlock(tool_use_id="toolu_42", content="api\nworker")
    follow_up = question.model_copy(
        update={
            "messages": [
                *question.messages,
                Message(role="assistant", content=list(first.content)),
                Message(role="user", content=[result]),
            ]
        }
    )
    answer = await claude.request(follow_up)
    assert answer.stop_reason == "end_turn"
    assert answer.text == "Two services run in staging: api and worker."

    sent = fake.message_requests
    assert len(sent) == 2
    for request in sent:
        assert request.body["model"] == MODEL
        assert request.system == [{"type": "text", "text": SYSTEM, "cache_control": EPHEMERAL}]
        assert [tool["name"] for tool in request.tools] == ["list_services", "service_status"]
        assert "cache_control" not in request.tools[0]
        assert request.tools[-1]["cache_control"] == EPHEMERAL
        assert request.headers["x-stainless-retry-count"] == "0"
    assert sent[1].messages[1]["content"][1] == {
        "type": "tool_use",
        "id": "toolu_42",
        "name": "list_services",
        "input": {"environment": "staging"},
    }
    assert sent[1].messages[-1] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_42",
                "content": "api\nworker",
                "is_error": False,
                "cache_control": EPHEMERAL,  # the end of the conversation: the next turn reads it back
            }
        ],
    }
    assert sent[1].messages[0]["content"][-1]["cache_control"] == EPHEMERAL  # the request (and its summaries)
    assert "cache_control" not in TOOLS[-1], "the caller's tool definitions are not mutated"


async def test_the_second_identical_prefix_is_read_from_the_cache_and_costed(
    fake: MessagesApiFake, claude: ClaudeModel
) -> None:
    fake.enqueue(text_reply("first"), text_reply("second"))
    first = await claude.request(ask("first question"))
    second = await claude.request(ask("a second, different question"))

    assert first.usage.cache_write_tokens >= 1024
    assert first.usage.cache_read_tokens == 0
    # The tools and system prompt are read back; only the new question is written (it carries the last marker).
    question = first.usage.cache_write_tokens - second.usage.cache_read_tokens
    assert 0 < question < 20
    assert 0 < second.usage.cache_write_tokens < 20
    assert second.usage.input_tokens == 0

    prices = PriceTable()
    usage = second.usage
    expected = (
        usage.input_tokens * 3.0
        + usage.output_tokens * 15.0
        + usage.cache_read_tokens * 0.3
        + usage.cache_write_tokens * 3.75
    ) / 1_000_000
    assert prices.cost(second.model, usage) == pytest.approx(expected)
    assert prices.cost(second.model, usage) < prices.cost(first.model, first.usage)


async def test_a_rate_limit_waits_exactly_what_the_server_asked_then_succeeds(
    fake: MessagesApiFake, claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fake.enqueue(Failure.rate_limited(retry_after=7), Failure.rate_limited(None, retry_after_ms=1500), text_reply("ok"))
    response = await resilient(claude, breaker, clock).request(ask())
    assert response.text == "ok"
    assert clock.sleeps == [7.0, 1.5]
    assert len(fake.message_requests) == 3
    assert breaker.snapshot().consecutive_failures == 0


async def test_repeated_overloads_open_the_breaker_and_later_calls_fail_fast_until_a_probe_succeeds(
    fake: MessagesApiFake, claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    model = resilient(claude, breaker, clock, max_attempts=4)
    fake.enqueue(*[Failure.overloaded()] * 3)

    with pytest.raises(ModelError) as exhausted:
        await model.request(ask())
    assert exhausted.value.retryable is False
    assert exhausted.value.kind == "overloaded"
    expected = r"Claude is overloaded: 3 attempts over 2 s; circuit open for 30 s \(last error: 529 overloaded_error"
    assert re.match(expected, str(exhausted.value))
    assert clock.sleeps == [0.5, 1.0]  # full jitter with the draw pinned at 0.5: half of 1 s, then of 2 s
    assert len(fake.message_requests) == 3

    with pytest.raises(ModelError) as refused:
        await model.request(ask())
    assert refused.value.kind == "circuit_open"
    assert "circuit model:anthropic is open for another 30 s after 3 consecutive failures" in str(refused.value)
    assert len(fake.message_requests) == 3, "an open breaker does not reach the API"

    clock.advance(30)
    assert breaker.state is BreakerState.HALF_OPEN
    fake.enqueue(text_reply("recovered"))
    assert (await model.request(ask())).text == "recovered"
    assert breaker.snapshot().state is BreakerState.CLOSED
    assert len(fake.message_requests) == 4


async def test_a_spend_limit_is_final_after_one_request(
    fake: MessagesApiFake, claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fake.enqueue(Failure.spend_limit(), text_reply("never sent"))
    with pytest.raises(ModelError) as caught:
        await resilient(claude, breaker, clock).request(ask())
    assert caught.value.kind == "spend_limit"
    assert caught.value.retryable is False
    assert "spend limit is reached" in str(caught.value)
    assert len(fake.message_requests) == 1
    assert clock.sleeps == []
    assert breaker.snapshot().consecutive_failures == 0


@pytest.mark.parametrize(
    ("failure", "kind"),
    [(Failure.bad_request(), "bad_request"), (Failure.unauthorized(), "auth"), (Failure.forbidden(), "auth")],
)
async def test_rejected_requests_are_not_retried(
    fake: MessagesApiFake, claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock, failure: Failure, kind: str
) -> None:
    fake.enqueue(failure, text_reply("never sent"))
    with pytest.raises(ModelError) as caught:
        await resilient(claude, breaker, clock).request(ask())
    assert (caught.value.kind, caught.value.retryable) == (kind, False)
    assert f"{failure.status} {failure.error_type}" in str(caught.value)
    assert len(fake.message_requests) == 1
    assert clock.sleeps == []


async def test_a_dropped_connection_is_retryable_and_retried(
    fake: MessagesApiFake, claude: ClaudeModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fake.enqueue(DropConnection(after_bytes=12))
    with pytest.raises(ModelError) as caught:
        await claude.request(ask())
    assert (caught.value.kind, caught.value.retryable) == ("connection", True)
    assert "RemoteProtocolError" in str(caught.value)

    fake.enqueue(DropConnection(), Failure.server_error(503), text_reply("whole"))
    assert (await resilient(claude, breaker, clock).request(ask())).text == "whole"
    assert len(fake.message_requests) == 4


async def test_a_timeout_and_a_missing_stop_reason_are_retryable(fake: MessagesApiFake) -> None:
    fake.enqueue(Delay(0.2, text_reply("late")), Reply(content=({"type": "text", "text": "cut"},), stop_reason=None))
    impatient = ClaudeModel(api_key="k", model=MODEL, base_url=fake.base_url, timeout=0.02)
    try:
        with pytest.raises(ModelError) as timed_out:
            await impatient.request(ask())
        assert (timed_out.value.kind, timed_out.value.retryable) == ("timeout", True)
        with pytest.raises(ModelError, match="without a stop reason") as cut:
            await impatient.request(ask())
        assert cut.value.retryable is True
    finally:
        await impatient.close()


async def test_usage_maps_all_four_token_kinds(fake: MessagesApiFake, claude: ClaudeModel) -> None:
    counts = {"input_tokens": 11, "output_tokens": 22, "cache_creation_input_tokens": 33, "cache_read_input_tokens": 44}
    fake.enqueue(Reply(content=({"type": "text", "text": "x"},), usage=counts))
    response = await claude.request(ask())
    assert response.usage == Usage(input_tokens=11, output_tokens=22, cache_write_tokens=33, cache_read_tokens=44)


async def test_the_sdk_emits_no_spans_and_no_trace_header(
    fake: MessagesApiFake, claude: ClaudeModel, span_exporter: InMemorySpanExporter
) -> None:
    fake.enqueue(text_reply("quiet"), text_reply("noisy"))
    with trace.get_tracer("tests").start_as_current_span("chat claude"):
        await claude.request(ask())
    assert [span.name for span in span_exporter.get_finished_spans()] == ["chat claude"]
    assert "traceparent" not in fake.message_requests[0].headers

    # Control: an SDK client left at its defaults does emit `anthropic.messages.create`, so the check above bites.
    async with anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0) as sdk:
        await sdk.messages.create(model=MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert "anthropic.messages.create" in [span.name for span in span_exporter.get_finished_spans()]


async def test_the_tripwire_stops_a_client_without_a_base_url() -> None:
    model = ClaudeModel(api_key="sk-ant-real-looking", model=MODEL)
    try:
        with pytest.raises(pytest.fail.Exception, match=r"anthropic-tripwire\.invalid"):
            await model.request(ask())
    finally:
        await model.close()


def test_prices_match_dated_ids_by_prefix_and_unknown_models_by_the_fallback() -> None:
    prices = PriceTable()
    assert prices.price_for("claude-haiku-4-5-20251001") == prices.models["claude-haiku-4-5"]
    assert prices.price_for("claude-opus-4-1-20250805").input == 15.0
    assert prices.price_for("some-future-model") == prices.fallback
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cache_read_tokens=1_000_000, cache_write_tokens=0)
    assert prices.cost("claude-haiku-4-5", usage) == pytest.approx(1.0 + 5.0 + 0.1)
    loaded = PriceTable.model_validate(
        {"models": {"m": {"input": 1, "output": 2, "cache_write": 3, "cache_read": 4}}, "fallback": {**_zero()}}
    )
    assert loaded.cost("m", Usage(input_tokens=10**6, cache_write_tokens=10**6)) == pytest.approx(4.0)
    assert loaded.cost("other", usage) == 0.0


def _zero() -> dict[str, float]:
    return {"input": 0.0, "output": 0.0, "cache_write": 0.0, "cache_read": 0.0}


async def test_a_write_asks_claude_for_its_confidence_and_the_stated_one_comes_back_with_the_call(
    fake: MessagesApiFake, claude: ClaudeModel
) -> None:
    restart = RestartService.spec
    fake.enqueue(
        tool_use_reply(
            "restart_service", {"service": "api", "environment": "staging"}, confidence=0.4, rationale="Guessing."
        )
    )

    question = ModelRequest(system=SYSTEM, messages=[Message.user_text("restart api")], tools=[restart.for_model()])
    response = await claude.request(question)

    [offered] = fake.message_requests[0].tools
    assert offered["input_schema"]["required"] == ["service", "environment", CONFIDENCE, RATIONALE]
    [call] = response.tool_calls
    assert without_reserved(call) == (
        ToolUseBlock(id="toolu_01", name="restart_service", input={"service": "api", "environment": "staging"}),
        Stated(0.4, "Guessing."),
    )
