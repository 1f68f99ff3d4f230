"""The nonce a durable step posts a Slack message under, handed from the step to the Slack adapter.

`chat.postMessage` takes no idempotency key, and a step is at-least-once: a worker killed after Slack accepted the
message but before the step's result was journaled posts it again on replay. So a posting step first journals a
nonce (`handlers.steps`); the adapter posts with the nonce in the message's metadata, and a step that may have run
before looks for a message carrying its nonce and adopts it instead of posting a copy (`bot.earlier_posts`).

The nonce travels in a context variable rather than an argument, so every port method that posts
(`ThreadNotifier.reply`, `post_root`, …) keeps its signature and every caller of `slack_step` gets it for free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = [
    "POST_EVENT_TYPE",
    "PostNonce",
    "current_post_nonce",
    "posting_under",
    "posts_message",
    "posts_message_of",
]

POST_EVENT_TYPE = "opsgate_post"
"""The `event_type` of the metadata opsgate's posts carry; its `event_payload` is `{"nonce": …}`."""

F = TypeVar("F", bound=Callable[..., Any])
_POSTS = "opsgate_posts_message"


class PostNonce(BaseModel):
    """A posting step's nonce, journaled before the post. `since` (epoch seconds, taken when it was journaled)
    bounds the search for an earlier copy; `look_first` says the step may have posted before."""

    model_config = ConfigDict(frozen=True)

    value: str
    since: float
    look_first: bool = False


_CURRENT: ContextVar[PostNonce | None] = ContextVar("opsgate_post_nonce", default=None)


def posts_message(fn: F) -> F:
    """Mark a port method (or a step's closure) that posts one new message: `slack_step` journals a nonce first."""
    setattr(fn, _POSTS, True)
    return fn


def posts_message_of(fn: Callable[..., Any]) -> bool:
    """Whether `fn` (a function or a bound method) was marked by `posts_message`."""
    return bool(getattr(fn, _POSTS, False))


@contextmanager
def posting_under(nonce: PostNonce) -> Iterator[None]:
    token = _CURRENT.set(nonce)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_post_nonce() -> PostNonce | None:
    """The nonce of the step posting now, or None outside a posting step (post as before, without metadata)."""
    return _CURRENT.get()
