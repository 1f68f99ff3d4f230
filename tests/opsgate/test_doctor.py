"""`opsgate doctor` against real parts: restate-server with the worker registered, the sandbox as Slack, the
Messages-API fake as Claude, a stdio MCP server, SQLite migrated by the worker; each test breaks one of them."""

from __future__ import annotations

import asyncio
import io
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import restate
import yaml
from aiohttp import web

from bot.sandbox import Sandbox
from opsgate.db import upgrade_database
from opsgate.doctor import (
    BOT_SCOPES,
    WORKER_SERVICES,
    CheckResult,
    Status,
    check_process_keys,
    check_secrets,
    doctor_main,
    run_doctor,
)
from opsgate.restate_server import RestateServer, free_port
from opsgate.serving import serve_asgi
from opsgate.settings import SIGNING_SECRET_HOW, VAULT_KEY_HOW, Settings, load_settings
from opsgate.slack import SANDBOX_BOT_TOKEN
from opsgate.stack import Stack
from opsgate.teamconfig import DEFAULT_TEAM_FILE
from testkit.fakes.messages_api import MessagesApiFake
from tests.agents.mcp.test_client import STDIO_SERVER
from tests.integration.harness import SECRET, TEAM_YML, TEST_WORKER
from tests.integration.paused import pausing_service, wait_paused

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-ant-doctor-test-key"
TIMEOUT = 3.0


class ScopedSandbox(Sandbox):
    """The sandbox, answering Web API calls with the `x-oauth-scopes` header Slack sends (None: no header)."""

    scopes: tuple[str, ...] | None = BOT_SCOPES

    def build_app(self) -> web.Application:
        app = super().build_app()

        async def add_scopes(request: web.Request, response: web.StreamResponse) -> None:
            if request.path.startswith("/api/") and self.scopes is not None:
                response.headers["x-oauth-scopes"] = ",".join(self.scopes)

        app.on_response_prepare.append(add_scopes)
        return app


@dataclass
class Deployment:
    directory: Path
    restate: RestateServer
    sandbox: ScopedSandbox
    claude: MessagesApiFake
    database_url: str
    team_file: Path

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "slack_bot_token": SANDBOX_BOT_TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": self.sandbox.api_url.rstrip("/"),
            "anthropic_api_key": API_KEY,
            "anthropic_base_url": self.claude.base_url,
            "restate_ingress_url": self.restate.ingress_url,
            "restate_admin_url": self.restate.admin_url,
            "database_url": self.database_url,
            "config_file": self.team_file,
            "data_dir": self.directory,
        }
        return load_settings(**{**values, **overrides})


def team_file(path: Path, servers: list[dict[str, object]]) -> Path:
    team = yaml.safe_load(DEFAULT_TEAM_FILE.read_text())
    team["mcp"] = {"servers": servers}
    path.write_text(yaml.safe_dump(team))
    return path


async def doctor(settings: Settings) -> tuple[int, list[str]]:
    """Run the doctor in a thread of its own (it runs its own event loop); the report's lines and the exit code."""
    out = io.StringIO()
    code = await asyncio.to_thread(run_doctor, settings, out=out, timeout=TIMEOUT)
    return code, out.getvalue().splitlines()


def line(lines: list[str], status: str, check: str) -> str:
    """The line of `check` with `status`, and the fix under it, if any."""
    for index, text in enumerate(lines):
        if text.split()[:1] == [status] and text[6:].startswith(check + " "):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            return text + ("\n" + following.strip() if following.strip().startswith("fix:") else "")
    raise AssertionError(f"no {status} line for {check!r} in:\n" + "\n".join(lines))


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    directory = tmp_path_factory.mktemp("doctor")
    sandbox = ScopedSandbox(signing_secret=SECRET, rate_limit=False)
    await sandbox.start()
    stack = Stack(directory)
    stack.on_close(sandbox.stop)
    database_url = f"sqlite:///{directory / 'opsgate.db'}"
    env = {
        **stack.opsgate_env(),
        "OPSGATE_DATABASE_URL": database_url,  # the worker migrates it to head as it starts
        "OPSGATE_SLACK_API_URL": sandbox.api_url.rstrip("/"),
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "OPSGATE_TEST_PROBE_DIR": str(directory),
        "OPSGATE_CONFIG_FILE": str(TEAM_YML),
    }
    try:
        await stack.start_nodes()
        worker = await stack.start_worker(env, argv=TEST_WORKER)
        await stack.register(worker.url)
        servers: list[dict[str, object]] = [{"name": "local", "command": [sys.executable, STDIO_SERVER]}]
        async with MessagesApiFake() as claude:
            yield Deployment(
                directory, stack.restate, sandbox, claude, database_url, team_file(directory / "team.yml", servers)
            )
    finally:
        await stack.close()


def test_the_bot_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


