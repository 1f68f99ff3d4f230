"""Tools that reach people outside opsgate: a chat post through a `ChannelPoster` port, and email over SMTP.

Both are open-world writes declared *not* idempotent, so the platform runs them at most once (a crash mid-call
becomes "outcome unknown" for a person to check, never a second post). They also honour the idempotency key when
given a ledger: a call whose key already completed returns the first result without posting again. That is a
replay of finished calls only: the post and its record are not one transaction, so the annotation stays honest.
Email goes only to recipient domains on an allowlist, and its Message-ID is derived from the key, so a mail
system that deduplicates on it sees one message.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

from agents.builtin.arguments import check_known, object_schema, text
from agents.builtin.inventory import Inventory
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec

__all__ = ["OPEN_WORLD_WRITE", "ChannelPoster", "PostMessage", "SendEmail", "SmtpSettings"]

OPEN_WORLD_WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=True)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)")
_QUOTE_CHARS = 300


def _quoted(body: str) -> str:
    shown = body if len(body) <= _QUOTE_CHARS else body[: _QUOTE_CHARS - 1] + "…"
    return "\n".join(f"> {line}" for line in shown.splitlines())


class ChannelPoster(Protocol):
    """Posts a message to a chat channel and returns its id (a Slack `ts`); the bot side supplies one."""

    async def post(self, channel: str, text: str) -> str: ...


class PostMessage(Tool):
    spec = ToolSpec(
        name="post_message",
        description="Post a message to a chat channel (a channel id such as C0123456789, or #name).",
        input_schema=object_schema(
            {
                "channel": {"type": "string", "pattern": "^#?[A-Za-z0-9._-]{1,80}$"},
                "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            },
            ["channel", "text"],
        ),
        annotations=OPEN_WORLD_WRITE,
        target_keys=("channel",),
    )

    def __init__(self, poster: ChannelPoster, ledger: Inventory | None = None) -> None:
        self._poster = poster
        self._ledger = ledger

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        channel = text(arguments, "channel", max_length=81)
        message = text(arguments, "text", max_length=4000)
        key = context.idempotency_key
        if self._ledger is not None:
            earlier = await asyncio.to_thread(self._ledger.replay, key, self.spec.name, arguments)
            if earlier is not None:
                return ToolResult(content=earlier)
        ts = await self._poster.post(channel, message)
        content = f"Posted to {channel} (ts {ts})."
        if self._ledger is not None:
            await asyncio.to_thread(self._ledger.record, key, self.spec.name, arguments, content)
        return ToolResult(content=content)

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        check_known(arguments, self.spec.input_schema)
        channel = text(arguments, "channel", max_length=81)
        return f"Would post to {channel}:\n{_quoted(text(arguments, 'text', max_length=4000))}"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0


class SendEmail(Tool):
    spec = ToolSpec(
        name="send_email",
        description="Send a plain-text email to recipients on the allowed domains.",
        input_schema=object_schema(
            {
                "to": {
                    "type": "array",
                    "items": {"type": "string", "maxLength": 254},
                    "minItems": 1,
                    "maxItems": 10,
                    "uniqueItems": True,
                },
                "subject": {"type": "string", "minLength": 1, "maxLength": 200},
                "body": {"type": "string", "minLength": 1, "maxLength": 20000},
            },
            ["to", "subject", "body"],
        ),
        annotations=OPEN_WORLD_WRITE,
    )

    def __init__(self, settings: SmtpSettings, allowed_domains: Iterable[str], ledger: Inventory | None = None) -> None:
        self._settings = settings
        self._allowed = frozenset(domain.strip().lower().lstrip("@") for domain in allowed_domains if domain.strip())
        if not self._allowed:
            raise ValueError("send_email needs at least one allowed recipient domain (egress is denied by default)")
        self._ledger = ledger
        domains = ", ".join(sorted(self._allowed))
        self.spec = self.spec.model_copy(
            update={"description": f"Send a plain-text email; recipients must be at one of: {domains}."}
        )

    def _recipients(self, arguments: dict[str, Any]) -> list[str]:
        recipients = arguments.get("to")
        if not isinstance(recipients, list) or not 1 <= len(recipients) <= 10:
            raise ToolError("to must be a list of 1 to 10 email addresses")
        allowed = ", ".join(sorted(self._allowed))
        for recipient in recipients:
            match = _ADDRESS.fullmatch(recipient) if isinstance(recipient, str) else None
            if match is None:
                raise ToolError(f"{recipient!r} is not a plain email address (name@domain); nothing was sent")
            if match.group(1).lower() not in self._allowed:
                raise ToolError(
                    f"{recipient} is outside the email allowlist; allowed domains: {allowed}. Nothing was sent."
                )
        return list(recipients)

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        recipients = self._recipients(arguments)
        subject = " ".join(text(arguments, "subject", max_length=200).split())
        body = text(arguments, "body", max_length=20000)
        key = context.idempotency_key
        if self._ledger is not None:
            earlier = await asyncio.to_thread(self._ledger.replay, key, self.spec.name, arguments)
            if earlier is not None:
                return ToolResult(content=earlier)
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        domain = self._settings.sender.rpartition("@")[2] or "opsgate"
        message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
        message.set_content(body)
        result = await asyncio.to_thread(self._send, message)
        if not result.is_error and self._ledger is not None:
            await asyncio.to_thread(self._ledger.record, key, self.spec.name, arguments, result.content)
        return result

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        check_known(arguments, self.spec.input_schema)
        recipients = self._recipients(arguments)
        subject = text(arguments, "subject", max_length=200)
        body = text(arguments, "body", max_length=20000)
        return f"Would email {', '.join(recipients)} from {self._settings.sender}: {subject}\n{_quoted(body)}"

    def _send(self, message: EmailMessage) -> ToolResult:
        settings = self._settings
        where = f"{settings.host}:{settings.port}"
        try:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        except OSError as exc:
            raise ToolError(f"could not reach the SMTP server {where} ({exc}); nothing was sent") from exc
        with client:
            try:
                if settings.starttls:
                    client.starttls(context=ssl.create_default_context())
                if settings.username:
                    client.login(settings.username, settings.password or "")
            except (smtplib.SMTPException, OSError) as exc:
                raise ToolError(f"the SMTP server {where} refused the session ({exc}); nothing was sent") from exc
            try:
                client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                raise ToolError(f"the SMTP server {where} refused the message ({exc}); nothing was sent") from exc
            except (smtplib.SMTPException, OSError) as exc:
                return ToolResult(
                    content=f"The connection to {where} failed while sending ({exc}); the email may or may not "
                    "have been delivered. Do not send it again; a person must check.",
                    is_error=True,
                    unknown=True,
                )
        return ToolResult(content=f"Sent {message['Subject']!r} to {message['To']} ({message['Message-ID']}).")
