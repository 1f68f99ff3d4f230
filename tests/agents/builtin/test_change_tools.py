"""The inventory's write tools: what they change, their dry runs, idempotency keys and the errors the model sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents.builtin.inventory import Inventory
from agents.tools import Tool, ToolError
from tests.agents.builtin.conftest import context, execute, rows

Snapshot = Callable[[], list[tuple[Any, ...]]]


def service(inventory: Inventory, name: str, environment: str) -> tuple[Any, ...]:
    return rows(inventory, "SELECT version, replicas, status FROM services WHERE name = ? AND environment = ?",
                name, environment)[0]  # fmt: skip


async def test_scale_service_changes_the_replica_count_and_logs_it(
    tools: dict[str, Tool], inventory: Inventory
) -> None:
    result = await tools["scale_service"].call({"service": "api", "environment": "staging", "replicas": 4}, context())
    assert result.content == "Scaled api@staging from 2 to 4 replicas."
    assert service(inventory, "api", "staging") == ("v2.15.0-rc.1", 4, "running")
    assert rows(inventory, "SELECT service, environment, action, detail, requested_by FROM changes") == [
        ("api", "staging", "scale", "replicas 2 -> 4", "U0TESTER01")
    ]


async def test_the_same_key_twice_changes_once(tools: dict[str, Tool], inventory: Inventory) -> None:
    arguments = {"incident_id": 1, "note": "Scaled search to 6 replicas."}
    first = await tools["add_incident_note"].call(arguments, context("task-1:3:toolu_9"))
    again = await tools["add_incident_note"].call(arguments, context("task-1:3:toolu_9"))
    assert first == again
    assert rows(inventory, "SELECT count(*) FROM incident_notes WHERE note = ?", arguments["note"]) == [(1,)]
    await tools["add_incident_note"].call(arguments, context("task-1:4:toolu_10"))
    assert rows(inventory, "SELECT count(*) FROM incident_notes WHERE note = ?", arguments["note"]) == [(2,)]


async def test_open_incident_with_one_key_opens_one(tools: dict[str, Tool], inventory: Inventory) -> None:
    arguments = {"service": "billing", "environment": "production", "severity": "SEV2", "title": "Checkout fails"}
    first = await tools["open_incident"].call({**arguments, "note": "Card payments fail."}, context("k-open"))
    again = await tools["open_incident"].call({**arguments, "note": "Card payments fail."}, context("k-open"))
    assert first.content == again.content == "Opened incident #6 (SEV2) on billing@production: Checkout fails"
    assert rows(inventory, "SELECT count(*) FROM incidents WHERE title = 'Checkout fails'") == [(1,)]
    assert rows(inventory, "SELECT author, note FROM incident_notes WHERE incident_id = 6") == [
        ("U0TESTER01", "Card payments fail.")
    ]


async def test_rollback_undoes_the_latest_deploy_once(tools: dict[str, Tool], inventory: Inventory) -> None:
    target = {"service": "api", "environment": "production"}
    result = await tools["rollback_service"].call(target, context())
    assert result.content == "Rolled back api@production from v2.14.1 to v2.14.0; recorded as a rollback deployment."
    assert service(inventory, "api", "production")[0] == "v2.14.0"
    latest = "SELECT version, kind, deployed_by FROM deployments WHERE service = 'api' AND environment = 'production' "
    assert rows(inventory, latest + "ORDER BY id DESC LIMIT 1") == [("v2.14.0", "rollback", "U0TESTER01")]
    again = await tools["rollback_service"].call(target, context())  # a new call, not a replay
    assert again.content.endswith("already runs v2.14.0, the version before the deploy of v2.14.1; nothing changes.")
    assert rows(inventory, "SELECT count(*) FROM deployments WHERE kind = 'rollback'") == [(1,)]


async def test_rollback_after_a_redeploy_returns_to_what_ran_before_it(
    tools: dict[str, Tool], inventory: Inventory
) -> None:
    target = {"service": "api", "environment": "production"}
    await tools["rollback_service"].call(target, context())  # v2.14.1 -> v2.14.0
    execute(
        inventory,
        "INSERT INTO deployments (service, environment, version, kind, deployed_by, deployed_at) "
        "VALUES ('api', 'production', 'v2.14.2', 'deploy', 'deploy-bot', '2026-03-02T10:00:00Z')",
    )
    execute(inventory, "UPDATE services SET version = 'v2.14.2' WHERE name = 'api' AND environment = 'production'")
    assert await tools["rollback_service"].preview(target) == (
        "Would roll back api@production from v2.14.2 to v2.14.0, undoing the deploy of v2.14.2 at 2026-03-02T10:00:00Z."
    )


async def test_restart_marks_a_degraded_service_running(tools: dict[str, Tool], inventory: Inventory) -> None:
    result = await tools["restart_service"].call({"service": "search", "environment": "production"}, context())
    assert result.content == "Restarted search@production (v4.2.0, 4 replicas, now degraded); it is running."
    assert service(inventory, "search", "production") == ("v4.2.0", 4, "running")
    assert rows(inventory, "SELECT last_restart_at FROM services WHERE name = 'search' AND environment = "
                "'production'") == [("2026-03-02T09:30:00Z",)]  # fmt: skip


async def test_decommission_is_final(tools: dict[str, Tool], inventory: Inventory) -> None:
    target = {"service": "notifications", "environment": "dev"}
    result = await tools["decommission_service"].call(target, context())
    assert result.content == (
        "Decommissioned notifications@dev (v0.10.0-dev, 1 replica); it has 0 replicas and can no longer be changed."
    )
    assert service(inventory, "notifications", "dev") == ("v0.10.0-dev", 0, "decommissioned")
    again = await tools["decommission_service"].call(target, context())
    assert again.content == "notifications@dev is already decommissioned; nothing changes."
    with pytest.raises(ToolError, match="notifications@dev is decommissioned; it can no longer be changed"):
        await tools["scale_service"].call({**target, "replicas": 2}, context())
    with pytest.raises(ToolError, match="decommissioned"):
        await tools["restart_service"].call(target, context())


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("scale_service", {"service": "apl", "environment": "staging", "replicas": 3},
         "unknown service 'apl'; known services: api, auth, billing, notifications, search, web"),
        ("scale_service", {"service": "api", "environment": "qa", "replicas": 3},
         "environment must be one of production, staging, dev, not 'qa'"),
        ("scale_service", {"service": "api", "environment": "staging", "replicas": 51},
         "replicas must be a whole number from 1 to 50, not 51"),
        ("scale_service", {"service": "api", "environment": "staging", "replicas": "4"},
         "replicas must be a whole number from 1 to 50, not '4'"),
        ("scale_service", {"service": "api", "environment": "staging"},
         "replicas must be a whole number from 1 to 50, not None"),
        ("restart_service", {"service": "api", "environment": "staging", "force": True},
         "unknown argument(s) force; this tool takes service, environment"),
        ("open_incident", {"service": "api", "environment": "dev", "severity": "P1", "title": "x"},
         "severity must be one of SEV1, SEV2, SEV3, SEV4, not 'P1'"),
        ("add_incident_note", {"incident_id": 42, "note": "x"},
         "no incident #42; open incidents: #1, #2, #4 (get_incidents lists them)"),
    ],
)  # fmt: skip
async def test_errors_say_what_is_valid(
    tools: dict[str, Tool], snapshot: Snapshot, tool: str, arguments: dict[str, Any], message: str
) -> None:
    before = snapshot()
    with pytest.raises(ToolError) as refused:
        await tools[tool].call(arguments, context())
    assert str(refused.value) == message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("tool", "arguments", "preview"),
    [
        ("scale_service", {"service": "api", "environment": "staging", "replicas": 4},
         "Would scale api@staging from 2 to 4 replicas."),
        ("scale_service", {"service": "api", "environment": "staging", "replicas": 2},
         "api@staging already runs 2 replicas; nothing changes."),
        ("restart_service", {"service": "web", "environment": "production"},
         "Would restart all pods of web@production (v3.3.7, 5 replicas, now running), one at a time; "
         "it is marked running afterwards."),
        ("rollback_service", {"service": "billing", "environment": "staging"},
         "Would roll back billing@staging from v1.10.0 to v1.9.3, undoing the deploy of v1.10.0 at "
         "2026-02-26T08:30:00Z."),
        ("decommission_service", {"service": "search", "environment": "dev"},
         "Would decommission search@dev (v4.3.0-dev, 1 replica): replicas to 0, status decommissioned. "
         "It cannot be changed afterwards."),
        ("open_incident", {"service": "auth", "environment": "production", "severity": "SEV1", "title": "Login down"},
         "Would open a SEV1 incident on auth@production: Login down"),
        ("add_incident_note", {"incident_id": 2, "note": "Queue drained."},
         "Would add a note to incident #2 (SEV3, mitigated, billing@production): Queue drained."),
    ],
)  # fmt: skip
async def test_previews_describe_the_change_without_making_it(
    tools: dict[str, Tool], snapshot: Snapshot, tool: str, arguments: dict[str, Any], preview: str
) -> None:
    before = snapshot()
    assert await tools[tool].preview(arguments) == preview
    assert snapshot() == before


async def test_a_preview_of_an_impossible_change_fails_like_the_call(tools: dict[str, Tool]) -> None:
    with pytest.raises(ToolError, match="unknown service 'nope'"):
        await tools["rollback_service"].preview({"service": "nope", "environment": "dev"})


async def test_write_tools_name_their_target(tools: dict[str, Tool]) -> None:
    spec = tools["scale_service"].spec
    assert spec.target_of({"service": "api", "environment": "staging", "replicas": 4}) == "api@staging"
    assert tools["add_incident_note"].spec.target_of({"incident_id": 3, "note": "x"}) == "3"
