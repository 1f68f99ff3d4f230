"""The read-only built-in tools (low risk): services, SQL over the inventory, incidents, runbook passages."""

from __future__ import annotations

import asyncio
from typing import Any

from agents.builtin.arguments import (
    ENVIRONMENT,
    SERVICE,
    check_known,
    choice,
    integer,
    object_schema,
    optional_text,
    text,
)
from agents.builtin.inventory import Inventory
from agents.builtin.operations import list_incidents, list_services, require_service_name
from agents.builtin.readonly_sql import QueryFailed, format_table, refusal_reason
from agents.builtin.runbooks import RunbookLibrary
from agents.builtin.seed import ENVIRONMENTS
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolError, ToolResult, ToolSpec

__all__ = ["READ_ONLY", "GetIncidents", "ListServices", "QueryInventory", "SearchRunbooks"]

READ_ONLY = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)
_MAX_PASSAGE_CHARS = 700

TABLES = (
    "services(name, environment, version, replicas, owner_team, status, last_restart_at, updated_at); "
    "deployments(id, service, environment, version, kind: deploy|rollback, deployed_by, deployed_at); "
    "incidents(id, service, environment, severity: SEV1..SEV4, status: open|mitigated|resolved, title, opened_by, "
    "opened_at, resolved_at); incident_notes(id, incident_id, author, note, created_at); "
    "changes(id, service, environment, action, detail, requested_by, changed_at). Times are UTC text "
    "'YYYY-MM-DDTHH:MM:SSZ'."
)
_DIALECTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class ListServices(Tool):
    spec = ToolSpec(
        name="list_services",
        description="List the services in the inventory with version, replica count, status and owning team.",
        input_schema=object_schema({"environment": {**ENVIRONMENT, "description": "Only this environment."}}, []),
        annotations=READ_ONLY,
    )

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        environment = arguments.get("environment")
        if environment is not None:
            environment = choice(arguments, "environment", ENVIRONMENTS)

        def read() -> str:
            with self._inventory.reading() as connection:
                services = list_services(connection, environment)
            if not services:
                return f"No services in {environment}."
            return "\n".join(
                f"- {s.name} ({s.environment}): {s.version}, {s.replicas} replicas, {s.status}, owner {s.owner_team}"
                for s in services
            )

        return ToolResult(content=await asyncio.to_thread(read))


class QueryInventory(Tool):
    spec = ToolSpec(
        name="query_inventory",
        description=(
            "Run one read-only SQL query (SQLite dialect) over the ops inventory and get a compact table. Only "
            f"SELECT / WITH … SELECT; the result is capped at max_rows. Tables: {TABLES}"
        ),
        input_schema=object_schema(
            {
                "sql": {"type": "string", "minLength": 1, "maxLength": 4000, "description": "One SELECT statement."},
                "max_rows": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            },
            ["sql"],
        ),
        annotations=READ_ONLY,
    )

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        dialect = _DIALECTS.get(inventory.dialect, inventory.dialect)
        description = self.spec.description.replace("(SQLite dialect)", f"({dialect} dialect)")
        self.spec = self.spec.model_copy(update={"description": description})

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        sql = text(arguments, "sql", max_length=4000)
        max_rows = integer(arguments, "max_rows", low=1, high=200, default=50)
        reason = refusal_reason(sql)
        if reason is not None:
            raise ToolError(reason)
        try:
            result = await asyncio.to_thread(self._inventory.query, sql, max_rows=max_rows)
        except QueryFailed as exc:
            raise ToolError(self._explain(exc)) from exc
        return ToolResult(content=format_table(result))

    def _explain(self, exc: QueryFailed) -> str:
        if exc.kind == "timeout":
            return (
                f"The query ran longer than {self._inventory.query_timeout_seconds:g} s and was stopped; "
                "narrow it with WHERE or LIMIT."
            )
        if exc.kind == "refused":
            return (
                f"The inventory refused the statement ({exc}): query_inventory can only read, and only the "
                f"inventory's tables: {TABLES}"
            )
        return f"SQL error: {exc}. Tables: {TABLES}"


class GetIncidents(Tool):
    spec = ToolSpec(
        name="get_incidents",
        description="Open and mitigated incidents (newest first) with their latest notes; optionally resolved ones.",
        input_schema=object_schema(
            {
                "service": {**SERVICE, "description": "Only incidents of this service."},
                "include_resolved": {"type": "boolean", "default": False, "description": "Also resolved ones."},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 10},
            },
            [],
        ),
        annotations=READ_ONLY,
    )

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        service = optional_text(arguments, "service", max_length=40)
        include_resolved = arguments.get("include_resolved", False) is True
        limit = integer(arguments, "limit", low=1, high=20, default=10)

        def read() -> str:
            with self._inventory.reading() as connection:
                if service is not None:
                    require_service_name(connection, service)
                incidents = list_incidents(connection, service=service, include_resolved=include_resolved, limit=limit)
            if not incidents:
                scope = f" for {service}" if service else ""
                return f"No {'' if include_resolved else 'open '}incidents{scope}."
            lines = []
            for incident in incidents:
                lines.append(
                    f"#{incident.id} {incident.severity} {incident.status} {incident.service}@{incident.environment} "
                    f"(opened {incident.opened_at}): {incident.title}"
                )
                lines += [f"    {at} {author}: {note}" for at, author, note in incident.notes]
            return "\n".join(lines)

        return ToolResult(content=await asyncio.to_thread(read))


class SearchRunbooks(Tool):
    spec = ToolSpec(
        name="search_runbooks",
        description="Find the runbook passages relevant to a question (e.g. 'roll back a bad deploy'), best first.",
        input_schema=object_schema(
            {
                "query": {"type": "string", "minLength": 1, "maxLength": 300},
                "limit": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
            },
            ["query"],
        ),
        annotations=READ_ONLY,
    )

    def __init__(self, library: RunbookLibrary) -> None:
        self._library = library

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        query = text(arguments, "query", max_length=300)
        limit = integer(arguments, "limit", low=1, high=5, default=3)
        hits = await asyncio.to_thread(self._library.search, query, limit)
        if not hits:
            return ToolResult(content=f"No runbook passage matches {query!r}.")
        parts = []
        for rank, hit in enumerate(hits, start=1):
            body = hit.passage.text
            if len(body) > _MAX_PASSAGE_CHARS:
                body = body[: _MAX_PASSAGE_CHARS - 1].rstrip() + "…"
            parts.append(f"[{rank}] {hit.passage.file} › {hit.passage.heading}\n{body}")
        return ToolResult(content="\n\n".join(parts))
