"""What every shape shares: the workspace's ids, and a request as bytes with its content type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM = "T0SANDBOX"
APP = "A0SANDBOX"
USER = "U0ALICE"
CHANNEL = "C0OPS"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
TS = "1732500000.000100"
LATER = "1732500042.000200"
TOKEN = "sandbox-verification-token"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
DEAD_URL = "http://127.0.0.1:9/response/T0SANDBOX/1/dead"  # loopback, nothing listens: a call fails at once
TRIGGER = "1732500042000.1234567890.5f0c3b8e9a7d4c2b1e0f6a5b4c3d2e1"


@dataclass(frozen=True)
class Shape:
    name: str
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def text_blocks(text: str) -> list[dict[str, Any]]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": "rt1", "elements": [section]}]
