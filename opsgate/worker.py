"""Composition root of the worker: the Restate endpoint with TaskWorkflow and everything it needs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import restate

from agents.builtin_tools import builtin_tools
from agents.gate import ScopeGate
from agents.models import Model, OfflineModel
from agents.spec import AgentSpec
from agents.tools import Toolbox
from bot.notifier import SlackNotifier
from handlers.contracts import ThreadNotifier
from handlers.deps import TaskDeps
from handlers.store import TaskStore
from handlers.task_workflow import build_task_workflow
from opsgate.db import create_db_engine, upgrade_database
from opsgate.serving import serve_asgi
from opsgate.settings import Settings
from opsgate.slack import slack_client
from opsgate.teamconfig import TeamConfig, load_team_config

__all__ = ["build_task_deps", "build_worker_app", "load_team", "run_worker"]

log = logging.getLogger(__name__)


def load_team(settings: Settings) -> TeamConfig:
    if settings.config_file.exists():
        return load_team_config(settings.config_file)
    log.info("no %s found: using the embedded default team configuration", settings.config_file)
    return TeamConfig.default()


def choose_model(settings: Settings) -> Model:
    if settings.anthropic_api_key is None:
        log.info("ANTHROPIC_API_KEY is not set: using the offline model")
        return OfflineModel()
    from agents.models.claude import ClaudeModel

    return ClaudeModel(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=settings.model,
        base_url=settings.anthropic_base_url,
    )


def build_task_deps(
    settings: Settings,
    team: TeamConfig,
    *,
    model: Model | None = None,
    toolbox: Toolbox | None = None,
    notifier: ThreadNotifier | None = None,
    agent: AgentSpec | None = None,
) -> TaskDeps:
    upgrade_database(settings.database_url)
    store = TaskStore(create_db_engine(settings.database_url))
    chosen = agent or next(a for a in team.agents if a.name == team.default_agent)
    return TaskDeps(
        model=model or choose_model(settings),
        toolbox=toolbox or Toolbox(builtin_tools()),
        agent=chosen,
        gate=ScopeGate(),
        notifier=notifier or SlackNotifier(slack_client(settings)),
        store=store,
    )


def build_worker_app(deps: TaskDeps) -> Any:
    return restate.app([build_task_workflow(deps)])


async def run_worker(settings: Settings, deps: TaskDeps, shutdown: asyncio.Event) -> None:
    log.info("worker listening on http://%s:%s", settings.worker_host, settings.worker_port)
    await serve_asgi(build_worker_app(deps), settings.worker_host, settings.worker_port, shutdown)
