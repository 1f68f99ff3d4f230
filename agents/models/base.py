"""One small seam for the model: a request in, a typed response out."""

from __future__ import annotations

import abc
from typing import Literal

from agents.messages import ModelRequest, ModelResponse

__all__ = ["Model", "ModelError", "ModelErrorKind"]

ModelErrorKind = Literal[
    "rate_limited",
    "overloaded",
    "server",
    "timeout",
    "connection",
    "bad_request",
    "auth",
    "spend_limit",
    "circuit_open",
]


class ModelError(Exception):
    """The model call failed; `retryable` says whether trying again later can help.

    `kind` says what went wrong (and so who must act: wait, fix the request, fix the key, raise the spend limit);
    `retry_after` is the wait in seconds the provider asked for, when it asked.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        kind: ModelErrorKind | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind
        self.retry_after = retry_after


class Model(abc.ABC):
    name: str

    @abc.abstractmethod
    async def request(self, request: ModelRequest) -> ModelResponse:
        """Answer one turn. Raises `ModelError`."""
