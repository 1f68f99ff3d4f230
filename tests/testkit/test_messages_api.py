"""The Messages-API fake, seen through the real `anthropic` SDK: shapes, failures, token counts and caching."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
import pytest

from testkit.fakes import (
    Delay,
    DropConnection,
    Failure,
    MessagesApiFake,
    RecordedRequest,
    count_request_tokens,
    text_reply,
    tool_use_reply,
)

MODEL = "claude-sonnet-4-6"
LONG_SYSTEM = "You are the on-call assistant. " * 200  # ~6,000 characters: past the 1024-token cache minimum
TOOL: dict[str, Any] = {
    "name": "list_services",
    "description": "List the services deployed in an environment.",
    "input_schema": {"type": "object", "properties": {"environment": {"type": "string"}}},
}


@pytest.fixture
async def fake() -> AsyncIterator[MessagesApiFake]:
    async with MessagesApiFake() as started:
        yield started


@pytest.fixture
async def client(fake: MessagesApiFake) -> AsyncIterator[anthropic.AsyncAnthropic]:
    sdk = anthropic.AsyncAnthropic(api_key="sk-test", base_url=fake.base_url, max_retries=0, open_telemetry=False)
    yield sdk
    await sdk.close()


async def ask(client: anthropic.AsyncAnthropic, text: str = "hi", **extra: Any) -> anthropic.types.Message:
    message: anthropic.types.Message = await client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": text}], **extra
    )
    return message


async def test_scripted_replies_arrive_as_sdk_messages_and_requests_are_recorded(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    fake.enqueue(tool_use_reply("list_services", {"environment": "prod"}, text="Checking."), text_reply("done"))

    first = await ask(client, "what runs?", tools=[TOOL])
    second = await ask(client)

    assert first.stop_reason == "tool_use"
    assert [block.type for block in first.content] == ["text", "tool_use"]
    assert first.model == MODEL
    assert second.content[0].type == "text"
    assert second.content[0].text == "done"
    assert [r.path for r in fake.requests] == ["/v1/messages", "/v1/messages"]
    assert fake.requests[0].tools == [TOOL]
    assert fake.requests[0].headers["anthropic-version"]
    assert fake.pending_steps == 0


async def test_a_step_can_compute_its_reply_from_the_request(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    fake.enqueue(lambda request: text_reply(f"you said {request.messages[-1]['content']}"))
    reply = await ask(client, "ping")
    assert reply.content[0].type == "text"
    assert reply.content[0].text == "you said ping"


async def test_an_exhausted_script_answers_a_400_naming_the_request(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    with pytest.raises(anthropic.BadRequestError, match="request 1 but the script has 0 steps"):
        await ask(client)


@pytest.mark.parametrize(
    ("failure", "error_class", "error_type"),
    [
        (Failure.rate_limited(3), anthropic.RateLimitError, "rate_limit_error"),
        (Failure.spend_limit(), anthropic.EnforcedSpendLimitReachedError, "rate_limit_error"),
        (Failure.overloaded(), anthropic.OverloadedError, "overloaded_error"),
        (Failure.server_error(), anthropic.InternalServerError, "api_error"),
        (Failure.bad_request(), anthropic.BadRequestError, "invalid_request_error"),
        (Failure.unauthorized(), anthropic.AuthenticationError, "authentication_error"),
    ],
)
async def test_failures_are_shaped_like_the_real_api(
    fake: MessagesApiFake,
    client: anthropic.AsyncAnthropic,
    failure: Failure,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    fake.enqueue(failure)
    with pytest.raises(error_class) as caught:
        await ask(client)
    error = caught.value
    assert error.status_code == failure.status
    assert error.type == error_type
    assert error.request_id is not None
    assert isinstance(error.body, dict)
    assert error.body["type"] == "error"
    assert error.body["request_id"] == error.request_id
    if failure.status == 429 and failure.error_code is None:
        assert error.response.headers["retry-after"] == "3"


async def test_a_connection_dropped_mid_body_is_a_remote_protocol_error(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    fake.enqueue(DropConnection(after_bytes=10))
    with pytest.raises(anthropic.APIConnectionError) as caught:
        await ask(client)
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)


async def test_a_slow_reply_times_the_client_out(fake: MessagesApiFake) -> None:
    fake.enqueue(Delay(0.2, text_reply("late")))
    async with anthropic.AsyncAnthropic(
        api_key="k", base_url=fake.base_url, max_retries=0, timeout=0.02, open_telemetry=False
    ) as sdk:
        with pytest.raises(anthropic.APITimeoutError):
            await ask(sdk)


async def test_count_tokens_uses_the_documented_proxy_and_takes_no_step(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    counted = await client.messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "abcd"}])
    block = '{"role":"user","text":"abcd","type":"text"}'
    assert counted.input_tokens == math.ceil(len(block) / 4)
    assert fake.pending_steps == 0
    assert fake.message_requests == []
    assert fake.requests[0].path == "/v1/messages/count_tokens"


async def test_an_identical_cached_prefix_is_written_once_then_read(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    fake.enqueue(text_reply("one"), text_reply("two"))
    system = [{"type": "text", "text": LONG_SYSTEM, "cache_control": {"type": "ephemeral"}}]

    first = await ask(client, "first question", system=system)
    second = await ask(client, "a different second question", system=system)

    written = first.usage.cache_creation_input_tokens
    assert written is not None
    assert written >= 1024
    assert first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == written
    assert second.usage.cache_creation_input_tokens == 0
    total = count_request_tokens(_body(fake.message_requests[1]))
    assert second.usage.input_tokens == total - written


async def test_a_short_or_unmarked_prefix_is_not_cached(
    fake: MessagesApiFake, client: anthropic.AsyncAnthropic
) -> None:
    fake.enqueue(text_reply("a"), text_reply("b"))
    short = [{"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}}]
    first = await ask(client, system=short)
    second = await ask(client, system=LONG_SYSTEM)
    for usage in (first.usage, second.usage):
        assert usage.cache_creation_input_tokens == 0
        assert usage.cache_read_input_tokens == 0
    assert second.usage.input_tokens == count_request_tokens(_body(fake.message_requests[1]))


def _body(request: RecordedRequest) -> dict[str, Any]:
    assert isinstance(request.body, dict)
    return request.body
