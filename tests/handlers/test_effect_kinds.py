"""The executor (`ToolEffects.run`) acts on the kind of a failure, for tools served over MCP: breakers count what
failed, a tool whose repetition is safe is run again after a jittered backoff and then reported unavailable, any
other is never run again blindly; and an untrusted server's hints buy nothing at execution."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from opentelemetry import trace

from agents.gate import ScopeGate
from agents.mcp import EgressPolicy, InProcessServer, McpConnections, build_builtin_server
from agents.messages import ToolUseBlock
from agents.models import OfflineModel
from agents.resilience import BreakerRegistry, BreakerState
from agents.spec import AgentSpec
from agents.tools import Tool, ToolAnnotations, Toolbox, ToolCallContext, ToolError, ToolResult, ToolSpec
from approvals import ApprovalPolicy, ProposedAction, action_hash
from handlers.contracts import (
    APPROVAL_OBJECT,
    APPROVAL_OPEN,
    APPROVAL_OUTCOME,
    IS_FROZEN,
    SWITCHES_OBJECT,
    ApprovalOutcome,
    ApprovalStatus,
    TaskRequest,
    ThreadRef,
)
from handlers.deps import TaskDeps
from handlers.effects import ToolEffects
from handlers.executions import ExecutionLedger
from handlers.store import TaskStore
from handlers.tool_gate import ToolGateStep
from opsgate.db import create_db_engine, init_schema
from testkit.fakes.restate_context import FakeContext
from testkit.fakes.thread import RecordingThread

LEAK = "postgres://admin:hunter2@db-prod-3"
LOOKUP = ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False)
SEND = ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=True)
REQUEST = TaskRequest(task_id="t-kinds", team_id="T0", channel_id="C0OPS", user_id="U0ALICE", text="go")
ROOT = ThreadRef(channel="C0OPS", ts="1.0")


class Faulty(Tool):
    """Counts its calls; fails as its `mode` argument says."""

    def __init__(self, name: str, annotations: ToolAnnotations) -> None:
        schema = {"type": "object", "properties": {"mode": {"type": "string"}, "url": {"type": "string"}}}
        self.spec = ToolSpec(name=name, description="Fails on request.", input_schema=schema, annotations=annotations)
        self.calls = 0

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        self.calls += 1
        mode = arguments.get("mode")
        if mode == "refuse":
            raise ToolError("no such target")
        if mode == "crash":
            raise RuntimeError(f"cannot connect to {LEAK}")
        if mode == "timeout":
            raise TimeoutError(f"no answer from {LEAK}")
        if mode == "hang":
            await asyncio.sleep(30)
        return ToolResult(content="done")


class World:
    def __init__(self, directory: Path, toolbox: Toolbox, policy: ApprovalPolicy) -> None:
        engine = create_db_engine(f"sqlite:///{directory / 'opsgate.db'}")
        init_schema(engine)
        self.steps = FakeContext(invocation_id="inv_kinds", tick=60.0, wake=b"")
        self.stated: list[bytes] = []
        """What the Approval object states when asked for an outcome, one answer per wake-up."""
        self.steps.on_call(APPROVAL_OBJECT, APPROVAL_OUTCOME, lambda _: self.stated.pop(0))
        self.steps.on_call(SWITCHES_OBJECT, IS_FROZEN, b"false")
        self.thread = RecordingThread()
        self.audit: list[tuple[str, dict[str, Any]]] = []
        self.ledger = ExecutionLedger(engine)
        self.agent = AgentSpec(name="ops", purpose="Test.", prompt="Test.", tools=toolbox.names())
        self.deps = TaskDeps(
            model=OfflineModel(),
            toolbox=toolbox,
            agent=self.agent,
            gate=ScopeGate(),
            notifier=cast(Any, self.thread),
            store=TaskStore(engine),
            policy=lambda: policy,
            executions=self.ledger,
            audit=lambda task_id, event, key, actor, detail: self.audit.append((event, detail)),
            breakers=BreakerRegistry(failure_threshold=3, cooldown=60),
            egress=EgressPolicy(["example.com"]),
        )
        ctx = self.steps.context
        self.gate = ToolGateStep(ctx, REQUEST, self.deps, ROOT, _no_phase)
        spans = lambda name: contextlib.nullcontext(trace.INVALID_SPAN)  # noqa: E731
        self.effects = ToolEffects(ctx, REQUEST, self.deps, self.gate, ROOT, spans, {"gen_ai.agent.name": "ops"})

    async def run(self, tool: str, **arguments: Any) -> ToolResult:
        call = ToolUseBlock(id=f"toolu_{len(self.steps.attempts)}", name=tool, input=arguments)
        return await self.effects.run(1, call)

    def events(self) -> list[str]:
        return [event for event, _ in self.audit]


async def _no_phase(*_: object) -> None:
    return None


@contextlib.asynccontextmanager
async def world(tmp_path: Path, *, trusted: bool = True, timeout: float = 30.0) -> AsyncIterator[World]:
    """The faulty tools over MCP, from the built-in server or from an untrusted one ("elsewhere")."""
    tools = [Faulty("lookup", LOOKUP), Faulty("send", SEND)]
    name = "builtin" if trusted else "elsewhere"
    source = InProcessServer(name=name, server=build_builtin_server(tools), trusted=trusted, timeout_seconds=timeout)
    async with McpConnections([source]) as connections:
        here = World(tmp_path, Toolbox(connections.tools()), ApprovalPolicy())
        here.faulty = {tool.spec.name: tool for tool in tools}  # type: ignore[attr-defined]
        yield here


def calls(here: World, tool: str) -> int:
    return int(here.faulty[tool].calls)  # type: ignore[attr-defined]


def answers(here: World, tool: str, arguments: dict[str, Any], *said: tuple[ApprovalStatus, str]) -> None:
    """What the Approval object states about the next outcome questions on `tool(arguments)`, one per question."""
    hashed = action_hash(ProposedAction(tool=tool, arguments=arguments))
    for status, by in said:
        outcome = ApprovalOutcome(status=status, decided_by=[by] if by else [], action_hash=hashed)
        here.stated.append(outcome.model_dump_json().encode())


async def test_a_failing_idempotent_builtin_is_retried_with_jitter_then_reported_unavailable(tmp_path: Path) -> None:
    async with world(tmp_path) as here:
        result = await here.run("lookup", mode="crash")
        assert calls(here, "lookup") == 3  # TOOL_RETRY's attempts
        [first, second] = here.steps.delays
        assert first is not None and timedelta(milliseconds=100) <= first <= timedelta(milliseconds=200)
        assert second is not None and timedelta(milliseconds=200) <= second <= timedelta(milliseconds=400)
        assert (result.is_error, result.error_kind) == (True, "unavailable")
        assert result.content.startswith("lookup is unavailable (it failed 3 times).")
        assert "hunter2" not in result.content and "hunter2" not in json.dumps(here.thread.replies)
        assert here.deps.breakers.get("tool:lookup").snapshot().state is BreakerState.OPEN

        again = await here.run("lookup", mode="ok")  # the breaker is open: the tool is not called at all
        assert calls(here, "lookup") == 3
        assert again.error_kind == "unavailable" and "circuit tool:lookup is open" in again.content


async def test_an_arguments_error_is_the_tool_answering_not_failing(tmp_path: Path) -> None:
    async with world(tmp_path) as here:
        result = await here.run("lookup", mode="refuse")
        assert (result.content, result.error_kind) == ("no such target", "arguments")
        assert calls(here, "lookup") == 1
        assert here.deps.breakers.get("tool:lookup").snapshot().consecutive_failures == 0


async def test_a_non_idempotent_builtin_that_times_out_is_never_run_again(tmp_path: Path) -> None:
    async with world(tmp_path) as here:
        answers(here, "send", {"mode": "timeout"}, (ApprovalStatus.HAPPENED, "U0ALICE"))
        result = await here.run("send", mode="timeout")
        assert calls(here, "send") == 1 and here.steps.delays == []
        assert result.content.startswith("A person (<@U0ALICE>) says the call to send did happen.")
        assert here.deps.breakers.get("tool:send").snapshot().consecutive_failures == 1
        assert here.events() == ["outcome_unknown"]
        record = here.ledger.get("t-kinds:1:toolu_0")
        assert record is not None and record.outcome == "unknown"


async def test_an_untrusted_servers_hints_buy_no_retry_and_skip_no_marker_or_audit(tmp_path: Path) -> None:
    """`lookup` says it is read-only, idempotent and closed-world; its server is not trusted, so it runs as a
    write that may not be repeated: one attempt, an intent marker, audit rows, and its error kinds ignored."""
    async with world(tmp_path, trusted=False, timeout=0.3) as here:
        crashed = await here.run("lookup", mode="crash")
        assert calls(here, "lookup") == 1 and here.steps.delays == []
        assert crashed.error_kind == "arguments"  # the server said "internal": not believed, so not retried
        assert here.events() == ["execution_failed"]
        assert here.ledger.get("t-kinds:1:toolu_0") is not None

        answers(here, "lookup", {"mode": "hang"}, (ApprovalStatus.EXPIRED, ""))
        hung = await here.run("lookup", mode="hang")  # a timeout after sending: it may have happened
        assert calls(here, "lookup") == 2 and here.steps.delays == []
        assert (hung.error_kind, hung.unknown) == ("unknown_outcome", True)  # and nobody said otherwise
        assert here.events() == ["execution_failed", "outcome_unknown"]
        assert [sent.handler for sent in here.steps.sent] == [APPROVAL_OPEN]  # a person was asked


@pytest.mark.parametrize(("trusted", "blocked"), [(True, False), (False, True)])
async def test_the_gate_checks_egress_of_an_untrusted_tool_whatever_it_says(
    tmp_path: Path, trusted: bool, blocked: bool
) -> None:
    spec = Faulty("lookup", LOOKUP).spec.model_copy(update={"server": "builtin" if trusted else "elsewhere"})
    tool = cast(Tool, SimpleNamespace(spec=spec))
    here = World(tmp_path, Toolbox([tool]), ApprovalPolicy())
    call = ToolUseBlock(id="toolu_egress", name="lookup", input={"url": "https://collect.attacker.example/x"})

    verdict = await here.gate.review(call, "")

    assert verdict.allowed is not blocked
    if blocked:
        assert verdict.reason is not None and verdict.reason.startswith("Blocked by the egress allowlist")
        assert [detail["rules"] for event, detail in here.audit if event == "guardrail"] == [["egress"]]
