"""Claude through the `anthropic` SDK: one attempt per call, errors sorted for the retry layer above.

The SDK's own retries are off (`max_retries=0`) and so are its OpenTelemetry spans (`anthropic.messages.create`):
our `chat` span already carries the usage, and two spans would count every token twice. `ResilientModel` retries
what `classify` marks retryable (429, 5xx, 529, timeouts, dropped connections); 400, 401, 403 and a spend-limit
429 are final. The stable prefix (tool definitions and system prompt) carries `cache_control` markers, so repeated
turns read it from the prompt cache.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2

from agents.context import cache_breakpoints
from agents.messages import Message, ModelRequest, ModelResponse, TextBlock, ToolUseBlock, Usage
from agents.models.base import Model, ModelError, ModelErrorKind

__all__ = ["ClaudeModel", "classify", "retry_after_seconds"]

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
SPEND_LIMIT_CODES = frozenset(
    {"enforced_spend_limit_reached", "contract_spend_limit_reached", "linked_organization_spend_limit_reached"}
)
NO_SDK_TELEMETRY: anthropic.OpenTelemetryOptions = {"traces": {"enabled": False}, "propagation": False}
"""Neither spans nor a `traceparent` header from the SDK: our `chat` span is the one record of the call."""


def retry_after_seconds(headers: httpx2.Headers) -> float | None:
    """The wait the server asked for: `retry-after-ms`, else `retry-after` in seconds (dates are not sent)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _is_spend_limit(exc: anthropic.APIStatusError) -> bool:
    if exc.error_code in SPEND_LIMIT_CODES:
        return True
    return "spend limit" in (exc.api_message or "").lower() or "spend_limit" in str(exc.body)


def _describe(exc: anthropic.APIStatusError) -> str:
    kind = f" {exc.type}" if exc.type else ""
    what = exc.api_message or exc.message
    request = f"; request {exc.request_id}" if exc.request_id else ""
    return f"{exc.status_code}{kind}: {what}{request}"


def _status_kind(exc: anthropic.APIStatusError) -> tuple[ModelErrorKind, bool]:
    status = exc.status_code
    if _is_spend_limit(exc):
        return "spend_limit", False
    if status == 429:
        return "rate_limited", True
    if status == 529 or exc.type == "overloaded_error":
        return "overloaded", True
    if status == 408:
        return "timeout", True
    if status == 409 or status >= 500:
        return "server", True
    if status in {401, 403}:
        return "auth", False
    return "bad_request", False


_FINAL_WORDING: dict[ModelErrorKind, str] = {
    "spend_limit": "Claude's spend limit is reached; raise it in the Anthropic Console",
    "auth": "Claude refused the credentials; check the API key and its workspace",
    "bad_request": "Claude rejected the request",
}


def classify(exc: Exception) -> ModelError | None:
    """The `ModelError` an SDK or transport exception means, or None for an exception that is not the API's."""
    if isinstance(exc, anthropic.APIStatusError):
        kind, retryable = _status_kind(exc)
        should_retry = exc.response.headers.get("x-should-retry")
        if kind != "spend_limit" and should_retry in {"true", "false"}:
            retryable = should_retry == "true"
        detail = _describe(exc)
        message = detail if retryable else f"{_FINAL_WORDING.get(kind, 'Claude refused the call')} ({detail})"
        retry_after = retry_after_seconds(exc.response.headers) if retryable else None
        return ModelError(message, retryable=retryable, kind=kind, retry_after=retry_after)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return ModelError(f"timed out: {exc}", retryable=True, kind="timeout")
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ if isinstance(exc, anthropic.APIConnectionError) and exc.__cause__ else exc
        return ModelError(f"connection failed: {type(cause).__name__}: {cause}", retryable=True, kind="connection")
    return None


def _system_blocks(system: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": system, "cache_control": EPHEMERAL}]


def _tools_with_cache_marker(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of the tools with a cache marker on the last one: the whole tool list becomes a cached prefix."""
    marked = [dict(tool) for tool in tools]
    if marked:
        marked[-1]["cache_control"] = EPHEMERAL
    return marked


def _messages_with_cache_markers(messages: list[Message]) -> list[dict[str, Any]]:
    """The conversation as JSON with markers where `agents.context` keeps a stable prefix: the end of the first
    message (the request and its summaries) and the end of the last (the next turn reads this one back)."""
    dumped = [message.model_dump(mode="json") for message in messages]
    for message_index, block_index in cache_breakpoints(messages):
        dumped[message_index]["content"][block_index]["cache_control"] = EPHEMERAL
    return dumped


class ClaudeModel(Model):
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 120.0,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.name = model
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            open_telemetry=NO_SDK_TELEMETRY,
            http_client=http_client,
        )

    async def close(self) -> None:
        await self._client.close()

    async def request(self, request: ModelRequest) -> ModelResponse:
        try:
            message = await self._client.messages.create(
                model=self.name,
                system=_system_blocks(request.system) if request.system else anthropic.omit,  # type: ignore[arg-type]
                messages=_messages_with_cache_markers(request.messages),  # type: ignore[arg-type]
                tools=_tools_with_cache_marker(request.tools) if request.tools else anthropic.omit,  # type: ignore[arg-type]
                max_tokens=request.max_tokens,
            )
        except Exception as exc:
            error = classify(exc)
            if error is None:
                raise
            raise error from exc
        if message.stop_reason is None:
            raise ModelError("the response ended without a stop reason", retryable=True, kind="connection")
        content: list[TextBlock | ToolUseBlock] = []
        for block in message.content:
            if block.type == "text":
                content.append(TextBlock(text=block.text))
            elif block.type == "tool_use":
                content.append(ToolUseBlock(id=block.id, name=block.name, input=dict(block.input)))
        usage = message.usage
        return ModelResponse(
            id=message.id,
            model=message.model,
            content=content,
            stop_reason=message.stop_reason,
            usage=Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_input_tokens or 0,
                cache_write_tokens=usage.cache_creation_input_tokens or 0,
            ),
        )
