"""The tool gate's durable shell (`ToolGateStep`) on the shared in-memory Restate context: which steps each route
journals, in which order, under which names (in-flight invocations replay against them), and that a replay
decides as the journal says, whatever the policy says now. The verdicts themselves: `test_gate_decision.py`."""

from __future__ import annotations

from typing import Any, cast

import pytest

from agents.confidence import Stated
from agents.gate import ScopeGate
from agents.guardrails import GuardrailsConfig, InputGuardrails
from agents.messages import ToolUseBlock
from agents.models import OfflineModel
from agents.spec import AgentSpec
from agents.tools import Tool, ToolAnnotations, Toolbox, ToolCallContext, ToolResult, ToolSpec
from approvals import ApprovalPolicy, Tier, ToolRule
from handlers.contracts import (
    APPROVAL_OBJECT,
    APPROVAL_OPEN,
    APPROVAL_OUTCOME,
    APPROVAL_VOID,
    IS_FROZEN,
    SWITCHES_OBJECT,
    TASK_ROOT,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    TaskRequest,
    ThreadRef,
)
from handlers.deps import TaskDeps
from handlers.executions import ExecutionLedger
from handlers.gate_decision import GateReview
from handlers.store import TaskStore
from handlers.tool_gate import ToolGateStep
from testkit.fakes.restate_context import Call, FakeContext
from testkit.fakes.task_root import Root
from testkit.fakes.thread import RecordingThread

REQUEST = TaskRequest(task_id="t-gate", team_id="T0", channel_id="C0OPS", user_id="U0ALICE", text="go")
POLICY = ApprovalPolicy(approvers=["U0BOB", "U0CAROL", "U0DAVE"], tools=[ToolRule(match="crit", tier=Tier.CRITICAL)])
TOOL_OUTPUT = InputGuardrails(GuardrailsConfig.for_tool_output())
"""Built once: it loads the detector (what screens a dry run's text)."""
CONFIDENT = Stated(confidence=0.9, rationale="The request says so.")
ANNOTATIONS = {
    "read": ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
    "write": ToolAnnotations(read_only=False, destructive=False, idempotent=True, open_world=False),
    "destroy": ToolAnnotations(read_only=False, destructive=True, idempotent=False, open_world=False),
    "crit": ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
}


class Acting(Tool):
    def __init__(self, name: str) -> None:
        schema = {"type": "object", "properties": {"service": {"type": "string"}}}
        self.spec = ToolSpec(
            name=name, description="Acts.", input_schema=schema, annotations=ANNOTATIONS[name], target_keys=("service",)
        )

    async def preview(self, arguments: dict[str, Any]) -> str | None:
        return f"would act on {arguments['service']}"

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        return ToolResult(content="done")


class Gate:
    """A `ToolGateStep` on a `FakeContext`; the Approval object decides as `status` says, and the policy may be
    edited while an approval waits (`edited`)."""

    def __init__(
        self, *, journal: dict[str, Any] | None = None, frozen: bool = False, root: Root | None = None, scope: str = ""
    ) -> None:
        self.policy = POLICY
        self.edited: ApprovalPolicy | None = None
        self.status = ApprovalStatus.APPROVED
        self.thread = RecordingThread()
        self.ctx = FakeContext(invocation_id="inv_gate", journal=dict(journal or {}), tick=5.0)
        self.ctx.on_call(SWITCHES_OBJECT, IS_FROZEN, b"true" if frozen else b"false")
        self.ctx.on_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, self._decided)
        self.root = root or Root()
        self.root.serve(self.ctx)
        deps = TaskDeps(
            model=OfflineModel(),
            toolbox=Toolbox([Acting(name) for name in ANNOTATIONS]),
            agent=AgentSpec(name="ops", purpose="Test.", prompt="Test.", tools=list(ANNOTATIONS)),
            gate=ScopeGate(),
            notifier=cast(Any, self.thread),
            store=cast(TaskStore, None),  # the gate keeps no rows: it journals
            policy=lambda: self.policy,
            executions=cast(ExecutionLedger, None),
            audit=lambda *_: None,
            tool_output_guard=TOOL_OUTPUT,
        )
        root_ref = ThreadRef(channel="C0OPS", ts="1.0")
        self.step = ToolGateStep(self.ctx.context, REQUEST, deps, root_ref, _no_phase, scope=scope)

    def _decided(self, call: Call) -> bytes:
        [*_, opened] = [ApprovalRequest.model_validate_json(sent.arg) for sent in self.ctx.sent_to(APPROVAL_OPEN)]
        if self.edited is not None:
            self.policy = self.edited
        outcome = ApprovalOutcome(status=self.status, decided_by=["U0BOB"], action_hash=opened.action_hash)
        return outcome.model_dump_json().encode()

    def handlers_sent(self) -> list[str]:
        """What the gate sent to approvals (the root's slot releases aside)."""
        return [sent.handler for sent in self.ctx.sent if sent.service != TASK_ROOT]


