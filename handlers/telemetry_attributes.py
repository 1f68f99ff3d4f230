"""Span attributes for model and tool calls (OpenTelemetry gen_ai conventions), and the words people read when
one fails.

The gen_ai conventions are still in development and the `GEN_AI_*` constants of the semantic-conventions package
are deprecated, so the names are spelled here. Message content is never recorded: only sizes, ids and usage.
For Anthropic, `gen_ai.usage.input_tokens` counts cache reads and writes too; both the older `cache_creation` and
the newer `cache_write` names are emitted so current and upcoming backends read them.
"""

from __future__ import annotations

from agents.messages import ModelRequest, ModelResponse, ToolUseBlock, Usage
from agents.models import ModelError
from agents.resilience import BreakerRegistry
from agents.slack_text import inline_code
from agents.tools import ToolResult, ToolSpec

__all__ = [
    "agent_run_attributes",
    "breaker_attributes",
    "chat_request_attributes",
    "chat_response_attributes",
    "model_failure",
    "provider_of",
    "tool_attributes",
    "tool_error_notice",
]

Attributes = dict[str, str | int | float | bool | list[str]]

_REFUSED = {"bad_request", "auth", "spend_limit"}


def provider_of(model: str) -> str:
    return "anthropic" if model.startswith("claude") else "opsgate"


def chat_request_attributes(model: str, request: ModelRequest, turn: int) -> Attributes:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider_of(model),
        "gen_ai.request.model": model,
        "gen_ai.request.max_tokens": request.max_tokens,
        "opsgate.turn": turn,
        "opsgate.request.messages": len(request.messages),
        "opsgate.request.tools": len(request.tools),
    }


def chat_response_attributes(response: ModelResponse, cost_usd: float) -> Attributes:
    usage = response.usage
    return {
        "gen_ai.response.model": response.model,
        "gen_ai.response.id": response.id,
        "gen_ai.response.finish_reasons": [response.stop_reason],
        "gen_ai.usage.input_tokens": usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": usage.cache_read_tokens,
        "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
        "gen_ai.usage.cache_write.input_tokens": usage.cache_write_tokens,
        "opsgate.stop_reason": response.stop_reason,
        "opsgate.cost_usd": round(cost_usd, 6),
    }


def agent_run_attributes(
    *,
    agent: str,
    agent_id: str,
    conversation_id: str,
    task_type: str,
    usage: Usage,
    status: str,
    tool_calls: int,
    errors: list[str],
) -> Attributes:
    """An `invoke_agent` span's attributes: the lead's run and each specialist's."""
    return {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "gen_ai.agent.id": agent_id,
        "gen_ai.conversation.id": conversation_id,
        "gen_ai.usage.input_tokens": usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "opsgate.task.type": task_type,
        "opsgate.agent.status": status,
        "opsgate.agent.tool_calls": tool_calls,
        "opsgate.agent.errors": errors[:10],
    }


def tool_attributes(call: ToolUseBlock, spec: ToolSpec | None) -> Attributes:
    attributes: Attributes = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": call.name,
        "gen_ai.tool.call.id": call.id,
        "gen_ai.tool.type": "function",
    }
    if spec is not None:
        attributes["opsgate.tool.server"] = spec.server
        attributes["opsgate.tool.read_only"] = spec.annotations.read_only
    return attributes


def breaker_attributes(breakers: BreakerRegistry, prefix: str) -> Attributes:
    attributes: Attributes = {}
    for snapshot in breakers.snapshots():
        if snapshot.name.startswith(prefix):
            attributes.update(snapshot.as_attributes())
    return attributes


def model_failure(error: ModelError) -> str:
    """Why the task cannot go on, for the thread: a refusal is about the request, the rest about the provider."""
    if error.kind in _REFUSED:
        return f"the model refused the request: {error}"
    return f"the model is unavailable: {error}"


def tool_error_notice(tool: str, result: ToolResult, error_id: str) -> str:
    """One thread line per tool error, saying who has to act. Never the tool's own words (they may name hosts, SQL
    or secrets; the model has them): the error id finds them in the worker's log (`handlers.failures`)."""
    tool, found = inline_code(tool, 80), f"Error id `{error_id}`; the details are in opsgate's log."
    if result.error_kind == "unknown_outcome":
        return (
            f":warning: {tool} was interrupted mid-call and cannot safely be run again, so its outcome is "
            f"unknown: a person is asked below whether it happened. {found}"
        )
    if result.error_kind in ("unavailable", "internal"):
        return f":x: {tool} is failing; the agent was told not to use it again in this task. {found}"
    return f":warning: {tool} returned an error; the agent was told and may try other arguments. {found}"
