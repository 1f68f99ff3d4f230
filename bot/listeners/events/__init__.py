"""Events API listeners: mentions in a task's thread become follow-ups; other subscribed events are accepted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners.events import mentions

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def register(app: AsyncApp, deps: BotDeps) -> None:
    mentions.register(app, deps)