async def test_a_healthy_deployment_passes_every_check(deployment: Deployment) -> None:
    code, lines = await doctor(deployment.settings())

    assert code == 0, "\n".join(lines)
    assert lines[-1] == "0 FAIL, 0 WARN, 16 OK"
    assert line(lines, "OK", "restate services").endswith(f"{', '.join(WORKER_SERVICES)} registered (1 deployment)")
    for check in ("settings", "signing secret", "team file", "database", "restate admin", "restate ingress", "slack"):
        line(lines, "OK", check)
    assert "at head (0014)" in line(lines, "OK", "migrations")
    assert "no paused invocations" in line(lines, "OK", "restate paused")
    assert f"all {len(BOT_SCOPES)} bot scopes of manifest.yml granted" in line(lines, "OK", "slack scopes")
    assert "claude-sonnet-4-6 answered a token count" in line(lines, "OK", "model")
    assert "connected, 5 tools" in line(lines, "OK", "mcp local")
    assert deployment.claude.requests[-1].path == "/v1/messages/count_tokens"
    report = "\n".join(lines)
    assert API_KEY not in report and SECRET not in report and SANDBOX_BOT_TOKEN not in report


async def test_a_database_behind_on_migrations_fails_with_the_upgrade_command(
    deployment: Deployment, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade_database, url, "0005")

    code, lines = await doctor(deployment.settings(database_url=url))

    assert code == 1
    assert line(lines, "FAIL", "migrations").splitlines() == [
        "FAIL  migrations        at revision 0005, head is 0014: 9 migrations behind",
        "fix: run `opsgate db upgrade` (the worker and the bot also migrate when they start)",
    ]
    assert lines[-1] == "1 FAIL, 0 WARN, 15 OK"


async def test_an_unreachable_restate_fails_with_the_variable_to_set(deployment: Deployment) -> None:
    admin, ingress = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"

    code, lines = await doctor(deployment.settings(restate_admin_url=admin, restate_ingress_url=ingress))

    assert code == 1
    admin_line = line(lines, "FAIL", "restate admin")
    assert f"{admin}/health is not reachable (ConnectError" in admin_line
    assert admin_line.endswith("fix: start restate-server (`opsgate up` runs one), or set OPSGATE_RESTATE_ADMIN_URL")
    assert line(lines, "FAIL", "restate ingress").endswith("or set OPSGATE_RESTATE_INGRESS_URL")
    assert not any(" restate services " in text for text in lines), "nothing more is asked of an absent server"


async def test_slack_through_the_sandbox_with_a_token_checks_the_granted_scopes(deployment: Deployment) -> None:
    sandbox = deployment.sandbox
    try:
        sandbox.scopes = tuple(scope for scope in BOT_SCOPES if scope not in {"files:write", "groups:history"})
        code, lines = await doctor(deployment.settings())
        assert code == 1
        assert "OK    slack             authenticated as @" in line(lines, "OK", "slack")
        assert line(lines, "FAIL", "slack scopes").splitlines() == [
            "FAIL  slack scopes      missing bot scopes: files:write, groups:history",
            "fix: add them under OAuth & Permissions → Bot Token Scopes (or paste manifest.yml), "
            "then reinstall the app",
        ]

        sandbox.scopes = None
        code, lines = await doctor(deployment.settings())
        assert code == 0
        assert "sent no x-oauth-scopes header" in line(lines, "WARN", "slack scopes")
    finally:
        sandbox.scopes = BOT_SCOPES

    code, lines = await doctor(deployment.settings(slack_bot_token=None, slack_signing_secret=None))
    assert "no SLACK_BOT_TOKEN: the local sandbox stands in for Slack" in line(lines, "OK", "slack")

    code, lines = await doctor(deployment.settings(slack_bot_token="xoxb-not-the-sandbox-token"))
    assert code == 1
    assert "auth.test refused the token: invalid_auth" in line(lines, "FAIL", "slack")
    assert "xoxb-not-the-sandbox-token" not in "\n".join(lines)


