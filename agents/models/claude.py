"""Claude through the `anthropic` SDK.

The SDK's own retries are off (`max_retries=0`): the call runs inside a durable step and Restate retries the
step, so attempts never multiply. Errors are sorted here into retryable (429, 5xx, 529, timeouts, dropped
connections) and final (400, 401, 403, a spend-limit 429).
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2

from agents.messages import ModelRequest, ModelResponse, TextBlock, ToolUseBlock, Usage
from agents.models.base import Model, ModelError

__all__ = ["ClaudeModel"]

_FINAL_STATUS = {400, 401, 403, 404, 413, 422}


def _is_spend_limit(exc: anthropic.APIStatusError) -> bool:
    return "spend_limit" in str(exc.body) or "spend limit" in str(exc.message).lower()


class ClaudeModel(Model):
    def __init__(self, *, api_key: str, model: str, base_url: str | None = None, timeout: float = 120.0) -> None:
        self.name = model
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)

    async def request(self, request: ModelRequest) -> ModelResponse:
        system: list[dict[str, Any]] = [
            {"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}
        ]
        try:
            message = await self._client.messages.create(
                model=self.name,
                system=system,  # type: ignore[arg-type]
                messages=[m.model_dump(mode="json") for m in request.messages],  # type: ignore[misc]
                tools=request.tools,  # type: ignore[arg-type]
                max_tokens=request.max_tokens,
            )
        except anthropic.APIStatusError as exc:
            final = exc.status_code in _FINAL_STATUS or (exc.status_code == 429 and _is_spend_limit(exc))
            raise ModelError(f"{exc.status_code} {exc.message}", retryable=not final) from exc
        except (anthropic.APIConnectionError, httpx2.TransportError) as exc:
            raise ModelError(f"connection: {exc}", retryable=True) from exc
        if message.stop_reason is None:
            raise ModelError("the response ended without a stop reason", retryable=True)
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
