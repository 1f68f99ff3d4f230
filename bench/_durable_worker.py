"""The worker of the durable benchmark: opsgate's task workflow and the bare baseline workflow on one endpoint.

    python -m bench._durable_worker --port N --slack-api URL --database-url URL --turns N [--team-file FILE]

- `TaskWorkflow`, built by the worker's composition root (`build_task_deps`: resilient model, guardrails, span
  summaries, SQLite store and ledgers, `SlackNotifier` to the sandbox), with one agent whose scripted model
  (`StepModel`) calls the read-only in-memory tool `service_status` on each of its first N−1 turns and answers on
  the N-th; beside it the `Switches` object the tool gate reads the freeze switch from.
- `DurableBaseline`: a bare `restate.Workflow` whose `run` handler does `steps` `ctx.run_typed` steps, each
  returning a small value: no model, no database, no Slack.

Served like the worker: hypercorn, HTTP/2, `opsgate.serving.serve_asgi`; stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

import restate
from pydantic import BaseModel, ConfigDict, Field
from restate import WorkflowContext

from agents.messages import ModelRequest, ModelResponse, ToolResultBlock
from agents.models import Model
from agents.models.scripted import text_turn, tool_turn
from agents.spec import AgentSpec
from agents.tools import Tool, ToolAnnotations, Toolbox, ToolCallContext, ToolResult, ToolSpec
from handlers.envelope_uses import EnvelopeLedger
from handlers.switches import SwitchesDeps, build_switches_object
from handlers.task_root import build_task_root
from handlers.task_workflow import build_task_workflow
from handlers.verified import Verifier
from opsgate.keys import envelope_keyring, worker_identity_keys
from opsgate.serving import serve_asgi
from opsgate.settings import Settings
from opsgate.teamconfig import load_team_config
from opsgate.telemetry import install, setup_telemetry
from opsgate.worker import build_task_deps

__all__ = ["AGENT", "BASELINE_WORKFLOW", "TOOL", "BaselineOutcome", "BaselineRequest", "StepModel", "build_app"]

BASELINE_WORKFLOW = "DurableBaseline"
AGENT = "stepper"
TOOL = "service_status"
BOT_TOKEN = "xoxb-sandbox-token"
HOST = "127.0.0.1"
_STATUS = {"api": "healthy, 3 of 3 replicas", "web": "healthy, 2 of 2 replicas", "jobs": "degraded, 1 of 2 replicas"}


class StepModel(Model):
    """Calls `service_status` on each of its first `turns - 1` turns, then answers: a task of exactly `turns` model
    steps. Stateless (the turn is read from the request), so every run of the benchmark gets the same script."""

    name = "bench-steps"

    def __init__(self, turns: int) -> None:
        self.turns = turns

    async def request(self, request: ModelRequest) -> ModelResponse:
        # Older turns are summarized into the first message (the context manager): the turn comes from the id of
        # the call whose result is last, which is always kept verbatim.
        last = [block for block in request.messages[-1].content if isinstance(block, ToolResultBlock)]
        turn = 1 + int(last[-1].tool_use_id.removeprefix("toolu_")) if last else 1
        if turn < self.turns:
            service = sorted(_STATUS)[turn % len(_STATUS)]
            return tool_turn(TOOL, {"service": service}, call_id=f"toolu_{turn:02d}", model=self.name)
        return text_turn(f"checked {turn - 1} services: all answered", model=self.name)


class ServiceStatus(Tool):
    """A cheap read-only tool: a dictionary lookup, no I/O."""

    spec = ToolSpec(
        name=TOOL,
        description="The current status of one service.",
        input_schema={"type": "object", "properties": {"service": {"type": "string"}}, "required": ["service"]},
        annotations=ToolAnnotations(read_only=True, destructive=False, idempotent=True, open_world=False),
        target_keys=("service",),
    )

    async def call(self, arguments: dict[str, Any], context: ToolCallContext) -> ToolResult:
        service = str(arguments.get("service"))
        return ToolResult(content=f"{service}: {_STATUS.get(service, 'unknown service')}")


class BaselineRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    steps: int = Field(ge=0, le=1000)


class BaselineOutcome(BaseModel):
    steps: int
    total: int


def build_baseline() -> restate.Workflow:
    workflow = restate.Workflow(BASELINE_WORKFLOW)

    @workflow.main(name="run")
    async def run(ctx: WorkflowContext, request: BaselineRequest) -> BaselineOutcome:
        total = 0
        for n in range(request.steps):

            async def step(n: int) -> int:
                return n + 1

            total += await ctx.run_typed(f"step {n}", step, n=n)
        return BaselineOutcome(steps=request.steps, total=total)

    return workflow


def build_app(args: argparse.Namespace) -> Any:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_api_url=args.slack_api,
        database_url=args.database_url,
        config_file=Path(args.team_file),
        worker_port=args.port,
    )
    team = load_team_config(settings.config_file)
    agent = AgentSpec(
        name=AGENT,
        purpose="Checks services one at a time, for the durable benchmark.",
        prompt="Check each service with service_status, then answer.",
        tools=[TOOL],
        max_turns=args.turns,
    )
    install(setup_telemetry("opsgate-bench-durable"))  # the span summaries' processor hangs on it, as in the worker
    deps = build_task_deps(settings, team, model=StepModel(args.turns), toolbox=Toolbox([ServiceStatus()]), agent=agent)
    # The bench's data directory: the bench signs with the same keys.
    verifier = Verifier(envelope_keyring(settings), EnvelopeLedger(deps.store.engine))
    switches = build_switches_object(SwitchesDeps(verifier=verifier, audit=deps.audit, admin_refusal=lambda _: None))
    workflow = build_task_workflow(deps, verifier)
    root = build_task_root(deps)  # the task's thread root has one owner, as in the worker
    return restate.app([workflow, root, switches, build_baseline()], identity_keys=worker_identity_keys(settings))


async def serve(args: argparse.Namespace) -> None:
    shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown.set)
    await serve_asgi(build_app(args), HOST, args.port, shutdown)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench._durable_worker", description="The durable bench worker.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api", required=True, help="the sandbox's Web API URL, without trailing slash")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--team-file", required=True, help="the team configuration (its policy and guardrails)")
    parser.add_argument("--turns", type=int, required=True, help="model steps per task")
    args = parser.parse_args(argv)
    args.slack_api = args.slack_api.rstrip("/")
    return args


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
