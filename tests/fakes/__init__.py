"""Fakes of the services opsgate talks to, usable from tests and benchmarks alike (no pytest imports)."""

from tests.fakes.clock import FakeClock
from tests.fakes.messages_api import MessagesApiFake
from tests.fakes.messages_script import (
    Delay,
    DropConnection,
    Failure,
    RecordedRequest,
    Reply,
    Step,
    text_reply,
    tool_use_reply,
)
from tests.fakes.messages_tokens import count_request_tokens, count_tokens

__all__ = [
    "Delay",
    "DropConnection",
    "Failure",
    "FakeClock",
    "MessagesApiFake",
    "RecordedRequest",
    "Reply",
    "Step",
    "count_request_tokens",
    "count_tokens",
    "text_reply",
    "tool_use_reply",
]
