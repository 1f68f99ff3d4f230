"""`opsgate doctor`: check a deployment piece by piece and say, for each problem, what to set or run.

Every check is a small function returning `CheckResult`s, bounded by a short timeout, and never shows a secret:
tokens and keys are only said to be set, a database URL is shown with its password masked. The checks run
concurrently and print in a fixed order; the exit code is 1 when any check fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import httpx
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from agents.mcp import McpConnections, McpServerConfig
from agents.models.reachability import reachable
from handlers.contracts import (
    AGENT_WORKER,
    APPROVAL_OBJECT,
    DIGEST_OBJECT,
    SWITCHES_OBJECT,
    TASK_ROOT,
    TASK_WORKFLOW,
    WORKER_HEALTH,
)
from opsgate.db import alembic_config, create_db_engine, normalize_database_url
from opsgate.keys import ENVELOPE_KEYS_FILE, RESTATE_IDENTITY_FILE, envelope_keyring, worker_identity_keys
from opsgate.settings import VAULT_KEY_HOW, Settings, SettingsError, load_settings
from opsgate.slack import BOT_SCOPES, slack_client
from opsgate.teamconfig import TeamConfig, TeamConfigError, load_team_config
from opsgate.vault import VAULT_KEY_FILE

__all__ = ["BOT_SCOPES", "CheckResult", "Status", "doctor_main", "format_report", "run_doctor"]

DEFAULT_TIMEOUT = 3.0
WORKER_SERVICES = (
    TASK_WORKFLOW,
    AGENT_WORKER,
    TASK_ROOT,
    APPROVAL_OBJECT,
    SWITCHES_OBJECT,
    WORKER_HEALTH,
    DIGEST_OBJECT,
)
PAUSED_QUERY = "SELECT id, target FROM sys_invocation WHERE status = 'paused' ORDER BY modified_at"
_SHOWN_PAUSED = 5
T = TypeVar("T")


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    detail: str
    fix: str | None = None


def ok(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.OK, detail)


def warn(check: str, detail: str, fix: str | None = None) -> CheckResult:
    return CheckResult(check, Status.WARN, detail, fix)


def fail(check: str, detail: str, fix: str | None = None) -> CheckResult:
    return CheckResult(check, Status.FAIL, detail, fix)


# --- settings and team file --------------------------------------------------------------------------------------


def describe_settings(settings: Settings) -> CheckResult:
    slack = "sandbox" if settings.sandbox else f"token set, {settings.slack_mode} mode"
    if settings.slack_oauth:
        slack = f"OAuth installs, {settings.slack_mode} mode"
    model = settings.model if settings.anthropic_api_key else "offline"
    return ok("settings", f"loaded (Slack: {slack}; model: {model}; database: {_shown_url(settings.database_url)})")


def check_secrets(settings: Settings) -> list[CheckResult]:
    """The signing secret and the vault key, which the bot and the worker refuse to start without (outside the
    sandbox); nothing is generated here."""
    results = []
    try:
        secret = settings.signing_secret
    except SettingsError as exc:
        results.append(fail("signing secret", exc.problem, exc.fix))
    else:
        results.append(ok("signing secret", "the sandbox's" if settings.sandbox else f"set ({len(secret)} characters)"))
    try:
        key = settings.configured_vault_key()
    except SettingsError as exc:
        results.append(fail("vault key", exc.problem, exc.fix))
        return results
    if key is not None:
        results.append(ok("vault key", f"set ({len(key)} characters)"))
    elif settings.slack_is_local:
        where = settings.data_dir / VAULT_KEY_FILE
        results.append(ok("vault key", f"not set: the sandbox uses {where} (generated at first start)"))
    else:
        detail = "OPSGATE_VAULT_KEY is not set: the bot and the worker refuse to start"
        results.append(fail("vault key", detail, VAULT_KEY_HOW))
    return results


def check_process_keys(settings: Settings, role: str) -> list[CheckResult]:
    """The keys that bind the processes (the bot's envelope keyring, Restate's request identity), and the admin
    API, which the bot must not hold: it is the one process that faces the internet."""
    results = []
    if role == "bot" and "restate_admin_url" in settings.model_fields_set:
        detail = "the bot is configured with Restate's admin API (OPSGATE_RESTATE_ADMIN_URL): a full takeover from it"
        fix = "remove OPSGATE_RESTATE_ADMIN_URL from the bot's environment; only the worker and registration need it"
        results.append(fail("restate admin", detail, fix))
    try:
        keyring = envelope_keyring(settings) if settings.envelope_keys is not None else None
    except SettingsError as exc:
        return [*results, fail("envelope keys", str(exc))]
    if keyring is not None:
        results.append(ok("envelope keys", f"set (signing key {keyring.current.kid})"))
    else:
        where = settings.data_dir / ENVELOPE_KEYS_FILE
        detail = f"not set: {where} (generated at first start) must be the same file for the bot and every worker"
        share = "set OPSGATE_ENVELOPE_KEYS (`opsgate keys envelope`) on the bot and every worker"
        results.append(ok("envelope keys", detail) if settings.slack_is_local else warn("envelope keys", detail, share))
    if role != "bot":
        try:
            keys = worker_identity_keys(settings) if settings.restate_identity_keys else None
        except SettingsError as exc:
            return [*results, fail("restate identity", str(exc))]
        shown = ", ".join(keys) if keys else f"the public half of {settings.data_dir / RESTATE_IDENTITY_FILE}"
        results.append(ok("restate identity", f"the worker serves only requests signed by {shown}"))
    return results


def check_team_file(path: Path) -> tuple[list[CheckResult], TeamConfig | None]:
    if not path.exists():
        team = TeamConfig.default()
        fix = "copy the example opsgate.yml next to the processes, or point OPSGATE_CONFIG_FILE at yours"
        return [warn("team file", f"{path} not found: the embedded default team is used", fix)], team
    try:
        team = load_team_config(path)
    except TeamConfigError as exc:
        detail = f"{path} is invalid: running processes keep the policy they had, new ones refuse to start\n{exc}"
        return [fail("team file", detail, f"correct {path} at the lines named above")], None
    servers = len(team.mcp.servers)
    results = [ok("team file", f"{path}: {len(team.agents)} agents, {servers} MCP server{'s' * (servers != 1)}")]
    results += [warn("team file", warning) for warning in team.warnings()]
    return results, team


# --- database ----------------------------------------------------------------------------------------------------


def _shown_url(url: str) -> str:
    try:
        return normalize_database_url(url).render_as_string(hide_password=True)
    except ValueError:
        return "(unparsable URL)"


def _database_state(url: str) -> tuple[list[str], tuple[str, ...], dict[str, int | None]]:
    """(current revisions, head revisions, migrations behind per current revision; None: unknown revision)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            current = sorted(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    behind: dict[str, int | None] = {}
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            behind[revision] = None
        else:
            behind[revision] = len(list(script.iterate_revisions("heads", revision)))
    return current, tuple(script.get_heads()), behind


UPGRADE = "run `opsgate db upgrade` (the worker and the bot also migrate when they start)"


def _sqlite_problem(database: str, shown: str) -> CheckResult | None:
    """An SQLite database that is not there is reported, not created: the doctor changes nothing."""
    if database == ":memory:" or "memory" in database.split("?")[0].split(":"):
        return warn("database", f"{shown} lives in memory: nothing survives a restart", "set OPSGATE_DATABASE_URL")
    if not database.startswith("file:") and not Path(database).expanduser().exists():
        return fail("database", f"no database file at {database}", UPGRADE)
    return None


async def check_database(url: str, timeout: float) -> list[CheckResult]:
    shown = _shown_url(url)
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if problem := _sqlite_problem(parsed.database or ":memory:", shown):
            return [problem]
    else:
        parsed = parsed.update_query_dict({"connect_timeout": str(max(1, int(timeout)))})
        url = parsed.render_as_string(hide_password=False)
    try:
        current, heads, behind = await _in_thread(lambda: _database_state(url), timeout)
    except TimeoutError:
        fix = "start the database or correct OPSGATE_DATABASE_URL"
        return [fail("database", f"{shown} did not answer within {timeout:g} s", fix)]
    except Exception as exc:  # whatever the driver raises is the answer to report
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        reason = " ".join(f"{type(cause).__name__}: {cause}".split())[:300]
        return [fail("database", f"{shown} is not reachable: {reason}", "check OPSGATE_DATABASE_URL and the server")]
    reached = ok("database", f"{shown} is reachable")
    head = ", ".join(heads)
    if not current:
        return [reached, fail("migrations", f"no schema yet (head is {head})", UPGRADE)]
    unknown = [revision for revision, count in behind.items() if count is None]
    if unknown:
        detail = f"at revision {', '.join(unknown)}, which this opsgate does not know (head is {head})"
        return [reached, fail("migrations", detail, "run the opsgate version that migrated it; never downgrade")]
    steps = sum(count or 0 for count in behind.values())
    if steps:
        detail = f"at revision {', '.join(current)}, head is {head}: {steps} migration{'s' * (steps != 1)} behind"
        return [reached, fail("migrations", detail, UPGRADE)]
    return [reached, ok("migrations", f"at head ({head})")]


async def _in_thread(work: Callable[[], T], timeout: float) -> T:
    """`work()` in a daemon thread, awaited up to `timeout`: a driver stuck in connect cannot hold the exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def resolve(result: T | None, error: Exception | None) -> None:
        if future.done():  # timed out meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(cast(T, result))

    def run() -> None:
        outcome: tuple[T | None, Exception | None]
        try:
            outcome = (work(), None)
        except Exception as exc:  # handed to the awaiting task
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(resolve, *outcome)

    threading.Thread(target=run, name="opsgate-doctor", daemon=True).start()
    return await asyncio.wait_for(future, timeout)


# --- Restate -----------------------------------------------------------------------------------------------------


def registration_command(settings: Settings) -> str:
    worker_url = settings.worker_url or f"http://{settings.worker_host}:{settings.worker_port}"
    body = json.dumps({"uri": worker_url})
    return (
        f"start `opsgate worker`, then `curl -X POST {settings.restate_admin_url}/deployments "
        f"-H 'content-type: application/json' -d '{body}'`"
    )


async def check_restate(settings: Settings, timeout: float, role: str = "all") -> list[CheckResult]:
    admin, ingress = settings.restate_admin_url, settings.restate_ingress_url
    start = "start restate-server (`opsgate up` runs one)"
    async with httpx.AsyncClient(timeout=timeout) as client:
        if role == "bot":  # the bot reaches the ingress only
            fix = f"{start}, or set OPSGATE_RESTATE_INGRESS_URL"
            return [await _health(client, "restate ingress", f"{ingress}/restate/health", fix)]
        results = [
            await _health(client, "restate admin", f"{admin}/health", f"{start}, or set OPSGATE_RESTATE_ADMIN_URL"),
            await _health(
                client, "restate ingress", f"{ingress}/restate/health", f"{start}, or set OPSGATE_RESTATE_INGRESS_URL"
            ),
        ]
        if results[0].status is Status.FAIL:
            return results
        results.append(await _deployments(client, settings))
        results.append(await _paused(client, admin))
    return results


async def _health(client: httpx.AsyncClient, check: str, url: str, fix: str) -> CheckResult:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return fail(check, f"{url} is not reachable ({_http_reason(exc)})", fix)
    if response.status_code != 200:
        return fail(check, f"{url} answered {response.status_code}", fix)
    return ok(check, f"{url} is healthy")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _http_reason(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _deployments(client: httpx.AsyncClient, settings: Settings) -> CheckResult:
    url = f"{settings.restate_admin_url}/deployments"
    try:
        response = await client.get(url)
        response.raise_for_status()
        deployments: list[dict[str, Any]] = response.json().get("deployments", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return fail("restate services", f"cannot list the deployments at {url}: {exc}", registration_command(settings))
    served = {str(service.get("name")) for deployment in deployments for service in deployment.get("services", [])}
    missing = [service for service in WORKER_SERVICES if service not in served]
    if not deployments:
        return fail("restate services", "no deployment is registered", registration_command(settings))
    if missing:
        detail = f"not registered: {', '.join(missing)} ({_plural(len(deployments), 'deployment')} known)"
        return fail("restate services", detail, registration_command(settings))
    return ok(
        "restate services", f"{', '.join(WORKER_SERVICES)} registered ({_plural(len(deployments), 'deployment')})"
    )


async def _paused(client: httpx.AsyncClient, admin: str) -> CheckResult:
    try:
        response = await client.post(
            f"{admin}/query", json={"query": PAUSED_QUERY}, headers={"accept": "application/json"}
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["rows"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return warn("restate paused", f"cannot query {admin}/query: {exc}", "retry in a few seconds")
    if not rows:
        return ok("restate paused", "no paused invocations")
    shown = ", ".join(f"{row.get('target')} {row.get('id')}" for row in rows[:_SHOWN_PAUSED])
    more = f" and {len(rows) - _SHOWN_PAUSED} more" if len(rows) > _SHOWN_PAUSED else ""
    detail = f"{len(rows)} invocation{'s' * (len(rows) != 1)} paused after their retries ran out: {shown}{more}"
    fix = (
        f"fix the cause (see the worker's log), then resume each: `curl -X PATCH {admin}/invocations/<id>/resume`; "
        f"to give up: `curl -X PATCH {admin}/invocations/<id>/cancel`, or `.../kill` if it stays paused"
    )
    return warn("restate paused", detail, fix)


# --- Slack, the model, MCP servers -------------------------------------------------------------------------------


async def check_slack(settings: Settings, timeout: float) -> list[CheckResult]:
    if settings.sandbox:
        return [ok("slack", "no SLACK_BOT_TOKEN: the local sandbox stands in for Slack (`opsgate up` starts it)")]
    if settings.slack_oauth:  # each workspace's token comes from the installation store; none to test here
        try:
            settings.require_slack_client_secret()
        except SettingsError as exc:
            return [fail("slack", str(exc))]
        return [ok("slack", "OAuth installs: each workspace adds opsgate from /slack/install")]
    results: list[CheckResult] = []  # the signing secret is check_secrets'
    try:
        if settings.slack_mode == "socket":
            settings.require_socket_mode_token()
    except SettingsError as exc:
        results.append(fail("slack", str(exc)))
    client = slack_client(settings)
    client.timeout = max(1, int(timeout))
    where = settings.slack_api_url or "slack.com"
    reinstall = "export the Bot User OAuth Token (xoxb-…) from OAuth & Permissions as SLACK_BOT_TOKEN"
    try:
        response = await asyncio.wait_for(client.auth_test(), timeout)
    except SlackApiError as exc:
        return [*results, fail("slack", f"auth.test refused the token: {exc.response.get('error')}", reinstall)]
    except (TimeoutError, OSError) as exc:
        reason = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}"
        return [*results, fail("slack", f"{where} is not reachable ({reason})", "check the network or SLACK_API_URL")]
    results.append(ok("slack", f"authenticated as @{response.get('user')} in {response.get('team')} ({where})"))
    granted_header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
    if granted_header is None:
        results.append(warn("slack scopes", "Slack sent no x-oauth-scopes header: compare the scopes by hand"))
        return results
    granted = {scope.strip() for scope in str(granted_header).split(",")}
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        fix = "add them under OAuth & Permissions → Bot Token Scopes (or paste manifest.yml), then reinstall the app"
        results.append(fail("slack scopes", f"missing bot scopes: {', '.join(missing)}", fix))
    else:
        results.append(ok("slack scopes", f"all {len(BOT_SCOPES)} bot scopes of manifest.yml granted"))
    return results


async def check_model(settings: Settings, timeout: float) -> list[CheckResult]:
    if settings.anthropic_api_key is None:
        return [ok("model", "no ANTHROPIC_API_KEY: the offline model answers")]
    answer = await reachable(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=settings.model,
        base_url=settings.anthropic_base_url,
        timeout=timeout,
    )
    if answer.ok:
        return [ok("model", answer.detail)]
    fixes = {
        "auth": "check ANTHROPIC_API_KEY (a key of the right workspace)",
        "spend_limit": "raise the spend limit in the Anthropic Console",
        "bad_request": "set OPSGATE_MODEL to a model this key may use",
        "connection": "check the network, or ANTHROPIC_BASE_URL",
        "timeout": "check the network, or ANTHROPIC_BASE_URL",
    }
    return [fail("model", f"{settings.model}: {answer.detail}", fixes.get(answer.kind or "", "try again later"))]


async def check_mcp_server(server: McpServerConfig, timeout: float) -> CheckResult:
    """Connect and list the tools as the worker would, within `timeout`; a `required: false` server only warns."""
    probe = server.model_copy(update={"required": False, "start_timeout_seconds": timeout})
    check = f"mcp {server.name}"
    async with McpConnections([probe]) as connections:
        reason = connections.failed.get(server.name)
        count = len(connections.tools())
    if reason is None:
        return ok(check, f"connected, {count} tool{'s' * (count != 1)}")
    if server.required:
        fix = f"start it or correct mcp.servers[{server.name}] in the team file (or mark it `required: false`)"
        return fail(check, f"does not start: {reason}", fix)
    return warn(check, f"does not start (optional, the worker runs without it): {reason}")


async def check_mcp(team: TeamConfig | None, timeout: float) -> list[CheckResult]:
    if team is None:
        return []
    if not team.mcp.servers:
        return [ok("mcp", "no MCP servers configured (the built-in tools run in process)")]
    return list(await asyncio.gather(*(check_mcp_server(server, timeout) for server in team.mcp.servers)))


# --- the report --------------------------------------------------------------------------------------------------


async def _bounded(name: str, work: Awaitable[list[CheckResult]], timeout: float) -> list[CheckResult]:
    """Each check bounds its own calls; this is the backstop, with room for closing what the check opened."""
    try:
        return await asyncio.wait_for(work, timeout)
    except TimeoutError:
        return [fail(name, f"no answer within {timeout:g} s")]


async def collect(settings: Settings, timeout: float, role: str = "all") -> list[CheckResult]:
    """`role`: `bot` checks what the bot's host needs (and that it holds no admin access), `all` everything."""
    team_results, team = check_team_file(settings.config_file)
    groups = await asyncio.gather(
        _bounded("database", check_database(settings.database_url, timeout), timeout + 1),
        _bounded("restate", check_restate(settings, timeout, role), timeout * 3),
        _bounded("slack", check_slack(settings, timeout), timeout + 1),
        _bounded("model", check_model(settings, timeout), timeout + 1),
        _bounded("mcp", check_mcp(team, timeout), timeout * 2),
    )
    results = [describe_settings(settings), *check_secrets(settings), *check_process_keys(settings, role)]
    results += team_results
    return results + [result for group in groups for result in group]


def format_report(results: Sequence[CheckResult]) -> str:
    width = max(18, *(len(result.check) + 2 for result in results))
    lines = []
    for result in results:
        first, *rest = result.detail.splitlines() or [""]
        lines.append(f"{result.status.value:<5} {result.check:<{width}}{first}")
        lines += [f"{'':<{6 + width}}{line.strip()}" for line in rest]
        if result.fix:
            lines.append(f"{'':<{6 + width}}fix: {result.fix}")
    counts = {status: sum(result.status is status for result in results) for status in Status}
    lines.append("")
    lines.append(", ".join(f"{counts[status]} {status.value}" for status in (Status.FAIL, Status.WARN, Status.OK)))
    return "\n".join(lines)


def run_doctor(settings: Settings, *, out: TextIO, timeout: float = DEFAULT_TIMEOUT, role: str = "all") -> int:
    """Run every check, print the report to `out`; 1 when a check failed, else 0 (warnings do not fail)."""
    results = asyncio.run(collect(settings, timeout, role))
    print(format_report(results), file=out)
    return 1 if any(result.status is Status.FAIL for result in results) else 0


def doctor_main(out: TextIO, timeout: float = DEFAULT_TIMEOUT, role: str = "all") -> int:
    """The CLI's entry: settings that do not load are the first failure, and nothing else can be checked."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        fix = "set the variables named above in the environment or in .env"
        print(format_report([fail("settings", str(exc), fix)]), file=out)
        return 1
    return run_doctor(settings, out=out, timeout=timeout, role=role)
