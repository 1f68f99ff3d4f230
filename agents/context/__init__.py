"""Context management for the agent loop: what each model turn sends, deterministically and without a model.

- `manager`: `ContextManager.prepare` windows the conversation: request and newest exchanges verbatim, older
  exchanges summarized an epoch at a time (so the cached prefix stays stable), within a per-turn token budget.
- `summary`: extractive summaries that keep user text, tool calls and the fact-bearing lines of results.
- `results`: long tool results cut to head + tail with a stable `ref:<turn>:<call_id>` to the full text.
- `recall`: the `read_result` tool, which reads a cut result a slice at a time from the conversation itself.
- `thread`: a follow-up's digest of its thread's earlier turns, within a character budget.
- `conversation`: exchanges, follow-ups from the thread (`append_user_turn`), and API validity checks.
- `tokens` and `simulation`: the ceil(chars / 4) proxy and a turn-by-turn replay pricing naive vs managed.
"""

from agents.context.conversation import Exchange, append_user_turn, conversation_problems, split_conversation
from agents.context.manager import BlockRef, ContextConfig, ContextManager, ContextWindow, cache_breakpoints
from agents.context.recall import READ_RESULT, answer_read_result, read_result_tool, recall
from agents.context.results import InMemoryResultStore, ResultStore, result_ref, truncate_result
from agents.context.simulation import PromptCache, TurnCost, replay_costs
from agents.context.summary import summarize_exchanges
from agents.context.tokens import estimate_tokens, request_tokens

__all__ = [
    "READ_RESULT",
    "BlockRef",
    "ContextConfig",
    "ContextManager",
    "ContextWindow",
    "Exchange",
    "InMemoryResultStore",
    "PromptCache",
    "ResultStore",
    "TurnCost",
    "answer_read_result",
    "append_user_turn",
    "cache_breakpoints",
    "conversation_problems",
    "estimate_tokens",
    "read_result_tool",
    "recall",
    "replay_costs",
    "request_tokens",
    "result_ref",
    "split_conversation",
    "summarize_exchanges",
    "truncate_result",
]
