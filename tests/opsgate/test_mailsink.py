"""The demo's local SMTP server: the send_email tool really sends, and the message lands as a file."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

from agents.builtin import SmtpSettings
from agents.builtin.comms import SendEmail
from agents.tools import ToolCallContext
from opsgate.mailsink import MailSink


async def test_an_email_sent_through_the_sink_is_saved(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail")
    sink.start()
    try:
        env = sink.env()
        settings = SmtpSettings(host=env["OPSGATE_SMTP_HOST"], port=int(env["OPSGATE_SMTP_PORT"]), sender="o@x")
        tool = SendEmail(settings, ["example.com"])
        context = ToolCallContext(task_id="t", call_id="c", requester="U0ALICE", idempotency_key="t:1:c")
        arguments = {"to": ["oncall@example.com"], "subject": "api restarted", "body": "api in staging is back."}
        result = await tool.call(arguments, context)
    finally:
        sink.stop()
    assert not result.is_error, result.content
    [saved] = sorted((tmp_path / "mail").glob("*.eml"))
    message = message_from_bytes(saved.read_bytes())
    assert message["To"] == "oncall@example.com"
    assert message["Subject"] == "api restarted"
    assert "api in staging is back." in message.get_payload()
