"""One trace per task: the bot's trace context crosses Restate in the request; step spans hang under the task span."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from agents.builtin import builtin_tools
from agents.gate import ScopeGate
from agents.models import OfflineModel
from agents.tools import Toolbox
from approvals import CachedUserGroups
from bot.notifier import SlackNotifier
from bot.sandbox import Sandbox
from handlers.approval_object import ApprovalDeps
from handlers.contracts import TASK_RUN, TASK_WORKFLOW, TaskRequest
from handlers.contracts.envelope import Actor, Keyring
from handlers.deps import TaskDeps
from handlers.executions import ExecutionLedger
from handlers.store import TaskStore
from opsgate.db import create_db_engine, upgrade_database
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.teamconfig import TeamConfig
from opsgate.worker import build_worker_app
from testkit.verifier import verifier_in
from tests.integration.harness import envelope_headers

KEYRING = Keyring.generate()

pytestmark = pytest.mark.integration


async def _no_groups(group_id: str) -> list[str]:
    return []


@pytest.fixture
async def in_process_worker(tmp_path: Path, sandbox: Sandbox) -> AsyncIterator[RestateServer]:
    """The worker in the test's own process, so its spans reach the in-memory exporter."""
    from slack_sdk.web.async_client import AsyncWebClient

    url = f"sqlite:///{tmp_path / 'trace.db'}"
    upgrade_database(url)
    team = TeamConfig.default()
    deps = TaskDeps(
        model=OfflineModel(),
        toolbox=Toolbox(builtin_tools(tmp_path / "inventory.db")),
        agent=team.agents[0],
        gate=ScopeGate(),
        notifier=SlackNotifier(AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.api_url)),
        store=TaskStore(create_db_engine(url)),
        policy=lambda: team.policy,
        executions=ExecutionLedger(create_db_engine(url)),
        audit=lambda *_: None,
    )
    approval_deps = ApprovalDeps(
        notifier=SlackNotifier(AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.api_url)),
        directory=CachedUserGroups(_no_groups),
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
    yield restate
    await asyncio.to_thread(restate.stop)
    shutdown.set()
    await asyncio.wait_for(server, timeout=10)


async def test_task_and_step_spans_form_one_trace(
    in_process_worker: RestateServer, span_exporter: InMemorySpanExporter
) -> None:
    tracer = trace.get_tracer("test.bot")
    with tracer.start_as_current_span("slack command /ops") as bot_span:
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
    request = TaskRequest(
        task_id="t-trace-1",
        team_id="T0SANDBOX",
        channel_id="C0OPS",
        user_id="U0ALICE",
        text="what services are running in staging?",
        trace_context=carrier,
    )
    body = request.model_dump_json()
    headers = envelope_headers(
        KEYRING, Actor(team="T0SANDBOX", user="U0ALICE"), TASK_WORKFLOW, "t-trace-1", TASK_RUN, body
    )
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{in_process_worker.ingress_url}/{TASK_WORKFLOW}/t-trace-1/{TASK_RUN}", content=body, headers=headers
        )
    assert response.status_code == 200, response.text
    assert response.json()["phase"] == "done"

    spans = {span.name: span for span in span_exporter.get_finished_spans()}
    task = spans["task t-trace-1"]
    lead = spans["invoke_agent lead"]
    chat = spans["chat offline"]
    tool = spans["execute_tool list_services"]
    trace_id = bot_span.get_span_context().trace_id
    assert {s.context.trace_id for s in (task, lead, chat, tool)} == {trace_id}
    assert task.parent is not None
    assert task.parent.span_id == bot_span.get_span_context().span_id
    assert lead.parent is not None
    assert lead.parent.span_id == task.context.span_id
    assert chat.parent is not None
    assert chat.parent.span_id == lead.context.span_id
    assert tool.parent is not None
    assert tool.parent.span_id == lead.context.span_id
    assert task.start_time is not None
    assert chat.start_time is not None
    assert task.end_time is not None
    assert tool.end_time is not None
    assert task.start_time <= chat.start_time
    assert tool.end_time <= task.end_time
    assert task.attributes is not None
    assert task.attributes["opsgate.task.phase"] == "done"
    assert tool.attributes is not None
    assert tool.attributes["gen_ai.tool.name"] == "list_services"
