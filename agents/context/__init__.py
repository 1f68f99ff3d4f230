"""Context management for the agent loop: what each model turn sends, deterministically and without a model.

- `manager`: `ContextManager.prepare` windows the conversation: request and newest exchanges verbatim, older
  exchanges summarized an epoch at a time (so the cached prefix stays stable), within a per-turn token budget.
- `summary`: extractive summaries that keep user text, tool calls and the fact-bearing lines of results.
- `results`: long tool results cut to head + tail with a stable `ref:<turn>:<call_id>` to the full text.
- `conversation`: exchanges, follow-ups from the thread (`append_user_turn`), and API validity checks.
- `tokens` and `simulation`: the ceil(chars / 4) proxy and a turn-by-turn replay pricing naive vs managed.
"""

from agents.context.conversation import Exchange, append_user_turn, conversation_problems, split_conversation
from agents.context.manager import BlockRef, ContextConfig, ContextManager, ContextWindow, cache_breakpoints
from agents.context.results import InMemoryResultStore, ResultStore, result_ref, truncate_result
from agents.context.simulation import PromptCache, TurnCost, replay_costs
from agents.context.summary import summarize_exchanges
from agents.context.tokens import estimate_tokens, request_tokens

__all__ = [
    "BlockRef",
    "ContextConfig",
    "ContextManager",
    "ContextWindow",
    "Exchange",
    "InMemoryResultStore",
    "PromptCache",
    "ResultStore",
    "TurnCost",
    "append_user_turn",
    "cache_breakpoints",
    "conversation_problems",
    "estimate_tokens",
    "replay_costs",
    "request_tokens",
    "result_ref",
    "split_conversation",
    "summarize_exchanges",
    "truncate_result",
]
