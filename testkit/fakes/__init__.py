"""Fakes of the services opsgate talks to, usable from tests and benchmarks alike (no pytest imports)."""

from testkit.fakes.clock import FakeClock, TickingClock
from testkit.fakes.directory import StaticDirectory
from testkit.fakes.messages_api import MessagesApiFake
from testkit.fakes.messages_script import (
    Delay,
    DropConnection,
    Failure,
    RecordedRequest,
    Reply,
    Step,
    text_reply,
    tool_use_reply,
)
from testkit.fakes.messages_tokens import count_request_tokens, count_tokens

__all__ = [
    "Delay",
    "DropConnection",
    "Failure",
    "FakeClock",
    "MessagesApiFake",
    "RecordedRequest",
    "Reply",
    "StaticDirectory",
    "Step",
    "TickingClock",
    "count_request_tokens",
    "count_tokens",
    "text_reply",
    "tool_use_reply",
]
