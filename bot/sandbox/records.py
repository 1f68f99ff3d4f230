"""The plain records the sandbox keeps, so tests can inspect exactly what Slack would hold.

They are dataclasses rather than pydantic models: the sandbox mutates them in place (an edit, a used
response_url) and tests compare them field by field.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EphemeralSource = Literal["api", "response_url", "ack", "error"]


@dataclass
class Team:
    id: str
    domain: str
    name: str


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the sandbox answered it: the method and the workspace whose token it carried."""

    method: str
    team_id: str
    token: str = field(repr=False)


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
    files: list[str] = field(default_factory=list)  # ids of the files shared with this message
    metadata: dict[str, Any] | None = None  # {"event_type", "event_payload"}: shown only when a reader asks for it

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, team_id: str, files: Mapping[str, File]) -> dict[str, Any]:
        """The message as the Web API returns it (chat.postMessage's `message`, block_actions' `message`);
        `files` is where its file ids are looked up (the state's `files`)."""
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
        if self.files:
            body["files"] = [files[file_id].to_api() for file_id in self.files if file_id in files]
        return body


def mimetype_for(filename: str) -> str:
    """The content type Slack would infer from the name; unknown extensions are plain bytes."""
    return mimetypes.guess_type(filename, strict=False)[0] or "application/octet-stream"


@dataclass
class File:
    """A file on its way through Slack's external upload: a ticket from files.getUploadURLExternal, then the
    bytes at the upload URL (`content`), then files.completeUploadExternal (`completed`), which shares it in
    `channel` at `ts` (the first share) or leaves it private (both None)."""

    id: str
    name: str
    title: str
    mimetype: str
    size: int  # the length declared when the upload URL was issued; the upload must match it
    user: str
    created: float
    url_private: str
    alt_txt: str | None = None
    content: bytes | None = field(default=None, repr=False)
    completed: bool = False
    channel: str | None = None
    ts: str | None = None

    @property
    def is_image(self) -> bool:
        return self.mimetype.startswith("image/")

    @property
    def filetype(self) -> str:
        """Slack's short type name: the extension ("png", "pdf"), "text" for .txt, "binary" when unknown."""
        _, dot, extension = self.name.rpartition(".")
        extension = extension.lower()
        if not dot or not extension.isalnum():
            return "binary"
        return "text" if extension == "txt" else extension

    def to_api(self) -> dict[str, Any]:
        """The file object as Slack shows it in messages and in files.completeUploadExternal's answer."""
        body: dict[str, Any] = {
            "id": self.id,
            "created": int(self.created),
            "timestamp": int(self.created),
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "user": self.user,
            "mode": "hosted",
            "is_external": False,
            "size": self.size,
            "url_private": self.url_private,
            "url_private_download": self.url_private,
        }
        if self.alt_txt:
            body["alt_txt"] = self.alt_txt
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
