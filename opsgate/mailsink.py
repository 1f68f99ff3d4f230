"""A local SMTP server for `opsgate up`: the demo's emails are really sent, over SMTP, and land as files.

Started only when no `OPSGATE_SMTP_HOST` is configured. Each message is written to `<data dir>/mail/` as an
`.eml` file, so a person running the demo can open what the comms agent sent.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from opsgate.restate_server import free_port

__all__ = ["MailSink"]

log = logging.getLogger(__name__)


class _Store:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        path = self.directory / f"{next(self._numbers):04d}.eml"
        path.write_bytes(content)
        log.info("mail to %s saved as %s", ", ".join(str(r) for r in envelope.rcpt_tos), path)
        return "250 Message accepted for delivery"


class MailSink:
    """aiosmtpd on 127.0.0.1 and a free port, in a thread of its own; `start`/`stop` are synchronous."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = port or free_port()
        self._controller: Any = Controller(_Store(directory), hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def env(self) -> dict[str, str]:
        """Settings for the worker: send through this sink, in clear (it only listens on loopback)."""
        return {"OPSGATE_SMTP_HOST": "127.0.0.1", "OPSGATE_SMTP_PORT": str(self.port), "OPSGATE_SMTP_STARTTLS": "false"}
