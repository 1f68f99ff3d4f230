"""Waiting helpers for integration tests: every wait is on an event or bounded by a deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bot.sandbox import Sandbox, sign_request
from bot.sandbox.payloads import app_mention_body
from handlers.contracts import TASK_WORKFLOW
from tests.integration.harness import SECRET, Stack
from tests.integration.replicas import Replicas


async def attach(stack: Stack | Replicas, task_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Block until the task's workflow finishes (Restate's attach), and return its output."""
    url = f"{stack.restate.ingress_url}/restate/workflow/{TASK_WORKFLOW}/{task_id}/attach"
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def wait_for_lines(stack: Stack, name: str, kind: str, count: int, timeout: float = 15.0) -> None:
    """The probe writes to disk from another process; poll the file with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(stack.probe_lines(name, kind)) < count:
        if loop.time() > deadline:
            raise TimeoutError(f"{name}.{kind} has {stack.probe_lines(name, kind)}, expected {count} lines")
        await asyncio.sleep(0.02)


def mention_in_thread(sandbox: Sandbox, *, user: str, thread_ts: str, text: str, event_id: str) -> bytes:
    """A mention written in the thread, and the event Slack sends for it (to deliver as often as a test needs)."""
    message = sandbox.state.post_message("C0OPS", text=text, user=user, thread_ts=thread_ts)
    return app_mention_body(
        user_id=user,
        channel_id="C0OPS",
        text=text,
        ts=message.ts,
        thread_ts=thread_ts,
        event_id=event_id,
        event_time=int(time.time()),
        bot_user_id="U0BOT",
    )


async def deliver_with_retries(urls: list[str], body: bytes, times: int = 4) -> None:
    """Deliver the event `times` times, freshly signed, with Slack's retry headers after the first, cycling `urls`."""
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt in range(times):
            headers = sign_request(SECRET, body, int(time.time()), "application/json")
            if attempt:
                headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
            answer = await client.post(urls[attempt % len(urls)], content=body, headers=headers)
            assert answer.status_code == 200, answer.text
