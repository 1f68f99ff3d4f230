"""Typed handoffs: the delegate tool's schema names the specialists, and a call becomes `AgentTask`s or an error."""

from __future__ import annotations

import json

import jsonschema

from agents.messages import ToolUseBlock
from agents.spec import AgentSpec
from agents.team import AgentResult, AgentTask, delegate_tool, parse_handoffs, render_results

RESEARCH = AgentSpec(name="research", purpose="Finds runbooks.", prompt="p", tools=["search_runbooks"])
DATA = AgentSpec(name="data", purpose="Reads the inventory.", prompt="p", tools=["query_inventory"])


def delegate(*tasks: dict[str, object]) -> ToolUseBlock:
    return ToolUseBlock(id="toolu_d", name="delegate", input={"tasks": list(tasks)})


def test_the_delegate_tool_lists_exactly_the_specialists() -> None:
    spec = delegate_tool([RESEARCH, DATA])
    assert "- research: Finds runbooks." in spec.description
    items = spec.input_schema["properties"]["tasks"]["items"]
    assert items["properties"]["agent"]["enum"] == ["research", "data"]
    jsonschema.validate({"tasks": [{"agent": "data", "objective": "count"}]}, spec.input_schema)
    assert spec.annotations.read_only


def test_a_delegate_call_becomes_typed_tasks_with_derived_ids() -> None:
    call = delegate(
        {"agent": "research", "objective": "find the runbook", "context": "api in staging", "timeout_seconds": 60},
        {"agent": "data", "objective": "count services", "constraints": ["read only"]},
    )
    tasks = parse_handoffs(call, "t-1", 2, ["research", "data"])
    assert tasks == [
        AgentTask(
            task_id="t-1.2.1",
            parent_task_id="t-1",
            type="research",
            objective="find the runbook",
            context="api in staging",
            timeout_seconds=60,
        ),
        AgentTask(
            task_id="t-1.2.2", parent_task_id="t-1", type="data", objective="count services", constraints=["read only"]
        ),
    ]
    prompt = tasks[1].prompt()
    assert prompt.startswith("Objective: count services") and "- read only" in prompt


def test_bad_handoffs_come_back_as_errors_the_model_can_act_on() -> None:
    unknown = parse_handoffs(delegate({"agent": "ops", "objective": "x"}), "t-1", 1, ["research"])
    assert unknown == "Unknown specialist(s) ops; you may delegate to: research."
    invalid = parse_handoffs(delegate({"agent": "research"}), "t-1", 1, ["research"])
    assert isinstance(invalid, str) and "objective" in invalid
    too_many = parse_handoffs(delegate(*[{"agent": "research", "objective": "x"}] * 5), "t-1", 1, ["research"])
    assert isinstance(too_many, str) and "tasks" in too_many
    too_long = parse_handoffs(
        delegate({"agent": "research", "objective": "x", "timeout_seconds": 10**6}), "t", 1, ["research"]
    )
    assert isinstance(too_long, str) and "timeout_seconds" in too_long


def test_results_render_as_json_with_errors_kept() -> None:
    results = [
        AgentResult(task_id="t.1.1", agent="research", status="done", summary="runbook says restart"),
        AgentResult(task_id="t.1.2", agent="data", status="failed", summary="query failed", errors=["query: bad"]),
    ]
    shown = json.loads(render_results(results))["results"]
    assert shown[0] == {"task_id": "t.1.1", "agent": "research", "status": "done", "summary": "runbook says restart"}
    assert shown[1]["errors"] == ["query: bad"]
