"""opsgate."""
