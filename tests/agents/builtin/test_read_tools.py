"""The read-only tools against a real inventory file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents.builtin.inventory import Inventory
from agents.builtin.read_tools import QueryInventory
from agents.tools import Tool, ToolError
from tests.agents.builtin.conftest import context

Snapshot = Callable[[], list[tuple[Any, ...]]]


async def test_list_services_filters_by_environment(tools: dict[str, Tool]) -> None:
    result = await tools["list_services"].call({"environment": "production"}, context())
    lines = result.content.splitlines()
    assert len(lines) == 6
    assert lines[0] == "- api (production): v2.14.1, 6 replicas, running, owner platform"
    assert "- search (production): v4.2.0, 4 replicas, degraded, owner discovery" in lines
    everything = await tools["list_services"].call({}, context())
    assert len(everything.content.splitlines()) == 18


async def test_list_services_refuses_an_unknown_environment(tools: dict[str, Tool]) -> None:
    with pytest.raises(ToolError, match="environment must be one of production, staging, dev"):
        await tools["list_services"].call({"environment": "prod"}, context())
    with pytest.raises(ToolError, match="unknown argument"):
        await tools["list_services"].call({"env": "production"}, context())


async def test_query_inventory_returns_a_compact_table(tools: dict[str, Tool]) -> None:
    sql = "SELECT name, replicas FROM services WHERE environment = 'production' ORDER BY replicas DESC, name"
    result = await tools["query_inventory"].call({"sql": sql, "max_rows": 3}, context())
    assert result.content == (
        "name | replicas\napi | 6\nweb | 5\nsearch | 4\n"
        "… 3 more rows not shown; narrow the query with WHERE, GROUP BY or LIMIT."
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("INSERT INTO incidents (service) VALUES ('api')", "INSERT is not allowed: query_inventory only reads"),
        ("update services set replicas = 0", "UPDATE is not allowed"),
        ("DELETE FROM services", "DELETE is not allowed"),
        ("DROP TABLE services", "DROP is not allowed"),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH is not allowed"),
        ("PRAGMA query_only = 0", "PRAGMA is not allowed"),
        ("SELECT 1; DELETE FROM services", "Send one statement at a time"),
        # Past the statement check, the database refuses it: SQLite's authorizer, PostgreSQL's parser (the statement
        # runs inside a row limit; test_readonly_pg shows the read-only transaction refusing what is not wrapped)
        ("WITH x AS (SELECT 1) DELETE FROM services", "SQLite:The inventory refused the statement (not authorized)"),
        ("WITH x AS (SELECT 1) DELETE FROM services", 'PostgreSQL:SQL error: syntax error at or near "DELETE"'),
    ],
)
async def test_query_inventory_refuses_writes(
    tools: dict[str, Tool], snapshot: Snapshot, sql: str, message: str
) -> None:
    dialect, expected = message.split(":", 1) if message.startswith(("SQLite:", "PostgreSQL:")) else ("", message)
    if dialect and f"({dialect} dialect)" not in tools["query_inventory"].spec.description:
        pytest.skip(f"how {dialect} refuses it")
    before = snapshot()
    with pytest.raises(ToolError) as refused:
        await tools["query_inventory"].call({"sql": sql}, context())
    assert str(refused.value).startswith(expected)
    assert snapshot() == before


async def test_query_inventory_explains_sql_errors_with_the_tables(tools: dict[str, Tool]) -> None:
    missing = r"(no such table: service|relation \"service\" does not exist)"
    with pytest.raises(ToolError, match=rf"(?s)SQL error: {missing}.*Tables: services\(name"):
        await tools["query_inventory"].call({"sql": "SELECT * FROM service"}, context())


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM audit_log",
        "SELECT count(*) FROM tasks",
        "SELECT idempotency_key, result FROM applied_requests",
        "SELECT s.name, (SELECT count(*) FROM executions) FROM services s",
        "SELECT name FROM services WHERE name IN (SELECT team_id FROM slack_installations)",
        "WITH t AS (SELECT * FROM budget_counters) SELECT * FROM t",
        "SELECT * FROM span_summaries",
    ],
)
async def test_query_inventory_cannot_read_opsgate_s_own_tables(tools: dict[str, Tool], sql: str) -> None:
    """They share the database with the inventory now; the database itself refuses them."""
    with pytest.raises(ToolError) as refused:
        await tools["query_inventory"].call({"sql": sql}, context())
    assert "The inventory refused the statement" in str(refused.value)
    assert "can only read, and only the inventory's tables" in str(refused.value)


async def test_query_inventory_stops_a_runaway_query(inventory: Inventory) -> None:
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT max(x) FROM n"
    tool = QueryInventory(Inventory(inventory.engine, query_timeout_seconds=0.2))
    with pytest.raises(ToolError, match=r"longer than 0\.2 s and was stopped"):
        await tool.call({"sql": endless}, context())


async def test_get_incidents_lists_open_ones_with_notes(tools: dict[str, Tool]) -> None:
    result = await tools["get_incidents"].call({}, context())
    lines = result.content.splitlines()
    assert lines[0] == (
        "#1 SEV2 open search@production (opened 2026-03-02T04:42:00Z): "
        "p99 latency above 2 s on /search since the index rebuild"
    )
    assert lines[1].startswith("    2026-03-02T05:02:00Z U0ALICE001: Latency rose")
    assert [line.split()[0] for line in lines if line.startswith("#")] == ["#1", "#2", "#4"]


async def test_get_incidents_by_service_and_with_resolved(tools: dict[str, Tool]) -> None:
    api = await tools["get_incidents"].call({"service": "api"}, context())
    assert api.content == "No open incidents for api."
    resolved = await tools["get_incidents"].call({"service": "api", "include_resolved": True}, context())
    assert resolved.content.startswith("#3 SEV1 resolved api@production")
    with pytest.raises(ToolError, match="unknown service 'payments'; known services: api, auth, billing"):
        await tools["get_incidents"].call({"service": "payments"}, context())


async def test_search_runbooks_returns_passages_not_documents(tools: dict[str, Tool]) -> None:
    result = await tools["search_runbooks"].call({"query": "replication lag before failover", "limit": 2}, context())
    first, second = result.content.split("\n\n[2] ")
    assert second.startswith("database-failover.md › ")
    assert first.startswith("[1] database-failover.md › Database failover › Check replication lag\n")
    assert "## " not in result.content
    assert len(result.content) < 1600
    none = await tools["search_runbooks"].call({"query": "pizza"}, context())
    assert none.content == "No runbook passage matches 'pizza'."
