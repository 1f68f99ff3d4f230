"""Button clicks."""

from bot.listeners.actions.approvals import register

__all__ = ["register"]
