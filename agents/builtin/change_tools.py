"""The built-in tools that change the inventory, each with a dry run for the approval card.

Every one is closed-world and honours `ToolCallContext.idempotency_key` (`Inventory.apply`), so each declares
itself idempotent and the platform may retry it. By annotations: scaling and incident notes are medium
(non-destructive); restart and rollback high (destructive, yet undone by another restart or a redeploy);
decommission is high by annotations and meant to be made critical by a policy rule, since it cannot be undone.
"""

from __future__ import annotations

import abc
import asyncio
from typing import Any

import sqlalchemy as sa

from agents.builtin import changes
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
from agents.builtin.operations import Plan
from agents.builtin.seed import ENVIRONMENTS, SEVERITIES
from agents.tools import Tool, ToolAnnotations, ToolCallContext, ToolResult, ToolSpec

__all__ = [
    "DESTRUCTIVE_WRITE",
    "WRITE",
    "AddIncidentNote",
    "DecommissionService",
    "InventoryChange",
    "OpenIncident",
    "RestartService",
    "RollbackService",
    "ScaleService",
]

WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False)
DESTRUCTIVE_WRITE = ToolAnnotations(read_only=False, destructive=True, idempotent=True, open_world=False)
_TARGET_PROPERTIES: dict[str, Any] = {"service": SERVICE, "environment": ENVIRONMENT}
_TARGET_SCHEMA = object_schema(_TARGET_PROPERTIES, ["service", "environment"])


def _target(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": text(arguments, "service", max_length=40),
        "environment": choice(arguments, "environment", ENVIRONMENTS),
    }


class InventoryChange(Tool):
    """A write to the inventory: planned for the preview, applied at most once per idempotency key."""

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    @abc.abstractmethod
    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The checked arguments, as keyword arguments of `_plan` and `_change`."""

    @abc.abstractmethod
    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan: ...

    @abc.abstractmethod
    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str: ...

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        check_known(arguments, self.spec.input_schema)
        checked = self._arguments(arguments)

        def change(connection: sa.Connection, now: str) -> str:
            return self._change(connection, now, context.requester, **checked)

        content = await asyncio.to_thread(
            self._inventory.apply, context.idempotency_key, self.spec.name, arguments, change
        )
        return ToolResult(content=content)

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        check_known(arguments, self.spec.input_schema)
        checked = self._arguments(arguments)

        def dry_run() -> str:
            with self._inventory.reading() as connection:
                return self._plan(connection, **checked).preview

        return await asyncio.to_thread(dry_run)


class ScaleService(InventoryChange):
    spec = ToolSpec(
        name="scale_service",
        description="Set the replica count of a service in one environment (1 to 50).",
        input_schema=object_schema(
            {**_TARGET_PROPERTIES, "replicas": {"type": "integer", "minimum": 1, "maximum": 50}},
            ["service", "environment", "replicas"],
        ),
        annotations=WRITE,
        target_keys=("service", "environment"),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {**_target(arguments), "replicas": integer(arguments, "replicas", low=1, high=50)}

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        return changes.plan_scale(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.scale(connection, now, requester, **arguments)


class RestartService(InventoryChange):
    spec = ToolSpec(
        name="restart_service",
        description="Restart every pod of a service in one environment, one at a time (a rolling restart).",
        input_schema=_TARGET_SCHEMA,
        annotations=DESTRUCTIVE_WRITE,
        target_keys=("service", "environment"),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return _target(arguments)

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        return changes.plan_restart(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.restart(connection, now, requester, **arguments)


class RollbackService(InventoryChange):
    spec = ToolSpec(
        name="rollback_service",
        description=(
            "Undo the latest deploy of a service in one environment: redeploy the version that ran before it. "
            "Calling it again changes nothing; it never goes back further than one deploy."
        ),
        input_schema=_TARGET_SCHEMA,
        annotations=DESTRUCTIVE_WRITE,
        target_keys=("service", "environment"),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return _target(arguments)

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        return changes.plan_rollback(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.rollback(connection, now, requester, **arguments)


class DecommissionService(InventoryChange):
    spec = ToolSpec(
        name="decommission_service",
        description="Permanently retire a service in one environment: 0 replicas, status decommissioned. Irreversible.",
        input_schema=_TARGET_SCHEMA,
        annotations=DESTRUCTIVE_WRITE,
        target_keys=("service", "environment"),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return _target(arguments)

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        return changes.plan_decommission(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.decommission(connection, now, requester, **arguments)


class OpenIncident(InventoryChange):
    spec = ToolSpec(
        name="open_incident",
        description="Open an incident on a service in one environment, with an optional first note.",
        input_schema=object_schema(
            {
                **_TARGET_PROPERTIES,
                "severity": {"type": "string", "enum": list(SEVERITIES), "description": "SEV1 is the worst."},
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "note": {"type": "string", "maxLength": 2000},
            },
            ["service", "environment", "severity", "title"],
        ),
        annotations=WRITE,
        target_keys=("service", "environment"),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            **_target(arguments),
            "severity": choice(arguments, "severity", SEVERITIES),
            "title": text(arguments, "title", max_length=200),
            "note": optional_text(arguments, "note", max_length=2000),
        }

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        arguments.pop("note")
        return changes.plan_open_incident(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.open_incident(connection, now, requester, **arguments)


class AddIncidentNote(InventoryChange):
    spec = ToolSpec(
        name="add_incident_note",
        description="Add a note to an incident's timeline (what was seen, what was done).",
        input_schema=object_schema(
            {
                "incident_id": {"type": "integer", "minimum": 1},
                "note": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
            ["incident_id", "note"],
        ),
        annotations=WRITE,
        target_keys=("incident_id",),
    )

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            "incident_id": integer(arguments, "incident_id", low=1, high=2**62),
            "note": text(arguments, "note", max_length=2000),
        }

    def _plan(self, connection: sa.Connection, **arguments: Any) -> Plan:
        return changes.plan_incident_note(connection, **arguments)

    def _change(self, connection: sa.Connection, now: str, requester: str, **arguments: Any) -> str:
        return changes.add_incident_note(connection, now, requester, **arguments)
