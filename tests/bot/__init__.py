"""tests/bot."""
