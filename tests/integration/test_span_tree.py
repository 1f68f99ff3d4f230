"""The span tree of one orchestrated task: the lead hands work to two specialists, one action waits for a
person, one tool fails. Names, parent links, gen_ai attributes, token totals and one trace id, as exported."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from slack_sdk.web.async_client import AsyncWebClient

from agents.builtin import builtin_tools
from agents.builtin.comms import SmtpSettings
from agents.gate import ScopeGate
from agents.messages import ModelRequest, ModelResponse, Usage
from agents.models import Model, OfflineModel
from agents.tools import Toolbox
from approvals import CachedUserGroups
from bot.notifier import SlackNotifier
from bot.sandbox import Sandbox
from handlers.approval_object import ApprovalDeps
from handlers.contracts import APPROVAL_OBJECT, APPROVAL_VOTE, TASK_RUN, TASK_WORKFLOW, TaskRequest, VoteRequest
from handlers.contracts.envelope import Actor, Keyring
from handlers.deps import TaskDeps
from handlers.executions import ExecutionLedger
from handlers.store import TaskStore
from opsgate.db import create_db_engine, upgrade_database
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.teamconfig import load_team_config
from opsgate.worker import build_worker_app
from testkit.verifier import verifier_in
from tests.integration.harness import envelope_headers

KEYRING = Keyring.generate()

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TASK = "t-span-tree-1"
LEAKED = "xoxb-" + "5551234567-tokenleakedinrequest"


class CountingModel(Model):
    """The offline team's decisions, with usage the test can add up: what every span total must match."""

    name = "claude-sonnet-4-6"

    def __init__(self) -> None:
        self._inner = OfflineModel()
        self.input_tokens = 0
        self.output_tokens = 0
        self.calls = 0

    async def request(self, request: ModelRequest) -> ModelResponse:
        response = await self._inner.request(request)
        usage = Usage(input_tokens=100 + 7 * len(request.messages), output_tokens=20, cache_read_tokens=50)
        self.calls += 1
        self.input_tokens += usage.input_tokens + usage.cache_read_tokens
        self.output_tokens += usage.output_tokens
        return response.model_copy(update={"usage": usage, "model": self.name})


async def _oncall(group_id: str) -> list[str]:
    return ["U0BOB", "U0CAROL"] if group_id == "S0ONCALL" else []


@pytest.fixture
async def worker(tmp_path: Path, sandbox: Sandbox) -> AsyncIterator[tuple[RestateServer, CountingModel]]:
    url = f"sqlite:///{tmp_path / 'tree.db'}"
    upgrade_database(url)
    team = load_team_config(REPO / "opsgate.yml")
    client = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.api_url)
    closed_port = free_port()  # nothing listens: the email tool fails when it finally runs
    tools = builtin_tools(
        tmp_path / "inventory.db",
        smtp=SmtpSettings(host="127.0.0.1", port=closed_port, sender="opsgate@example.com", timeout_seconds=2),
        email_allowlist=["example.com"],
    )
    model = CountingModel()
    deps = TaskDeps(
        model=model,
        toolbox=Toolbox(tools),
        agent=team.agent(team.default_agent),
        gate=ScopeGate(),
        notifier=SlackNotifier(client),
        store=TaskStore(create_db_engine(url)),
        policy=lambda: team.policy,
        executions=ExecutionLedger(create_db_engine(url)),
        audit=lambda *_: None,
        team={spec.name: spec for spec in team.agents},
        trace_content=True,  # opted in: the content must arrive redacted
    )
    directory = CachedUserGroups(_oncall, groups=["S0ONCALL"])
    await directory.refresh("S0ONCALL")
    approval_deps = ApprovalDeps(
        notifier=SlackNotifier(client),
        directory=directory,
        audit=lambda *_: None,
        verifier=verifier_in(tmp_path, KEYRING),
    )
    port = free_port()
    shutdown = asyncio.Event()
    restate = RestateServer(tmp_path / "restate")
    app = build_worker_app(deps, approval_deps, identity_keys=[restate.identity_public_key])
    server = asyncio.create_task(serve_asgi(app, "127.0.0.1", port, shutdown))
    await asyncio.to_thread(restate.start)
    await asyncio.to_thread(restate.register, f"http://127.0.0.1:{port}")
    yield restate, model
    await asyncio.to_thread(restate.stop)
    shutdown.set()
    await asyncio.wait_for(server, timeout=15)


