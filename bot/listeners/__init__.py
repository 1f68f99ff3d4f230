"""Listeners by kind; each kind module has a `register(app, deps)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, commands, events, views

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register_all"]


def register_all(app: AsyncApp, deps: BotDeps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
