"""The built-in tools: an ops inventory in opsgate's database, runbook search, and posting or emailing people.

`builtin_tools(...)` builds them all from their dependencies; the comms tools are offered only when their port
or settings are given. Every write honours `ToolCallContext.idempotency_key` through the inventory's
`applied_requests` table, and every write offers a dry run (`Tool.preview`) for the approval card.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from agents.builtin.change_tools import (
    AddIncidentNote,
    DecommissionService,
    OpenIncident,
    RestartService,
    RollbackService,
    ScaleService,
)
from agents.builtin.comms import ChannelPoster, PostMessage, SendEmail, SmtpSettings
from agents.builtin.inventory import Clock, Inventory, InventoryMissing, utc_now
from agents.builtin.read_tools import GetIncidents, ListServices, QueryInventory, SearchRunbooks
from agents.builtin.runbooks import DEFAULT_RUNBOOK_DIR, RunbookLibrary
from agents.tools import Tool

__all__ = [
    "DEFAULT_RUNBOOK_DIR",
    "ChannelPoster",
    "Inventory",
    "InventoryMissing",
    "RunbookLibrary",
    "SmtpSettings",
    "builtin_tools",
]


def builtin_tools(
    inventory: Inventory | Path | str,
    *,
    runbook_dir: Path | str = DEFAULT_RUNBOOK_DIR,
    poster: ChannelPoster | None = None,
    smtp: SmtpSettings | None = None,
    email_allowlist: Iterable[str] = (),
    clock: Clock = utc_now,
) -> list[Tool]:
    """Every built-in tool over one inventory (seeded on first use) and one runbook folder.

    The inventory is opsgate's database (`Inventory(engine)`), or a path: a standalone SQLite file, for tests and
    scripts (its `clock` is this one). `post_message` is offered only with a `poster`, `send_email` only with
    `smtp`; `send_email` then needs a non-empty `email_allowlist` of recipient domains (a `ValueError` otherwise).
    """
    if not isinstance(inventory, Inventory):
        inventory = Inventory.on_file(inventory, clock=clock)
    tools: list[Tool] = [
        ListServices(inventory),
        QueryInventory(inventory),
        GetIncidents(inventory),
        SearchRunbooks(RunbookLibrary(runbook_dir)),
        ScaleService(inventory),
        OpenIncident(inventory),
        AddIncidentNote(inventory),
        RestartService(inventory),
        RollbackService(inventory),
        DecommissionService(inventory),
    ]
    if poster is not None:
        tools.append(PostMessage(poster, ledger=inventory))
    if smtp is not None:
        tools.append(SendEmail(smtp, email_allowlist, ledger=inventory))
    return tools