def _approval_ids(sandbox: Sandbox) -> set[str]:
    """The approval cards in this task's thread (the sandbox is shared with other tests)."""
    state = sandbox.state
    root = next((m for m in state.messages_in("C0OPS") if not m.is_reply and TASK in json.dumps(m.blocks)), None)
    if root is None:
        return set()
    found = set()
    for message in state.thread("C0OPS", root.ts):
        for block in message.blocks or []:
            for element in block.get("elements", []) if isinstance(block, dict) else []:
                if isinstance(element, dict) and element.get("action_id") == "approval_approve":
                    found.add(str(element["value"]))
    return found


async def test_span_tree_of_an_orchestrated_task_with_an_approval_and_a_tool_error(
    worker: tuple[RestateServer, CountingModel], sandbox: Sandbox, span_exporter: InMemorySpanExporter
) -> None:
    restate, model = worker
    with trace.get_tracer("test.bot").start_as_current_span("slack command /ops") as bot_span:
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
    request = TaskRequest(
        task_id=TASK,
        team_id="T0SANDBOX",
        channel_id="C0OPS",
        user_id="U0ALICE",
        # As the bot hands it over: personal data already a placeholder; the token is one the guardrails missed.
        text=f"restart api in staging and tell <EMAIL_1> (token {LEAKED})",
        trace_context=carrier,
    )
    voted: set[str] = set()
    async with httpx.AsyncClient(timeout=120) as client:
        body = request.model_dump_json()
        alice = Actor(team="T0SANDBOX", user="U0ALICE")
        sent = await client.post(
            f"{restate.ingress_url}/{TASK_WORKFLOW}/{TASK}/{TASK_RUN}/send",
            content=body,
            headers=envelope_headers(KEYRING, alice, TASK_WORKFLOW, TASK, TASK_RUN, body),
        )
        assert sent.status_code < 300, sent.text
        finished = asyncio.create_task(
            client.get(f"{restate.ingress_url}/restate/workflow/{TASK_WORKFLOW}/{TASK}/attach")
        )
        for _ in range(10):  # bounded: the restart and the email each wait for a person, once
            cards = asyncio.create_task(sandbox.wait_for(lambda s: _approval_ids(sandbox) - voted or None, timeout=90))
            await asyncio.wait([finished, cards], return_when=asyncio.FIRST_COMPLETED)
            if finished.done():
                cards.cancel()
                break
            for approval_id in cards.result():
                vote = VoteRequest(voter="U0BOB", approve=True).model_dump_json()
                bob = Actor(team="T0SANDBOX", user="U0BOB")
                answer = await client.post(
                    f"{restate.ingress_url}/{APPROVAL_OBJECT}/{approval_id}/{APPROVAL_VOTE}",
                    content=vote,
                    headers=envelope_headers(KEYRING, bob, APPROVAL_OBJECT, approval_id, APPROVAL_VOTE, vote),
                )
                assert answer.status_code == 200, answer.text
                voted.add(approval_id)
        result = await finished
    assert len(voted) == 2
    assert result.status_code == 200, result.text

    spans = [s for s in span_exporter.get_finished_spans() if (s.attributes or {}).get("opsgate.task.id") == TASK]
    by_id = {s.context.span_id: s for s in spans}

    def named(prefix: str) -> list[ReadableSpan]:
        return [s for s in spans if s.name.startswith(prefix)]

    def parent_of(span: ReadableSpan) -> ReadableSpan:
        assert span.parent is not None, span.name
        return by_id[span.parent.span_id]

    [task] = named("task ")
    [lead] = named("invoke_agent lead")
    specialists = {s.attributes["gen_ai.agent.name"]: s for s in named("invoke_agent ") if s is not lead}  # type: ignore[index]
    assert set(specialists) == {"ops", "comms"}
    handoffs = named("handoff ")
    assert {h.attributes["opsgate.handoff.type"] for h in handoffs} == {"ops", "comms"}  # type: ignore[index]

    # One trace from the slash command to the last step; the tree: task > lead > handoff > specialist > steps.
    assert {s.context.trace_id for s in spans} == {bot_span.get_span_context().trace_id}
    assert task.parent is not None and task.parent.span_id == bot_span.get_span_context().span_id
    assert parent_of(lead) is task
    for handoff in handoffs:
        assert parent_of(handoff) is lead
        json.loads(str(handoff.attributes["opsgate.handoff.task"]))  # type: ignore[index]  # typed AgentTask
    for name, specialist in specialists.items():
        assert parent_of(specialist).name == f"handoff {name}"
    for span in named("chat ") + named("execute_tool ") + named("approval ") + named("guardrail "):
        owner = parent_of(span)
        assert owner is lead or owner in specialists.values(), span.name
        if span.name.startswith(("chat ", "execute_tool ")):
            assert span.attributes["gen_ai.agent.name"] == owner.attributes["gen_ai.agent.name"]  # type: ignore[index]

    chats = named("chat ")
    for chat in chats:
        attributes = chat.attributes or {}
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.provider.name"] == "anthropic"
        assert attributes["gen_ai.request.model"] == "claude-sonnet-4-6"
        assert attributes["gen_ai.response.model"] == "claude-sonnet-4-6"
        assert "gen_ai.response.finish_reasons" in attributes
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 50
        assert json.loads(str(attributes["gen_ai.input.messages"]))[0]["role"] == "user"
        assert json.loads(str(attributes["gen_ai.output.messages"]))[0]["role"] == "assistant"
        assert (
            attributes["gen_ai.usage.cache_creation.input_tokens"]
            == attributes["gen_ai.usage.cache_write.input_tokens"]
        )
    assert any("[REDACTED:" in str((c.attributes or {})["gen_ai.input.messages"]) for c in chats)  # the token
    assert len(chats) == model.calls
    assert sum(int(c.attributes["gen_ai.usage.input_tokens"]) for c in chats) == model.input_tokens  # type: ignore[arg-type, index]
    assert sum(int(c.attributes["gen_ai.usage.output_tokens"]) for c in chats) == model.output_tokens  # type: ignore[arg-type, index]

    tools = named("execute_tool ")
    assert {t.attributes["gen_ai.tool.name"] for t in tools} >= {"restart_service", "send_email"}  # type: ignore[index]
    for tool in tools:
        assert tool.attributes["gen_ai.operation.name"] == "execute_tool"  # type: ignore[index]
        assert tool.attributes["gen_ai.tool.call.id"]  # type: ignore[index]
    [email] = [t for t in tools if t.attributes["gen_ai.tool.name"] == "send_email"]  # type: ignore[index]
    assert "error.type" in (email.attributes or {})  # the SMTP server is down: the call failed, visibly

    waits = named("approval ")
    assert {w.attributes["opsgate.approval.decision"] for w in waits} == {"approved"}  # type: ignore[index]
    assert {w.attributes["gen_ai.tool.name"] for w in waits} == {"restart_service", "send_email"}  # type: ignore[index]
    for wait in waits:
        assert wait.attributes["opsgate.approval.tier"] in ("high", "critical")  # type: ignore[index]
        assert wait.attributes["opsgate.approval.approvers"] == ("U0BOB",)  # type: ignore[index]
        assert float(wait.attributes["opsgate.approval.wait_s"]) >= 0  # type: ignore[arg-type, index]
        assert len(str(wait.attributes["opsgate.action_hash"])) == 64  # type: ignore[index]
    assert named("guardrail output ")

    leaks = sorted({f"{s.name}: {k}" for s in spans for k, v in (s.attributes or {}).items() if LEAKED in str(v)})
    assert leaks == []
    exported = json.dumps([dict(s.attributes or {}) for s in spans] + [s.name for s in spans], default=str)
    assert LEAKED not in exported
