"""What an agent states with a write, through the durable runtime and the gate: the reserved fields come off once,
so the schema check, the dry run, the approval card, the action hash and the execution all see the same
arguments; the stated confidence reaches the policy, the card and the gate's span."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agents.confidence import CONFIDENCE, RATIONALE
from agents.gate import ScopeGate
from agents.loop import AgentProgress
from agents.messages import ToolUseBlock
from agents.models import OfflineModel
from agents.spec import AgentSpec
from agents.tools import Tool, ToolAnnotations, Toolbox, ToolCallContext, ToolResult, ToolSpec
from approvals import ApprovalPolicy, ProposedAction, Tier, action_hash
from bot.cards import approval_blocks
from handlers.approval_object import ApprovalState
from handlers.contracts import (
    APPROVAL_OBJECT,
    APPROVAL_OPEN,
    APPROVAL_OUTCOME,
    IS_FROZEN,
    SWITCHES_OBJECT,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    TaskRequest,
    ThreadRef,
)
from handlers.deps import TaskDeps
from handlers.executions import ExecutionLedger
from handlers.runtime import DurableAgentRuntime
from handlers.store import TaskStore
from handlers.tool_gate import ToolGateStep
from opsgate.db import create_db_engine, init_schema
from testkit.fakes.restate_context import Call, FakeContext
from testkit.fakes.task_root import Root
from testkit.fakes.thread import RecordingThread
from tests.bot.test_cards import request

REQUEST = TaskRequest(task_id="t-stated", team_id="T0", channel_id="C0OPS", user_id="U0ALICE", text="scale api")
ROOT = ThreadRef(channel="C0OPS", ts="1.0")
ARGUMENTS = {"service": "api", "replicas": 3}
WRITE = ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False)  # medium, reversible


class Scale(Tool):
    """A medium write with a closed schema and a dry run; records the arguments each part of it was given."""

    spec = ToolSpec(
        name="scale_service",
        description="Scale a service.",
        input_schema={
            "type": "object",
            "properties": {"service": {"type": "string"}, "replicas": {"type": "integer"}},
            "required": ["service", "replicas"],
            "additionalProperties": False,  # a reserved field that reached the schema check would be refused
        },
        annotations=WRITE,
        target_keys=("service",),
    )

    def __init__(self) -> None:
        self.previewed: list[dict[str, Any]] = []
        self.called: list[dict[str, Any]] = []

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        self.previewed.append(arguments)
        return f"would scale {arguments['service']} to {arguments['replicas']}"

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        self.called.append(arguments)
        return ToolResult(content=f"scaled {arguments['service']}")


class World:
    def __init__(self, directory: Path) -> None:
        engine = create_db_engine(f"sqlite:///{directory / 'opsgate.db'}")
        init_schema(engine)
        self.tool = Scale()
        self.ctx = FakeContext(invocation_id="inv_stated")
        self.ctx.on_call(SWITCHES_OBJECT, IS_FROZEN, b"false")
        Root().serve(self.ctx)
        self.ctx.on_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, self._approved)
        self.thread = RecordingThread()
        agent = AgentSpec(name="ops", purpose="Test.", prompt="Test.", tools=["scale_service"])
        self.deps = TaskDeps(
            model=OfflineModel(),
            toolbox=Toolbox([self.tool]),
            agent=agent,
            gate=ScopeGate(),
            notifier=cast(Any, self.thread),
            store=TaskStore(engine),
            policy=lambda: ApprovalPolicy(approvers=["U0BOB", "U0CAROL"]),
            executions=ExecutionLedger(engine),
            audit=lambda *_: None,
        )
        gate = ToolGateStep(self.ctx.context, REQUEST, self.deps, ROOT, _no_phase)
        self.runtime = DurableAgentRuntime(self.ctx.context, REQUEST, agent, self.deps, _no_progress, gate, ROOT)

    def opened(self) -> list[ApprovalRequest]:
        """The approvals the gate asked for."""
        return [ApprovalRequest.model_validate_json(sent.arg) for sent in self.ctx.sent_to(APPROVAL_OPEN)]

    def _approved(self, call: Call) -> bytes:
        """The Approval object approves whatever it was asked to (by the action hash it was sent)."""
        [opened] = self.opened()
        outcome = ApprovalOutcome(status=ApprovalStatus.APPROVED, decided_by=["U0BOB"], action_hash=opened.action_hash)
        return outcome.model_dump_json().encode()


async def _no_phase(*_: object) -> None:
    return None


async def _no_progress(event: AgentProgress) -> None:
    return None


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def proposed(**stated: Any) -> ToolUseBlock:
    return ToolUseBlock(id="toolu_scale", name="scale_service", input={**ARGUMENTS, **stated})


async def test_low_confidence_raises_a_medium_write_to_an_approval_that_sees_only_the_tools_arguments(
    world: World, span_exporter: InMemorySpanExporter
) -> None:
    call = proposed(**{CONFIDENCE: 0.3, RATIONALE: "I guessed the replica count."})

    verdict = await world.runtime.review_tool(1, call, "Scaling api.")

    assert verdict.pending and not verdict.allowed
    [opened] = world.opened()
    assert opened.action.arguments == ARGUMENTS  # the card's arguments
    assert opened.action_hash == action_hash(ProposedAction(tool="scale_service", arguments=ARGUMENTS, target="api"))
    assert (opened.action.confidence, opened.action.rationale) == (0.3, "I guessed the replica count.")
    assert (opened.decision.tier, opened.decision.raised_from) == (Tier.HIGH, Tier.MEDIUM)
    assert opened.decision.reasons[-1] == (
        "The agent's confidence (30%) is below the policy's threshold (70%); for a write that can be undone, "
        "the policy's confidence matrix raises the risk from medium to high."
    )
    assert world.tool.previewed == [ARGUMENTS]  # the dry run
    assert opened.preview == "would scale api to 3"

    [line] = await world.runtime.settle_pending(1)

    assert line.startswith("scale_service (toolu_scale): approved and run.")
    assert world.tool.called == [ARGUMENTS]  # what ran is what was approved, reserved fields and all left behind
    [gate_span, recheck_span] = [s for s in span_exporter.get_finished_spans() if s.name.startswith("guardrail")]
    attributes = dict(gate_span.attributes or {})
    assert attributes["opsgate.confidence"] == 0.3
    assert attributes["opsgate.confidence.stated"] is True
    assert attributes["opsgate.reversible"] is True
    assert (attributes["opsgate.risk.tier"], attributes["opsgate.risk.raised_from"]) == ("high", "medium")
    assert attributes["opsgate.risk.handling"] == "async_approval"
    assert dict(recheck_span.attributes or {})["opsgate.action_hash"] == opened.action_hash
    [approval_span] = [s for s in span_exporter.get_finished_spans() if s.name.startswith("approval")]
    assert dict(approval_span.attributes or {})["opsgate.risk.raised_from"] == "medium"


async def test_high_confidence_leaves_a_medium_write_medium_and_it_runs_without_the_reserved_fields(
    world: World, span_exporter: InMemorySpanExporter
) -> None:
    call = proposed(**{CONFIDENCE: 0.95, RATIONALE: "The request names api and 3 replicas."})

    verdict = await world.runtime.review_tool(1, call, "Scaling api.")
    result = await world.runtime.run_tool(1, call)  # the loop hands over the model's own call, as proposed

    assert verdict.allowed and not verdict.pending
    assert world.opened() == []
    assert world.thread.replies[0].startswith(":memo: Running `scale_service` (medium risk)")
    assert result.content == "scaled api"
    assert world.tool.called == [ARGUMENTS]
    assert world.tool.previewed == []
    [gate_span] = [s for s in span_exporter.get_finished_spans() if s.name.startswith("guardrail")]
    attributes = dict(gate_span.attributes or {})
    assert (attributes["opsgate.confidence"], attributes["opsgate.risk.tier"]) == (0.95, "medium")
    assert "opsgate.risk.raised_from" not in attributes


@pytest.mark.parametrize(
    ("stated", "why"),
    [
        ({}, "The agent stated no confidence, which counts as low"),
        (
            {CONFIDENCE: "very"},
            "The agent's confidence counts as low (the stated confidence ('very') is not a number from 0 to 1)",
        ),
        ({CONFIDENCE: 90}, "The agent's confidence counts as low (the stated confidence (90) is not between 0 and 1)"),
    ],
)
async def test_a_write_without_a_usable_confidence_counts_as_doubtful_and_says_why(
    world: World, stated: dict[str, Any], why: str
) -> None:
    verdict = await world.runtime.review_tool(1, proposed(**stated), "Scaling api.")

    assert verdict.pending
    [opened] = world.opened()
    assert opened.action.arguments == ARGUMENTS
    assert opened.action.confidence is None
    assert opened.decision.reasons[-1].startswith(why)
    assert opened.action.rationale == "Scaling api."  # none stated: the model's words before the call


async def test_the_hash_does_not_depend_on_what_was_stated(tmp_path: Path) -> None:
    hashes = []
    for index, confidence in enumerate((0.1, 0.5)):
        here = World(tmp_path / str(index))
        await here.runtime.review_tool(1, proposed(**{CONFIDENCE: confidence, RATIONALE: f"try {index}"}), "")
        [opened] = here.opened()
        hashes.append(opened.action_hash)

    assert hashes[0] == hashes[1]


def test_the_card_shows_the_confidence_and_the_rationale_escaped() -> None:
    base = request(arguments=ARGUMENTS)
    stated = base.action.model_copy(update={"confidence": 0.3, "rationale": "<@U0EVE> said so <!channel>"})
    shown = json.dumps(approval_blocks(ApprovalState(request=base.model_copy(update={"action": stated})).card())[1])
    silent = json.dumps(approval_blocks(ApprovalState(request=base).card())[1])

    assert "*Agent confidence*\\n30%" in shown
    assert "Agent: &lt;@U0EVE&gt; said so &lt;!channel&gt;" in shown
    assert "<@U0EVE>" not in shown and "<!channel>" not in shown
    assert "*Agent confidence*\\nnot stated (counts as low)" in silent
    assert "_opsgate_" not in shown
