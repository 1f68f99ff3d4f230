"""Button clicks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners.actions import approvals, details, older_cards, outcomes, task_buttons

if TYPE_CHECKING:
    from bot.app import BotDeps

__all__ = ["register"]


def register(app: AsyncApp, deps: BotDeps) -> None:
    approvals.register(app, deps)
    outcomes.register(app, deps)
    details.register(app, deps)
    task_buttons.register(app, deps)
    older_cards.register(app, deps)  # last: only what no listener above took
