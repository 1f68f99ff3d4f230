"""The conversation's shape: the request, then exchanges of (assistant message, user reply).

An exchange is one model turn and what came back to it: tool results, decisions on pending actions, or a
follow-up from the thread. Windowing works on whole exchanges, so a tool_use never loses its tool_result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.messages import ContentBlock, Message, TextBlock, ToolResultBlock, ToolUseBlock

__all__ = ["Exchange", "append_user_turn", "conversation_problems", "split_conversation"]


@dataclass(frozen=True)
class Exchange:
    turn: int
    """1-based position among the exchanges; it names the turn in summaries and result references."""
    assistant: Message
    reply: Message | None
    """None only for the last exchange, when the model spoke last."""


def _merged(messages: Sequence[Message]) -> list[Message]:
    """Consecutive messages of one role joined, as the API would; tool results stay ahead of text."""
    merged: list[Message] = []
    for message in messages:
        if merged and merged[-1].role == message.role:
            blocks = [*merged[-1].content, *message.content]
            if message.role == "user":
                blocks = _results_first(blocks)
            merged[-1] = Message(role=message.role, content=blocks)
        else:
            merged.append(message)
    return merged


def _results_first(blocks: list[ContentBlock]) -> list[ContentBlock]:
    results: list[ContentBlock] = [b for b in blocks if isinstance(b, ToolResultBlock)]
    return results + [b for b in blocks if not isinstance(b, ToolResultBlock)]


def split_conversation(messages: Sequence[Message]) -> tuple[Message, list[Exchange]]:
    """The request (the first user message) and the exchanges after it."""
    merged = _merged(messages)
    if not merged or merged[0].role != "user":
        raise ValueError("a conversation starts with the user's request")
    exchanges = [
        Exchange(turn=i // 2 + 1, assistant=merged[i], reply=merged[i + 1] if i + 1 < len(merged) else None)
        for i in range(1, len(merged), 2)
    ]
    return merged[0], exchanges


def append_user_turn(messages: Sequence[Message], text: str) -> list[Message]:
    """A follow-up from the task's thread as the next user turn; joined to the last message if that is the user's."""
    if not messages:
        return [Message.user_text(text)]
    last = messages[-1]
    if last.role == "user":
        return [*messages[:-1], Message(role="user", content=[*last.content, TextBlock(text=text)])]
    return [*messages, Message.user_text(text)]


def conversation_problems(messages: Sequence[Message]) -> list[str]:
    """What the Messages API would refuse: wrong roles or order, and tool results without their call (or back)."""
    problems: list[str] = []
    if not messages or messages[0].role != "user":
        problems.append("the conversation does not start with a user message")
    for i, message in enumerate(messages):
        if not message.content:
            problems.append(f"message {i} is empty")
        if i and message.role == messages[i - 1].role:
            problems.append(f"messages {i - 1} and {i} are both from the {message.role}")
        uses = {b.id for b in message.content if isinstance(b, ToolUseBlock)}
        results = [b for b in message.content if isinstance(b, ToolResultBlock)]
        if message.role == "assistant" and results:
            problems.append(f"message {i} is the assistant's and holds tool results")
        if message.role == "user" and any(isinstance(b, ToolUseBlock) for b in message.content):
            problems.append(f"message {i} is the user's and holds tool calls")
        if results and any(not isinstance(b, ToolResultBlock) for b in message.content[: len(results)]):
            problems.append(f"message {i} has text ahead of its tool results")
        previous = messages[i - 1] if i else None
        called = {b.id for b in previous.content if isinstance(b, ToolUseBlock)} if previous else set()
        problems += [
            f"message {i} answers {r.tool_use_id}, not called just before"
            for r in results
            if r.tool_use_id not in called
        ]
        following = messages[i + 1] if i + 1 < len(messages) else None
        if uses and following is not None:
            answered = {b.tool_use_id for b in following.content if isinstance(b, ToolResultBlock)}
            problems += [
                f"message {i} calls {u} and the next message has no result for it" for u in sorted(uses - answered)
            ]
    return problems
