"""The task thread as a gate or an effect posts to it (`ThreadNotifier.reply`): every reply, in order."""

from __future__ import annotations

from handlers.contracts import ThreadRef

__all__ = ["RecordingThread"]


class RecordingThread:
    def __init__(self) -> None:
        self.replies: list[str] = []

    async def reply(self, ref: ThreadRef, text: str) -> None:
        self.replies.append(text)
