"""Slash commands: `/ops` and a polite answer for any other command routed to us."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners.commands import ops

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def register(app: AsyncApp, deps: BotDeps) -> None:
    ops.register(app, deps)
    app.command(re.compile(r".*"))(ops.unknown_command)
