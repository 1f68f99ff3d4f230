"""chat.postMessage's per-channel rate limit: a short burst, then 429 with Retry-After, refilled by the clock."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.rate_limit import ChannelRateLimiter
from testkit.fakes import FakeClock


async def test_burst_then_429_with_retry_after(client: AsyncWebClient, sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.set_rate_limit(True)
    for i in range(3):
        await client.chat_postMessage(channel="C0OPS", text=f"burst {i}")

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C0OPS", text="one too many")

    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert (response["ok"], response["error"]) == (False, "ratelimited")
    assert len(sandbox.state.messages_in("C0OPS")) == 3
    await client.chat_postMessage(channel="C0DEPLOY", text="another channel has its own bucket")
    clock.advance(1.0)
    await client.chat_postMessage(channel="C0OPS", text="a second later")
    assert len(sandbox.state.messages_in("C0OPS")) == 4


async def test_other_methods_are_not_limited_and_the_limit_can_be_switched_off(
    client: AsyncWebClient, sandbox: Sandbox
) -> None:
    sandbox.set_rate_limit(True)
    posted = [await client.chat_postMessage(channel="C0OPS", text=str(i)) for i in range(3)]
    for _ in range(5):
        await client.chat_update(channel="C0OPS", ts=posted[0]["ts"], text="edited")

    sandbox.set_rate_limit(False)
    for i in range(20):
        await client.chat_postMessage(channel="C0OPS", text=f"unlimited {i}")

    assert len(sandbox.state.messages_in("C0OPS")) == 23


def test_bucket_refills_at_one_per_second() -> None:
    clock = FakeClock(time.time())
    limiter = ChannelRateLimiter(clock, burst=3, per_second=1.0)

    assert [limiter.retry_after("C") for _ in range(4)] == [None, None, None, 1]
    clock.advance(0.5)
    assert limiter.retry_after("C") == 1
    clock.advance(0.5)
    assert limiter.retry_after("C") is None
    clock.advance(100)
    assert [limiter.retry_after("C") for _ in range(4)] == [None, None, None, 1]
