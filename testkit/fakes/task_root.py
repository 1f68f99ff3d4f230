"""The task's root object (`handlers.task_root`) as the gates of one task share it, for gates on `FakeContext`s:
its approval slots, reserved through each gate's `generic_call` and released as the gates send."""

from __future__ import annotations

import json

from handlers.contracts import TASK_ROOT, TASK_ROOT_RELEASE, TASK_ROOT_RESERVE
from handlers.task_root import RootState, release, reserve
from testkit.fakes.restate_context import Call, FakeContext

__all__ = ["Root"]


class Root:
    """The task's root object as every gate of the task sees it: its approval slots, released as the gates send."""

    def __init__(self) -> None:
        self.state = RootState()
        self.contexts: list[FakeContext] = []
        self.released = 0

    def serve(self, ctx: FakeContext) -> None:
        self.contexts.append(ctx)
        ctx.on_call(TASK_ROOT, TASK_ROOT_RESERVE, self._reserve)

    def settle_releases(self) -> None:
        releases = [sent for ctx in self.contexts for sent in ctx.sent_to(TASK_ROOT_RELEASE)]
        for sent in releases[self.released :]:
            self.state = release(self.state, json.loads(sent.arg))
        self.released = len(releases)

    def _reserve(self, call: Call) -> bytes:
        self.settle_releases()
        self.state, slot = reserve(self.state, json.loads(call.arg))
        return slot.model_dump_json().encode()
