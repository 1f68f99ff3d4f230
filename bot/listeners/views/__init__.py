"""Modal submissions."""

from bot.listeners.views.approvals import register

__all__ = ["register"]
