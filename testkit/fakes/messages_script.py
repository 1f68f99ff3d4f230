"""What the Messages-API fake answers, one step per request: a reply, an API error, a delay or a dropped connection.

Error bodies are shaped like the real API's: ``{"type": "error", "error": {"type", "message"[, "details"]},
"request_id"}``, with the status codes and headers the real API sends (``retry-after`` on a 429, 529 for
``overloaded_error``). A spend-limit 429 carries ``details.error_code = "enforced_spend_limit_reached"``, which the
SDK maps to `anthropic.EnforcedSpendLimitReachedError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.confidence import CONFIDENCE, RATIONALE

__all__ = [
    "Delay",
    "DropConnection",
    "Failure",
    "RecordedRequest",
    "Reply",
    "Step",
    "text_reply",
    "tool_use_reply",
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it: lower-cased headers and the parsed JSON body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any

    @property
    def system(self) -> Any:
        return self.body.get("system") if isinstance(self.body, dict) else None

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools") or []) if isinstance(self.body, dict) else []

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []


@dataclass(frozen=True)
class Reply:
    """A successful answer: content blocks and a stop reason; the fake fills in id, model and usage.

    `usage` overrides the computed usage field by field (e.g. to claim more output tokens than the proxy counts).
    """

    content: tuple[dict[str, Any], ...]
    stop_reason: str | None = "end_turn"
    usage: Mapping[str, int] = field(default_factory=dict)


def text_reply(text: str, *, stop_reason: str = "end_turn") -> Reply:
    return Reply(content=({"type": "text", "text": text},), stop_reason=stop_reason)


def tool_use_reply(
    name: str,
    arguments: Mapping[str, Any],
    *,
    call_id: str = "toolu_01",
    text: str = "",
    confidence: float | None = None,
    rationale: str = "",
) -> Reply:
    """The model asks for one tool call, optionally after a sentence of text, as Claude does; with `confidence`
    (and `rationale`) it states them in the reserved fields opsgate adds to a write's schema (`agents.confidence`).
    """
    stated: dict[str, Any] = {}
    if confidence is not None:
        stated = {CONFIDENCE: confidence, RATIONALE: rationale or f"Calling {name} as asked."}
    call = {"type": "tool_use", "id": call_id, "name": name, "input": {**arguments, **stated}}
    blocks = ({"type": "text", "text": text}, call) if text else (call,)
    return Reply(content=blocks, stop_reason="tool_use")


@dataclass(frozen=True)
class Failure:
    """An API error response. Build it with the class methods, which mirror what the real API sends."""

    status: int
    error_type: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)
    error_code: str | None = None

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.error_code is not None:
            error["details"] = {"error_code": self.error_code}
        return {"type": "error", "error": error, "request_id": request_id}

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1, *, retry_after_ms: int | None = None) -> Failure:
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        message = "Number of request tokens has exceeded your per-minute rate limit"
        return cls(429, "rate_limit_error", message, headers)

    @classmethod
    def spend_limit(cls) -> Failure:
        message = "You have reached your organization's monthly spend limit. Raise it in the Console to continue."
        return cls(429, "rate_limit_error", message, error_code="enforced_spend_limit_reached")

    @classmethod
    def overloaded(cls) -> Failure:
        return cls(529, "overloaded_error", "Overloaded")

    @classmethod
    def server_error(cls, status: int = 500) -> Failure:
        return cls(status, "api_error", "Internal server error")

    @classmethod
    def bad_request(cls, message: str = "messages: at least one message is required") -> Failure:
        return cls(400, "invalid_request_error", message)

    @classmethod
    def unauthorized(cls) -> Failure:
        return cls(401, "authentication_error", "invalid x-api-key")

    @classmethod
    def forbidden(cls) -> Failure:
        return cls(403, "permission_error", "Your API key does not have permission to use the specified resource.")


@dataclass(frozen=True)
class DropConnection:
    """Send the status line, headers and the first `after_bytes` of a success body, then close the connection."""

    after_bytes: int = 16
    reply: Reply = field(default_factory=lambda: text_reply("this answer never arrives whole"))


@dataclass(frozen=True)
class Delay:
    """Wait `seconds` before answering with `then` (so a short client timeout turns it into a timeout)."""

    seconds: float
    then: Step


Outcome = Reply | Failure | DropConnection | Delay
Step = Outcome | Callable[[RecordedRequest], Outcome]
"""A scripted step: a fixed outcome, or a function computing one from the request."""
