"""Composition root of the worker: the Restate endpoint with TaskWorkflow and everything it needs."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from typing import Any

import restate
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from restate.server import install_shutdown_hook
from sqlalchemy.engine import Engine

from agents.gate import ScopeGate
from agents.guardrails import GuardrailsConfig, InputGuardrails, OutputGuard
from agents.mcp import McpConnections
from agents.models import Model, OfflineModel
from agents.models.resilient import ResilientModel
from agents.resilience import BreakerRegistry, RetryPolicy
from agents.spec import AgentSpec
from agents.tools import Toolbox
from approvals import CachedUserGroups, may_administer
from approvals.audit import AuditEvent, AuditLog
from approvals.authz import is_named
from approvals.ledger import SqlBudgetLedger
from approvals.people import Person
from bot.notifier import SlackNotifier
from bot.readiness import Readiness, database_check, readiness_app
from handlers.agent_worker import build_agent_worker
from handlers.alerts import AlertDeps, build_ops_alert, build_paused_alert
from handlers.approval_object import ApprovalDeps, ApprovalNotifier, build_approval_object
from handlers.contracts import DigestPoster, ThreadNotifier
from handlers.contracts.envelope import Actor
from handlers.deps import AuditWriter, TaskDeps
from handlers.digest import DigestDeps, build_digest_object
from handlers.envelope_uses import EnvelopeLedger
from handlers.executions import ExecutionLedger
from handlers.health import build_worker_health
from handlers.span_summaries import SpanSummaryProcessor, SpanSummaryStore
from handlers.store import TaskStore
from handlers.switches import SwitchesDeps, build_switches_object
from handlers.task_root import build_task_root
from handlers.task_workflow import build_task_workflow
from handlers.verified import Verifier
from opsgate.alert_watch import AlertWatch
from opsgate.db import create_db_engine, upgrade_database
from opsgate.keys import envelope_keyring, worker_identity_keys
from opsgate.paused_watch import PausedWatch
from opsgate.serving import serve_asgi
from opsgate.settings import Settings
from opsgate.slack import slack_client, usergroup_members, workspace_tokens
from opsgate.teamconfig import AlertsConfig, TeamConfig, load_team_config
from opsgate.toolset import ServerSource, builtin_toolset, egress_policy, live_policy, mcp_servers
from opsgate.vault import vault_sealer
from opsgate.watch_client import WatchClient

__all__ = ["build_task_deps", "build_worker_app", "default_mcp_servers", "load_team", "run_worker"]

log = logging.getLogger(__name__)


def load_team(settings: Settings) -> TeamConfig:
    if settings.config_file.exists():
        return load_team_config(settings.config_file)
    log.info("no %s found: using the embedded default team configuration", settings.config_file)
    return TeamConfig.default()


def choose_model(settings: Settings, model_id: str | None = None) -> Model:
    """Claude as `model_id` (by default `OPSGATE_MODEL`), or the offline model without an API key."""
    if settings.anthropic_api_key is None:
        if model_id is None:
            log.info("ANTHROPIC_API_KEY is not set: using the offline model")
        return OfflineModel()
    from agents.models.claude import ClaudeModel

    return ClaudeModel(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=model_id or settings.model,
        base_url=settings.anthropic_base_url,
        timeout=settings.model_timeout,
    )


def agent_models(settings: Settings, team: TeamConfig, breakers: BreakerRegistry) -> dict[str, Model]:
    """One model per `model:` the agents of `team` name (checked against the known models at load)."""
    named = sorted({agent.model for agent in team.agents if agent.model})
    return {name: resilient(choose_model(settings, name), settings, breakers) for name in named}


def resilient(model: Model, settings: Settings, breakers: BreakerRegistry) -> Model:
    """Every model gets the same retry policy and a breaker named after its provider (see agents.resilience)."""
    provider = "anthropic" if model.name.startswith("claude") else model.name
    return ResilientModel(
        model,
        breaker=breakers.get(f"model:{provider}"),
        policy=RetryPolicy(max_attempts=settings.model_max_attempts),
        label="Claude" if provider == "anthropic" else f"The model {model.name}",
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
    """Everything the durable handlers need. The toolbox starts with `toolbox` (tests add their own tools) and
    `run_worker` adds the tools of the MCP servers it connects to, the built-in one included."""
    sealer = vault_sealer(settings)  # no vault key of its own outside the sandbox: refused before anything
    upgrade_database(settings.database_url)
    engine = create_db_engine(settings.database_url)
    store = TaskStore(engine)
    chosen = agent or next(a for a in team.agents if a.name == team.default_agent)
    breakers = BreakerRegistry(failure_threshold=settings.breaker_failures, cooldown=settings.breaker_cooldown)
    tool_output_guard = InputGuardrails(
        GuardrailsConfig.for_tool_output().model_copy(update={"entities": dict(team.guardrails.entities)})
    )
    spans, flush_spans = span_summaries(engine, lambda text: tool_output_guard.check(text).text)
    return TaskDeps(
        model=resilient(model or choose_model(settings), settings, breakers),
        models={} if model is not None else agent_models(settings, team, breakers),
        breakers=breakers,
        toolbox=toolbox or Toolbox(),
        agent=chosen,
        gate=ScopeGate(),
        notifier=notifier or SlackNotifier(slack_client(settings), workspaces=workspace_tokens(settings, engine)),
        store=store,
        policy=live_policy(settings, team),
        egress=egress_policy(team),
        executions=ExecutionLedger(engine),
        audit=audit_writer(engine),
        output_guard=OutputGuard(team.guardrails.output, ledger=SqlBudgetLedger(engine)),
        tool_output_guard=tool_output_guard,
        team={spec.name: spec for spec in team.agents},
        spans=spans,
        flush_spans=flush_spans,
        trace_content=settings.trace_content,
        sealer=sealer,
        restore_types=frozenset(team.guardrails.restore_in_approved_calls),
    )


def span_summaries(engine: Engine, redact: Callable[[str], str]) -> tuple[SpanSummaryStore, Callable[[float], bool]]:
    """The span summary store, fed by a processor on this process's tracer provider (always on: the trace summary
    in the thread, status and digests read it, whether or not spans are also exported over OTLP)."""
    store = SpanSummaryStore(engine)
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        log.warning("no OpenTelemetry SDK provider is installed: span summaries are not stored")
        return store, lambda timeout_s: True
    processor = SpanSummaryProcessor(store, redact=redact)
    provider.add_span_processor(processor)
    return store, processor.flush


def audit_writer(engine: Engine) -> AuditWriter:
    audit_log = AuditLog(engine)

    def write(task_id: str, event: str, dedupe_key: str, actor: str | None, detail: dict[str, Any]) -> None:
        approval_id = detail.get("approval_id")
        audit_log.append(
            task_id,
            AuditEvent(event),
            dedupe_key=dedupe_key,
            approval_id=str(approval_id) if approval_id else None,
            actor=actor,
            detail=detail,
        )

    return write


def build_approval_deps(
    settings: Settings, team: TeamConfig, *, notifier: ApprovalNotifier | None = None
) -> ApprovalDeps:
    settings.slack_allowlist()  # refused like the bot's: with several workspaces, the home team must be set
    client = slack_client(settings)
    engine = create_db_engine(settings.database_url)
    workspaces = workspace_tokens(settings, engine)
    policy = team.policy
    directory = CachedUserGroups(usergroup_members(client, workspaces), groups=[*policy.approvers, *policy.admins])
    return ApprovalDeps(
        notifier=notifier or SlackNotifier(client, workspaces=workspaces),
        directory=directory,
        audit=audit_writer(engine),
        verifier=Verifier(envelope_keyring(settings), EnvelopeLedger(engine)),
        approvers_channel=team.policy.approvers_channel,
        home_team=settings.slack_home_team,
    )


def _poster(deps: TaskDeps) -> DigestPoster:
    if not isinstance(deps.notifier, SlackNotifier):
        raise TypeError("digests need a notifier that can post them (SlackNotifier)")
    return deps.notifier


def build_worker_app(
    deps: TaskDeps,
    approval_deps: ApprovalDeps,
    *,
    identity_keys: Sequence[str],
    digest_deps: DigestDeps | None = None,
    alerts_channel: str | None = None,
) -> Any:
    """The worker's Restate endpoint. `identity_keys`: restate-server's request-identity public keys; the endpoint
    refuses every request not signed by one of them (an empty list is refused: see `run_worker`). `alerts_channel`:
    where a digest that could not be posted is announced."""
    if not identity_keys:
        raise ValueError("the worker needs Restate's request-identity keys (OPSGATE_RESTATE_IDENTITY_KEYS)")
    verifier = approval_deps.verifier
    directory = approval_deps.directory

    home = approval_deps.home_team  # bare ids in the policy name its people (None: the one workspace served)

    def admin_refusal(actor: Actor) -> str | None:
        refusal = may_administer(Person(actor.team, actor.user), deps.policy().admins, directory, home)
        return refusal.reason if refusal is not None else None

    def approver(actor: Actor) -> bool:
        return is_named(Person(actor.team, actor.user), deps.policy().approvers, directory, home)

    return restate.app(
        [
            build_task_workflow(deps, verifier, may_cancel_any=approver),
            build_agent_worker(deps),
            build_task_root(deps),
            build_approval_object(approval_deps),
            build_switches_object(
                SwitchesDeps(verifier=verifier, audit=approval_deps.audit, admin_refusal=admin_refusal)
            ),
            build_worker_health(deps, verifier),
            build_digest_object(
                digest_deps
                or DigestDeps(
                    engine=deps.store.engine, poster=_poster(deps), verifier=verifier, alerts_channel=alerts_channel
                )
            ),
            build_paused_alert(AlertDeps(post=_poster(deps).post_notice, verifier=verifier)),
            build_ops_alert(AlertDeps(post=_poster(deps).post_notice, verifier=verifier)),
        ],
        identity_keys=list(identity_keys),
    )


def default_mcp_servers(settings: Settings, team: TeamConfig, deps: TaskDeps) -> list[ServerSource]:
    """The built-in tools as an in-process MCP server (messages go through the task notifier's Slack client),
    then the servers configured in `opsgate.yml`."""
    poster = deps.notifier if isinstance(deps.notifier, SlackNotifier) else None
    return mcp_servers(builtin_toolset(settings, team, poster, deps.store.engine), team)


def _stop_on_sigterm(shutdown: asyncio.Event) -> None:
    """SIGTERM stops the worker. The Restate endpoint installs its own SIGTERM handler on its first request, which
    replaces any other (`loop.add_signal_handler` keeps one per signal) unless it is registered through the SDK's
    shutdown hooks, as here; without this the worker ignored SIGTERM and was killed after the grace period."""
    try:
        install_shutdown_hook(asyncio.get_running_loop(), shutdown.set, signal.SIGTERM)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread: the caller stops it
        log.debug("SIGTERM is not handled in this thread")


async def run_worker(
    settings: Settings,
    deps: TaskDeps,
    approval_deps: ApprovalDeps,
    shutdown: asyncio.Event,
    servers: Sequence[ServerSource] = (),
    *,
    alerts: AlertsConfig | None = None,
) -> None:
    """Serve the worker until `shutdown`; `alerts`: where the paused-invocation watch (which needs Restate's admin
    API: only the worker has it) announces invocations Restate paused, and the alert watch an invalid team file
    and span summaries that could not be stored."""
    identity_keys = worker_identity_keys(settings)
    alerts = alerts or AlertsConfig()
    engine_client = WatchClient(
        settings.restate_ingress_url, keyring=approval_deps.verifier.keyring, admin_url=settings.restate_admin_url
    )
    watch = PausedWatch(
        engine_client,
        channel=alerts.channel,
        admin_url=settings.restate_admin_url,
        interval_s=alerts.check_every_s,
        team_id=settings.slack_home_team or "",
    )
    spans = deps.spans
    alert_watch = AlertWatch(
        engine_client,
        channel=alerts.channel,
        config_file=settings.config_file,
        dropped_spans=(lambda: spans.dropped) if spans is not None else lambda: 0,
        interval_s=alerts.check_every_s,
        team_id=settings.slack_home_team or "",
    )
    async with McpConnections(servers) as connections:
        for tool in connections.tools():
            deps.toolbox.add(tool)
        for name, reason in connections.failed.items():
            log.warning("MCP server %s is not available, its tools are not offered: %s", name, reason)
        for agent in deps.team.values() or [deps.agent]:
            missing = [tool for tool in agent.tools if deps.toolbox.get(tool) is None]
            if missing:
                log.warning("agent %s lists tools no server offers: %s", agent.name, ", ".join(missing))
        log.info("worker listening on http://%s:%s", settings.worker_host, settings.worker_port)
        refresher = asyncio.create_task(approval_deps.directory.run_refresher(shutdown, interval=300))
        watching = asyncio.create_task(watch.run(shutdown))
        alerting = asyncio.create_task(alert_watch.run(shutdown))
        try:
            ready = Readiness({"database": database_check(deps.store.engine)})
            endpoint = build_worker_app(deps, approval_deps, identity_keys=identity_keys, alerts_channel=alerts.channel)
            app = readiness_app(endpoint, ready)  # /healthz, /readyz beside Restate's
            _stop_on_sigterm(shutdown)
            await serve_asgi(app, settings.worker_host, settings.worker_port, shutdown)
        finally:
            shutdown.set()
            await refresher
            await watching
            await alerting
            await engine_client.aclose()
