"""post_message through a recording ChannelPoster, and send_email to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from agents.builtin import builtin_tools
from agents.builtin.comms import PostMessage, SendEmail, SmtpSettings
from agents.builtin.inventory import Inventory
from agents.tools import ToolError
from tests.agents.builtin.conftest import RecordingPoster, context, ledger

SENDER = "opsgate@ops.example.com"
EMAIL = {"to": ["oncall@example.com"], "subject": "search@production degraded", "body": "p99 is 2.4 s.\nScaling."}


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, and every login."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password == b"s3cret", handled=False)  # not handled: the server answers

    def message(self, index: int = 0) -> Message:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        return message_from_bytes(content)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ready_timeout=5,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout_seconds=5)
    finally:
        controller.stop()


async def test_post_message_posts_through_the_port(inventory: Inventory) -> None:
    poster = RecordingPoster()
    tool = PostMessage(poster, ledger=inventory)
    result = await tool.call({"channel": "C0INCIDENT", "text": "search@production is degraded."}, context())
    assert result.content == "Posted to C0INCIDENT (ts 1767225600.000001)."
    assert poster.posts == [("C0INCIDENT", "search@production is degraded.")]


async def test_post_message_replays_a_finished_call_with_the_same_key(inventory: Inventory) -> None:
    poster = RecordingPoster()
    tool = PostMessage(poster, ledger=inventory)
    arguments = {"channel": "#ops", "text": "Rolling back api."}
    first = await tool.call(arguments, context("task-1:2:toolu_5"))
    again = await tool.call(arguments, context("task-1:2:toolu_5"))
    assert first == again
    assert len(poster.posts) == 1
    await tool.call(arguments, context("task-1:3:toolu_6"))
    assert len(poster.posts) == 2


async def test_post_message_preview_quotes_the_text_without_posting(inventory: Inventory) -> None:
    poster = RecordingPoster()
    preview = await PostMessage(poster).preview({"channel": "#ops", "text": "Line one\nline two"})
    assert preview == "Would post to #ops:\n> Line one\n> line two"
    assert poster.posts == []


async def test_send_email_delivers_exactly_the_message(
    smtp_server: tuple[Inbox, SmtpSettings], inventory: Inventory
) -> None:
    inbox, settings = smtp_server
    tool = SendEmail(settings, ["example.com"], ledger=inventory)
    result = await tool.call(EMAIL, context("task-1:4:toolu_7"))
    assert len(inbox.envelopes) == 1
    envelope, message = inbox.envelopes[0], inbox.message()
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, ["oncall@example.com"])
    assert (message["From"], message["To"], message["Subject"]) == (SENDER, "oncall@example.com", EMAIL["subject"])
    assert message.get_payload(decode=True) == b"p99 is 2.4 s.\r\nScaling.\r\n"  # line ends as on the wire
    assert message["Message-ID"].endswith("@ops.example.com>")
    assert result.content == f"Sent 'search@production degraded' to oncall@example.com ({message['Message-ID']})."
    again = await tool.call(EMAIL, context("task-1:4:toolu_7"))
    assert again == result
    assert len(inbox.envelopes) == 1
    assert inbox.logins == []


async def test_send_email_logs_in_when_given_credentials(smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    good = SmtpSettings(settings.host, settings.port, SENDER, username="opsgate", password="s3cret")
    await SendEmail(good, ["example.com"]).call(EMAIL, context())
    assert inbox.logins == [("opsgate", "s3cret")]
    assert len(inbox.envelopes) == 1
    bad = SmtpSettings(settings.host, settings.port, SENDER, username="opsgate", password="wrong")
    with pytest.raises(ToolError, match=r"refused the session .*; nothing was sent"):
        await SendEmail(bad, ["example.com"]).call(EMAIL, context())
    assert len(inbox.envelopes) == 1
    assert "wrong" not in repr(bad)


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        (["cfo@example.org"], "cfo@example.org is outside the email allowlist; allowed domains: example.com. "
                              "Nothing was sent."),
        (["oncall@example.com", "x@evil.example.com"], "x@evil.example.com is outside the email allowlist"),
        (["oncall@example.com\n"], "'oncall@example.com\\n' is not a plain email address"),
        (["Oncall <oncall@example.com>"], "'Oncall <oncall@example.com>' is not a plain email address"),
        (["oncall@example.com\r\nBcc: x@evil.test"], "'oncall@example.com\\r\\nBcc: x@evil.test' is not a plain"),
    ],
)  # fmt: skip
async def test_send_email_refuses_recipients_outside_the_allowlist(
    smtp_server: tuple[Inbox, SmtpSettings], recipients: list[str], message: str
) -> None:
    inbox, settings = smtp_server
    tool = SendEmail(settings, ["Example.com"])
    with pytest.raises(ToolError) as refused:
        await tool.call({**EMAIL, "to": recipients}, context())
    assert str(refused.value).startswith(message)
    with pytest.raises(ToolError):
        await tool.preview({**EMAIL, "to": recipients})
    assert inbox.envelopes == []


async def test_send_email_preview_shows_the_mail_without_sending(smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    preview = await SendEmail(settings, ["example.com"]).preview(EMAIL)
    assert preview == (
        f"Would email oncall@example.com from {SENDER}: search@production degraded\n> p99 is 2.4 s.\n> Scaling."
    )
    assert inbox.envelopes == []


async def test_send_email_says_nothing_was_sent_when_the_server_is_unreachable() -> None:
    settings = SmtpSettings("127.0.0.1", _free_port(), SENDER, timeout_seconds=2)
    with pytest.raises(ToolError, match=r"could not reach the SMTP server 127\.0\.0\.1:\d+ .*; nothing was sent"):
        await SendEmail(settings, ["example.com"]).call(EMAIL, context())


def test_send_email_needs_an_allowlist() -> None:
    with pytest.raises(ValueError, match="at least one allowed recipient domain"):
        SendEmail(SmtpSettings("127.0.0.1", 25, SENDER), [])


def test_the_factory_offers_comms_tools_only_with_their_dependencies(tmp_path: Path) -> None:
    bare = [tool.spec.name for tool in builtin_tools(tmp_path / "a.db")]
    assert "post_message" not in bare
    assert "send_email" not in bare
    full = builtin_tools(
        tmp_path / "b.db",
        poster=RecordingPoster(),
        smtp=SmtpSettings("127.0.0.1", 25, SENDER),
        email_allowlist=["example.com"],
    )
    names = [tool.spec.name for tool in full]
    assert names[-2:] == ["post_message", "send_email"]
    assert "example.com" in full[-1].spec.description
    assert not (tmp_path / "b.db").exists(), "the inventory is created on first use, not by the factory"


async def test_comms_results_are_remembered_in_applied_requests(inventory: Inventory) -> None:
    await PostMessage(RecordingPoster(), ledger=inventory).call({"channel": "C1", "text": "hi"}, context("k-post"))
    assert ledger(inventory) == [("k-post", "post_message", "Posted to C1 (ts 1767225600.000001).")]
