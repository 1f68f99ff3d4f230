"""The browser tests run on the integration stack (real restate-server, worker, bot, sandbox)."""

from tests.integration.conftest import own_stack, probe_name, sandbox, session_dir, stack
from tests.integration.shipped import demo_stack

__all__ = ["demo_stack", "own_stack", "probe_name", "sandbox", "session_dir", "stack"]
