"""tests/bot/sandbox."""
