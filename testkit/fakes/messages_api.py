"""A loopback fake of the Anthropic Messages API, for the real `anthropic` SDK pointed at it by `base_url`.

    async with MessagesApiFake([tool_use_reply("list_services", {}), text_reply("two services")]) as fake:
        client = anthropic.AsyncAnthropic(api_key="test", base_url=fake.base_url, max_retries=0)
        ...
        assert fake.message_requests[1].messages[-1]["content"][0]["type"] == "tool_result"

Each `POST /v1/messages` takes the next scripted step (see `messages_script`); an exhausted script answers a 400
`invalid_request_error` naming the request number, which no retry policy retries, so the test sees it.
`POST /v1/messages/count_tokens` answers from the token proxy without taking a step. Every request is recorded.
Usage follows the real API's accounting through `messages_tokens`. No pytest here: benchmarks use it too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from testkit.fakes.messages_script import (
    Delay,
    DropConnection,
    Failure,
    Outcome,
    RecordedRequest,
    Reply,
    Step,
)
from testkit.fakes.messages_tokens import DEFAULT_MIN_CACHEABLE_TOKENS, PromptCache, count_request_tokens, count_tokens

__all__ = ["MessagesApiFake"]

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"


class MessagesApiFake:
    """A small aiohttp server on 127.0.0.1 and a free port, started and stopped as an async context manager."""

    def __init__(
        self,
        script: Iterable[Step] = (),
        *,
        responder: Callable[[RecordedRequest], Step] | None = None,
        min_cacheable_tokens: int = DEFAULT_MIN_CACHEABLE_TOKENS,
        stop_timeout: float = 5.0,
    ) -> None:
        self._script: list[Step] = list(script)
        self._responder = responder
        """Instead of a script: the step for each request, chosen from the request (several agents at once)."""
        self._steps_taken = 0
        self._ids = itertools.count(1)
        self._cache = PromptCache(min_cacheable_tokens)
        self._stop_timeout = stop_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.requests: list[RecordedRequest] = []

    # -- scripting and inspection ------------------------------------------------------------------------------

    def enqueue(self, *steps: Step) -> None:
        """Append steps to the script; each `POST /v1/messages` takes the next one."""
        self._script.extend(steps)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        """The `POST /v1/messages` requests received so far (count_tokens excluded)."""
        return [r for r in self.requests if r.path == MESSAGES_PATH]

    @property
    def pending_steps(self) -> int:
        return len(self._script) - self._steps_taken

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the Messages-API fake is not started: use `async with MessagesApiFake(...)`")
        return f"http://127.0.0.1:{self._port}"

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(MESSAGES_PATH, self._messages)
        app.router.add_post(COUNT_TOKENS_PATH, self._count_tokens)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=self._stop_timeout)
        await asyncio.wait_for(runner.setup(), self._stop_timeout)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._runner = runner
        await asyncio.wait_for(web.SockSite(runner, sock).start(), self._stop_timeout)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.wait_for(runner.cleanup(), self._stop_timeout + 1)

    async def __aenter__(self) -> MessagesApiFake:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- handlers ----------------------------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> RecordedRequest:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            headers={key.lower(): value for key, value in request.headers.items()},
            body=body,
        )
        self.requests.append(recorded)
        return recorded

    async def _count_tokens(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        if not isinstance(recorded.body, dict):
            return self._error(Failure.bad_request("the body must be a JSON object"))
        return web.json_response({"input_tokens": count_request_tokens(recorded.body)}, headers=self._id_header())

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        number = len(self.message_requests)
        if self._responder is not None:
            step: Step = self._responder(recorded)
        elif self._steps_taken >= len(self._script):
            message = f"Messages-API fake: request {number} but the script has {len(self._script)} steps"
            return self._error(Failure.bad_request(message))
        else:
            step = self._script[self._steps_taken]
            self._steps_taken += 1
        outcome = self._resolve(step, recorded)
        while isinstance(outcome, Delay):
            await asyncio.sleep(outcome.seconds)
            outcome = self._resolve(outcome.then, recorded)
        if isinstance(outcome, Failure):
            return self._error(outcome)
        if isinstance(outcome, DropConnection):
            return await self._drop(request, recorded, outcome)
        return web.json_response(self._message(recorded, outcome), headers=self._id_header())

    @staticmethod
    def _resolve(step: Step, recorded: RecordedRequest) -> Outcome:
        return step(recorded) if callable(step) else step

    async def _drop(self, request: web.Request, recorded: RecordedRequest, drop: DropConnection) -> web.StreamResponse:
        body = json.dumps(self._message(recorded, drop.reply)).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **self._id_header()}
        response = web.StreamResponse(status=200, headers=headers)
        await response.prepare(request)
        await response.write(body[: min(drop.after_bytes, len(body) - 1)])
        if request.transport is not None:
            request.transport.close()
        return response

    # -- bodies ------------------------------------------------------------------------------------------------

    def _request_id(self) -> str:
        return f"req_fake_{next(self._ids):06d}"

    def _id_header(self) -> dict[str, str]:
        return {"request-id": self._request_id()}

    def _error(self, failure: Failure) -> web.Response:
        request_id = self._request_id()
        headers = {"request-id": request_id, **failure.headers}
        return web.json_response(failure.body(request_id), status=failure.status, headers=headers)

    def _message(self, recorded: RecordedRequest, reply: Reply) -> dict[str, Any]:
        body = recorded.body if isinstance(recorded.body, dict) else {}
        cache = self._cache.account(body)
        usage: dict[str, Any] = {
            "input_tokens": cache.input_tokens,
            "output_tokens": max(1, count_tokens(list(reply.content))),
            "cache_creation_input_tokens": cache.cache_creation_input_tokens,
            "cache_read_input_tokens": cache.cache_read_input_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": cache.cache_creation_input_tokens,
                "ephemeral_1h_input_tokens": 0,
            },
            "service_tier": "standard",
        }
        usage.update(reply.usage)
        return {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": list(reply.content),
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