async def test_an_unreachable_mcp_server_fails_and_an_optional_one_warns(
    deployment: Deployment, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/mcp"
    servers: list[dict[str, object]] = [
        {"name": "ghost", "url": closed},
        {"name": "maybe", "url": closed, "required": False},
        {"name": "local", "command": [sys.executable, STDIO_SERVER]},
    ]

    started = time.monotonic()
    code, lines = await doctor(deployment.settings(config_file=team_file(tmp_path / "team.yml", servers)))

    assert code == 1
    assert time.monotonic() - started < TIMEOUT + 5
    ghost = line(lines, "FAIL", "mcp ghost")
    assert "does not start: " in ghost
    assert ghost.endswith("fix: start it or correct mcp.servers[ghost] in the team file (or mark it `required: false`)")
    assert "optional, the worker runs without it" in line(lines, "WARN", "mcp maybe")
    line(lines, "OK", "mcp local")


async def test_paused_invocations_warn_with_how_to_resume_or_cancel(deployment: Deployment, tmp_path: Path) -> None:
    """Restate 1.7.12 lists an invocation whose retries ran out (`on-max-attempts = "pause"`) as status `paused`."""
    flaky = pausing_service()

    server = RestateServer(tmp_path / "restate")
    server.start()
    listening, shutdown = socket.create_server(("127.0.0.1", 0)), asyncio.Event()
    port = listening.getsockname()[1]
    serving = asyncio.create_task(serve_asgi(restate.app([flaky]), "127.0.0.1", port, shutdown, sock=listening))
    try:
        await asyncio.to_thread(server.register, f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(timeout=5.0) as client:
            sent = await client.post(f"{server.ingress_url}/Flaky/boom/send", json="x")
            invocation = sent.json()["invocationId"]
            await wait_paused(client, server.admin_url)

        code, lines = await doctor(
            deployment.settings(restate_admin_url=server.admin_url, restate_ingress_url=server.ingress_url)
        )
    finally:
        server.stop()  # first, so hypercorn has no open stream to wait for
        shutdown.set()
        await serving

    assert code == 1  # the worker's services are not registered on this server
    assert "not registered: TaskWorkflow, AgentWorker" in line(lines, "FAIL", "restate services")
    paused = line(lines, "WARN", "restate paused")
    assert f"1 invocation paused after their retries ran out: Flaky/boom {invocation}" in paused
    assert f"`curl -X PATCH {server.admin_url}/invocations/<id>/resume`" in paused
    assert f"`curl -X PATCH {server.admin_url}/invocations/<id>/cancel`" in paused


def test_an_empty_short_or_missing_signing_secret_and_no_vault_key_fail_with_their_fix(tmp_path: Path) -> None:
    """What the bot and the worker refuse to start with, outside the sandbox; the doctor changes nothing."""
    with_slack: dict[str, object] = {"slack_bot_token": "xoxb-1", "data_dir": tmp_path}
    refused = {
        None: "SLACK_SIGNING_SECRET is not set",
        "": "SLACK_SIGNING_SECRET is empty",
        "short": "SLACK_SIGNING_SECRET is 5 characters long, shorter than 16 (Slack's are 32)",
    }
    no_vault_key = CheckResult(
        "vault key", Status.FAIL, "OPSGATE_VAULT_KEY is not set: the bot and the worker refuse to start", VAULT_KEY_HOW
    )
    for secret, problem in refused.items():
        settings = Settings(**with_slack, slack_signing_secret=secret)  # type: ignore[arg-type]
        assert check_secrets(settings) == [
            CheckResult("signing secret", Status.FAIL, problem, SIGNING_SECRET_HOW),
            no_vault_key,
        ]
    settings = Settings(**with_slack, slack_signing_secret="s" * 32, vault_key="hunter2")  # type: ignore[arg-type]
    assert check_secrets(settings) == [
        CheckResult("signing secret", Status.OK, "set (32 characters)"),
        CheckResult("vault key", Status.FAIL, "OPSGATE_VAULT_KEY is 7 characters long, shorter than 16", VAULT_KEY_HOW),
    ]
    settings = Settings(**with_slack, slack_signing_secret="s" * 32, vault_key="v" * 20)  # type: ignore[arg-type]
    assert [(r.check, r.status, r.detail) for r in check_secrets(settings)] == [
        ("signing secret", Status.OK, "set (32 characters)"),
        ("vault key", Status.OK, "set (20 characters)"),
    ]
    sandbox = check_secrets(Settings(data_dir=tmp_path))  # type: ignore[call-arg]
    assert [r.status for r in sandbox] == [Status.OK, Status.OK]
    assert f"the sandbox uses {tmp_path}/vault.key" in sandbox[1].detail
    assert list(tmp_path.iterdir()) == []


def test_a_bot_configured_with_restates_admin_api_fails(tmp_path: Path) -> None:
    """The bot faces the internet: with the admin API it could register a deployment of its own."""
    slack: dict[str, object] = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s" * 32, "data_dir": tmp_path}
    held = check_process_keys(Settings(**slack, restate_admin_url="http://restate:9070"), "bot")  # type: ignore[arg-type]
    assert held[0].check == "restate admin" and held[0].status is Status.FAIL
    assert "OPSGATE_RESTATE_ADMIN_URL" in held[0].detail
    assert "restate admin" not in [r.check for r in check_process_keys(Settings(**slack), "bot")]  # type: ignore[arg-type]
    assert "restate admin" not in [  # the worker needs it
        r.check
        for r in check_process_keys(Settings(**slack, restate_admin_url="http://restate:9070"), "worker")  # type: ignore[arg-type]
    ]
    keys = {r.check: r for r in check_process_keys(Settings(**slack), "worker")}  # type: ignore[arg-type]
    assert keys["envelope keys"].status is Status.WARN  # Slack for real, and no shared keyring set
    assert "OPSGATE_ENVELOPE_KEYS" in (keys["envelope keys"].fix or "")
    assert list(tmp_path.iterdir()) == []  # the doctor generates nothing


def test_settings_that_do_not_load_are_the_first_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_RESTATE_ADMIN_URL", "ftp://restate")
    out = io.StringIO()

    assert doctor_main(out) == 1
    assert out.getvalue().splitlines() == [
        "FAIL  settings          invalid settings:",
        "                        OPSGATE_RESTATE_ADMIN_URL: Value error, must start with http:// or https:// "
        "(got 'ftp://restate')",
        "                        fix: set the variables named above in the environment or in .env",
        "",
        "1 FAIL, 0 WARN, 0 OK",
    ]
