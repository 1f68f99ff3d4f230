"""The browser tests run on the integration stack (real restate-server, worker, bot, sandbox)."""

from tests.integration.conftest import own_stack, probe_name, sandbox, session_dir, stack

__all__ = ["own_stack", "probe_name", "sandbox", "session_dir", "stack"]