async def _no_phase(*_: object) -> None:
    return None


def proposed(tool: str, service: str = "api") -> ToolUseBlock:
    return ToolUseBlock(id="toolu_1", name=tool, input={"service": service})


@pytest.mark.parametrize(
    ("tool", "steps", "sent", "allowed", "pending"),
    [
        ("read", ["gate: read (toolu_1)"], [], True, False),
        ("write", ["gate: write (toolu_1)", "slack: log toolu_1"], [], True, False),
        (
            "destroy",
            ["gate: destroy (toolu_1)", "tool: preview destroy (toolu_1) #1", "vault: mask destroy (toolu_1) #1"],
            [APPROVAL_OPEN],
            False,
            True,
        ),
        (
            "crit",
            [
                "gate: crit (toolu_1)",
                "tool: preview crit (toolu_1) #1",
                "vault: mask crit (toolu_1) #1",
                "trace: approval {approval}",
                "gate: recheck crit (toolu_1) #1",
            ],
            [APPROVAL_OPEN],
            True,
            False,
        ),
    ],
)
async def test_each_route_journals_its_steps_in_order(
    tool: str, steps: list[str], sent: list[str], allowed: bool, pending: bool
) -> None:
    gate = Gate()

    verdict = await gate.step.review(proposed(tool), "", CONFIDENT)

    approval = next((s.key for s in gate.ctx.sent_to(APPROVAL_OPEN)), "")
    assert gate.ctx.ran == [step.format(approval=approval) for step in steps]
    assert gate.handlers_sent() == sent
    assert (verdict.allowed, verdict.pending) == (allowed, pending)
    assert isinstance(gate.ctx.journal[f"gate: {tool} (toolu_1)"], GateReview)


async def test_a_deferred_approval_is_waited_for_and_rechecked_when_the_turn_settles() -> None:
    gate = Gate()
    await gate.step.review(proposed("destroy"), "", CONFIDENT)
    [approval] = [sent.key for sent in gate.ctx.sent_to(APPROVAL_OPEN)]

    [(call, verdict)] = await gate.step.settle()

    assert verdict.allowed and call.id == "toolu_1"
    assert gate.ctx.ran[-2:] == [f"trace: approval {approval}", "gate: recheck destroy (toolu_1) #1"]
    assert gate.step.cleared["toolu_1"].approval_id == approval
    assert gate.step.person_wait_s == 5.0  # journaled times: asked, then decided one tick later


async def test_a_rejection_is_the_models_answer_and_nothing_is_rechecked() -> None:
    gate = Gate()
    gate.status = ApprovalStatus.REJECTED

    verdict = await gate.step.review(proposed("crit"), "", CONFIDENT)

    assert not verdict.allowed and verdict.reason.startswith("A person (<@U0BOB>) rejected this action.")
    assert not any(step.startswith("gate: recheck") for step in gate.ctx.ran)
    assert "toolu_1" not in gate.step.cleared


