"""One small seam for the model: a request in, a typed response out."""

from __future__ import annotations

import abc

from agents.messages import ModelRequest, ModelResponse

__all__ = ["Model", "ModelError"]


class ModelError(Exception):
    """The model call failed; `retryable` says whether trying again later can help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Model(abc.ABC):
    name: str

    @abc.abstractmethod
    async def request(self, request: ModelRequest) -> ModelResponse:
        """Answer one turn. Raises `ModelError`."""
