"""What the built-in tools tell the model and the policy: names, schemas, annotations and the tier they seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.builtin import SmtpSettings, builtin_tools
from agents.guardrails.schema import SchemaChecker
from agents.tools import Tool, Toolbox
from approvals.risk import PolicyContext, ProposedAction, risk_for
from approvals.rules import ApprovalPolicy, ToolRule
from approvals.tiers import Tier
from tests.agents.builtin.conftest import RecordingPoster

EXPECTED = {
    # name: (read_only, destructive, idempotent, open_world, tier by annotations alone)
    "list_services": (True, False, True, False, Tier.LOW),
    "query_inventory": (True, False, True, False, Tier.LOW),
    "get_incidents": (True, False, True, False, Tier.LOW),
    "search_runbooks": (True, False, True, False, Tier.LOW),
    "scale_service": (False, False, True, False, Tier.MEDIUM),
    "open_incident": (False, False, True, False, Tier.MEDIUM),
    "add_incident_note": (False, False, True, False, Tier.MEDIUM),
    "restart_service": (False, True, True, False, Tier.HIGH),
    "rollback_service": (False, True, True, False, Tier.HIGH),
    "decommission_service": (False, True, True, False, Tier.HIGH),
    "post_message": (False, False, False, True, Tier.HIGH),
    "send_email": (False, False, False, True, Tier.HIGH),
}
VALID_ARGUMENTS: dict[str, dict[str, Any]] = {
    "list_services": {"environment": "staging"},
    "query_inventory": {"sql": "SELECT 1", "max_rows": 5},
    "get_incidents": {"service": "api", "include_resolved": True, "limit": 3},
    "search_runbooks": {"query": "failover", "limit": 2},
    "scale_service": {"service": "api", "environment": "staging", "replicas": 4},
    "open_incident": {"service": "api", "environment": "dev", "severity": "SEV3", "title": "t", "note": "n"},
    "add_incident_note": {"incident_id": 1, "note": "n"},
    "restart_service": {"service": "api", "environment": "dev"},
    "rollback_service": {"service": "api", "environment": "dev"},
    "decommission_service": {"service": "api", "environment": "dev"},
    "post_message": {"channel": "C0123456789", "text": "hello"},
    "send_email": {"to": ["a@example.com"], "subject": "s", "body": "b"},
}
APPROVERS = ["U0ALICE001", "U0BOB00001", "U0CAROL001"]


@pytest.fixture
def every_tool(tmp_path: Path) -> dict[str, Tool]:
    smtp = SmtpSettings("127.0.0.1", 25, "opsgate@example.com")
    tools = builtin_tools(
        tmp_path / "inventory.db", poster=RecordingPoster(), smtp=smtp, email_allowlist=["example.com"]
    )
    Toolbox(tools)  # names are unique
    return {tool.spec.name: tool for tool in tools}


def _tier(tool: Tool, policy: ApprovalPolicy) -> Tier:
    """The tier of a call proposed by a confident agent (a doubtful one only raises it: `approvals.matrix`)."""
    action = ProposedAction(tool=tool.spec.name, annotations=tool.spec.annotations, confidence=1.0)
    return risk_for(action, policy, PolicyContext(requester="U0REQUEST1")).tier


def test_annotations_seed_the_expected_tiers(every_tool: dict[str, Tool]) -> None:
    assert set(every_tool) == set(EXPECTED)
    for name, (read_only, destructive, idempotent, open_world, tier) in EXPECTED.items():
        annotations = every_tool[name].spec.annotations
        declared = (annotations.read_only, annotations.destructive, annotations.idempotent, annotations.open_world)
        assert declared == (read_only, destructive, idempotent, open_world), name
        assert _tier(every_tool[name], ApprovalPolicy()) is tier, name


def test_a_policy_rule_makes_decommission_critical(every_tool: dict[str, Tool]) -> None:
    rule = ToolRule(match="decommission_service", tier=Tier.CRITICAL, reversible=False, approvers=APPROVERS)
    policy = ApprovalPolicy(tools=[rule])
    assert _tier(every_tool["decommission_service"], policy) is Tier.CRITICAL
    target = every_tool["decommission_service"].spec.target_of({"service": "api", "environment": "production"})
    assert target == "api@production"


def test_schemas_are_closed_and_accept_valid_arguments(every_tool: dict[str, Tool]) -> None:
    checker = SchemaChecker()
    for name, tool in every_tool.items():
        schema = tool.spec.input_schema
        assert schema["additionalProperties"] is False, name
        assert checker.errors(name, schema, VALID_ARGUMENTS[name]) == [], name
        assert checker.errors(name, schema, {**VALID_ARGUMENTS[name], "extra": 1}) != [], name
        assert tool.spec.description, name


def test_schemas_reject_what_the_tools_would_refuse(every_tool: dict[str, Tool]) -> None:
    checker = SchemaChecker()
    scale = every_tool["scale_service"].spec.input_schema
    assert checker.errors("scale_service", scale, {"service": "api", "environment": "staging", "replicas": 0})
    assert checker.errors("scale_service", scale, {"service": "api", "environment": "prod", "replicas": 2})
    post = every_tool["post_message"].spec.input_schema
    assert checker.errors("post_message", post, {"channel": "C1 <!here>", "text": "x"})