async def test_a_policy_edited_while_the_approval_waited_voids_it_and_asks_again() -> None:
    gate = Gate()
    gate.edited = POLICY.model_copy(update={"tools": [*POLICY.tools, ToolRule(match="destroy", tier=Tier.CRITICAL)]})

    verdict = await gate.step.review(proposed("destroy"), "", CONFIDENT, may_defer=False)

    first, second = [sent.key for sent in gate.ctx.sent_to(APPROVAL_OPEN)]
    assert gate.handlers_sent() == [APPROVAL_OPEN, APPROVAL_VOID, APPROVAL_OPEN]
    assert gate.ctx.sent_to(APPROVAL_VOID)[0].arg == b'"its policy rule changed"'
    assert "slack: approval voided #1" in gate.ctx.ran and "gate: recheck destroy (toolu_1) #2" in gate.ctx.ran
    assert gate.thread.replies[0].startswith(":warning: The policy for `destroy` changed after it was approved")
    assert verdict.allowed and gate.step.cleared["toolu_1"].approval_id == second != first


async def test_past_the_cap_nothing_is_journaled_beyond_the_decision() -> None:
    gate = Gate()
    for index in range(6):
        call = ToolUseBlock(id=f"toolu_{index}", name="destroy", input={"service": f"s{index}"})
        verdict = await gate.step.review(call, "", CONFIDENT)

    assert not verdict.allowed and not verdict.pending and verdict.reason.startswith("Not requested: 5 approvals")
    assert gate.handlers_sent() == [APPROVAL_OPEN] * 5
    assert gate.ctx.ran[-1] == "gate: destroy (toolu_5)"


async def test_a_replay_decides_as_the_journal_says_whatever_the_policy_says_now() -> None:
    first = Gate()
    verdict = await first.step.review(proposed("write"), "", CONFIDENT)

    replay = Gate(journal=first.ctx.journal, frozen=True)  # frozen since: would refuse it
    again = await replay.step.review(proposed("write"), "", CONFIDENT)

    assert again == verdict and again.allowed
    assert replay.ctx.ran == []  # every step came from the journal
    assert replay.step.cleared["toolu_1"].tier == "medium"


async def test_the_cap_counts_every_agent_of_the_task_and_a_decided_approval_frees_its_slot() -> None:
    root = Root()
    lead, specialist = Gate(root=root), Gate(root=root, scope="t-gate-ops")
    for index in range(3):
        await lead.step.review(proposed("destroy", f"a{index}").model_copy(update={"id": f"lead_{index}"}), "")
    for index in range(2):
        await specialist.step.review(proposed("destroy", f"b{index}").model_copy(update={"id": f"ops_{index}"}), "")

    capped = await specialist.step.review(proposed("destroy", "c").model_copy(update={"id": "ops_9"}), "")

    assert not capped.allowed and capped.reason.startswith("Not requested: 5 approvals of this task")
    assert len(lead.ctx.sent_to(APPROVAL_OPEN)) == 3 and len(specialist.ctx.sent_to(APPROVAL_OPEN)) == 2
    assert sorted(root.state.slots.values()) == [1, 2, 3, 4, 5]  # ordinals across the task

    await lead.step.settle()  # the lead's three are decided: their slots are free again
    root.settle_releases()
    assert sorted(root.state.slots) == ["t-gate-ops/ops_0", "t-gate-ops/ops_1"]
    again = await specialist.step.review(proposed("destroy", "c").model_copy(update={"id": "ops_10"}), "")
    assert again.pending and root.state.slots["t-gate-ops/ops_10"] == 6


async def test_past_the_tasks_ping_cap_the_card_names_groups_without_pinging_them() -> None:
    root = Root()
    lead, specialist = Gate(root=root), Gate(root=root, scope="t-gate-ops")
    for index in range(2):
        await lead.step.review(proposed("destroy", f"a{index}").model_copy(update={"id": f"lead_{index}"}), "")
    for index in range(2):
        await specialist.step.review(proposed("destroy", f"b{index}").model_copy(update={"id": f"ops_{index}"}), "")

    opened = [
        ApprovalRequest.model_validate_json(sent.arg)
        for gate in (lead, specialist)
        for sent in gate.ctx.sent_to(APPROVAL_OPEN)
    ]
    assert [request.ping_groups for request in opened] == [True, True, True, False]  # the task's 4th: no ping
