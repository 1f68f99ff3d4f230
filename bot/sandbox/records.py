"""The plain records the sandbox keeps, so tests can inspect exactly what Slack would hold.

They are dataclasses rather than pydantic models: the sandbox mutates them in place (an edit, a used
response_url) and tests compare them field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EphemeralSource = Literal["api", "response_url", "ack", "error"]


@dataclass
class Team:
    id: str
    domain: str
    name: str


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False
    bot_id: str | None = None


@dataclass
class Channel:
    """A conversation; `is_im` marks a direct message opened with conversations.open."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_im: bool = False


@dataclass
class UserGroup:
    id: str
    handle: str
    users: list[str] = field(default_factory=list)


@dataclass
class Message:
    """A channel message; a reply has `thread_ts` set to its root's ts (a root has it only once replied to)."""

    channel: str
    ts: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    edit_count: int = 0
    deleted: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, team_id: str) -> dict[str, Any]:
        """The message as the Web API returns it (chat.postMessage's `message`, block_actions' `message`)."""
        body: dict[str, Any] = {"type": "message", "text": self.text, "ts": self.ts, "team": team_id}
        if self.user:
            body["user"] = self.user
        if self.bot_id:
            body["bot_id"] = self.bot_id
            body["app_id"] = "A0SANDBOX"
        if self.blocks:
            body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.edit_count:
            body["edited"] = {"user": self.user, "ts": self.ts}
        return body


@dataclass
class Ephemeral:
    """A message only `user` sees in `channel`; `source` says how it got there (API, response_url, ack, error)."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    source: EphemeralSource = "api"
    deleted: bool = False


@dataclass
class View:
    """A modal opened for `user`; `view` is the payload as the bot sent it, plus the ids Slack adds."""

    id: str
    user: str
    view: dict[str, Any]
    hash: str
    external_id: str | None = None
    closed: bool = False
    update_count: int = 0


@dataclass
class Trigger:
    """A trigger_id handed to the bot: it may open one modal, within three seconds of being issued."""

    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url handed to the bot: five uses within thirty minutes, bound to where it came from."""

    id: str
    url: str
    channel: str
    user: str
    issued_at: float
    message_ts: str | None = None
    message_is_ephemeral: bool = False
    uses: int = 0
