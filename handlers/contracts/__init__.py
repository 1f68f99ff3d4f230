"""What the bot and the worker agree on: every service and handler name, every request and response model, and
the ports the worker posts through. Nothing here runs anything.

The bot depends on this package and on nothing else of `handlers` (tests/test_architecture.py enforces it), so
`import bot.app` loads no Restate SDK, MCP SDK or worker runtime. Submodules: `names` (every service and handler
name), `task` (tasks, hand-offs, threads), `approval` (approvals and outcome questions), `report` (trace summaries,
digests, status lines), `ops` (digests, worker health, the global switches).
"""

from __future__ import annotations

from handlers.contracts import approval, names, ops, report, task
from handlers.contracts.approval import *  # noqa: F403  (each submodule's __all__ is the contract)
from handlers.contracts.names import *  # noqa: F403
from handlers.contracts.ops import *  # noqa: F403
from handlers.contracts.report import *  # noqa: F403
from handlers.contracts.task import *  # noqa: F403

__all__ = [*names.__all__, *task.__all__, *approval.__all__, *report.__all__, *ops.__all__]
