"""The stack the chaos benchmark breaks: sandbox in process; restate-server, the worker and the real bot as children.

What users run: the production worker (`python -m opsgate worker`) and bot (`python -m opsgate bot`) on the example
`opsgate.yml` (the shipped team: writes belong to the `ops` specialist, the built-in tools come over the in-process
MCP server), with no model key, so the offline model plays the agents as in `make demo`. The only changes to the
example file lift the per-person rates (one requester sends every request of the run). The inventory the built-in
tools act on gets one staging service per task (`chaos-N`) besides its seeded ones, so every restart is traced to
its task in the inventory's own change log. The worker keeps its port across restarts, so the deployment Restate
knows stays valid.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import yaml

from agents.builtin import Inventory
from agents.guardrails.output_policy import BudgetRules
from bench._approvals_stack import Board, _lift
from bench._stack import SECRET, BenchStack
from bot.sandbox import Sandbox
from opsgate.db import create_db_engine, upgrade_database
from opsgate.mailsink import MailSink
from opsgate.restate_server import free_port
from opsgate.stack import ROOT, Child
from opsgate.teamconfig import CommandsConfig, parse_team_config

__all__ = ["ENVIRONMENT", "ChaosStack", "shipped_team_config"]

BOT_TOKEN = "xoxb-sandbox-token"
PATIENT_ATTEMPTS = 1800  # an hour at the 2 s ceiling
EXAMPLE_CONFIG = ROOT / "opsgate.yml"
ENVIRONMENT = "staging"
_RESTARTED = re.compile(r"^Restarted ([a-z0-9-]+)@")


def shipped_team_config() -> str:
    """The example `opsgate.yml` with every per-user and per-channel rate lifted, as `bench.approvals` does with
    the test team: one requester sends every request of the run, far above the default per-person rates."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    _lift(data.setdefault("commands", {}), CommandsConfig)
    _lift(data.setdefault("guardrails", {}).setdefault("output", {}).setdefault("budgets", {}), BudgetRules)
    text = yaml.safe_dump(data, sort_keys=False)
    parse_team_config(text, "chaos team configuration")  # fails here, not in the worker, if it is invalid
    return text


def add_services(database_url: str, names: list[str]) -> None:
    """The seeded inventory (migrated and seeded as the worker would), plus a running staging service per name."""
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    try:
        store = Inventory(engine)
        store.ensure()
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO services (name, environment, version, replicas, owner_team, status, updated_at) "
                    "VALUES (:name, :environment, 'v1.0.0', 2, 'chaos', 'running', :now)"
                ),
                [{"name": name, "environment": ENVIRONMENT, "now": store.now()} for name in names],
            )
    finally:
        engine.dispose()


class ChaosStack(BenchStack):
    def __init__(self, services: list[str]) -> None:
        # Patient retries, as in production (Restate's defaults retry for about an hour): with the test config's
        # 60 attempts, an invocation that finds the worker down for two minutes pauses and waits for a person.
        super().__init__("opsgate-bench-chaos-", max_attempts=PATIENT_ATTEMPTS)
        self.services = services
        self.sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
        self.board = Board(self.sandbox)
        self.database_url = f"sqlite:///{self.dir / 'opsgate.db'}"  # the built-in tools' inventory is in it too
        self.mail = MailSink(self.dir / "mail")  # as `opsgate up` starts one: the comms specialist has its tools
        self.worker_port = free_port()
        self.bot_port = free_port()
        self.worker: Child | None = None
        self.bot: Child | None = None

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.worker_port}"

    @property
    def bot_events_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}/slack/events"

    def _env(self) -> dict[str, str]:
        return {
            **self.stack.opsgate_env(),
            "OPSGATE_DATABASE_URL": self.database_url,
            "OPSGATE_SLACK_API_URL": self.sandbox.api_url.rstrip("/"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSGATE_CONFIG_FILE": str(self.dir / "opsgate.yml"),
            "OPSGATE_LOG_LEVEL": "WARNING",
            **self.mail.env(),
        }

    async def start(self) -> None:
        (self.dir / "opsgate.yml").write_text(shipped_team_config())
        await asyncio.to_thread(add_services, self.database_url, self.services)
        await asyncio.to_thread(self.mail.start)
        self.stack.on_close(lambda: asyncio.to_thread(self.mail.stop))
        await self.sandbox.start()
        self.stack.on_close(self.sandbox.stop)
        self.sandbox.bot_url = self.bot_events_url
        await self.stack.start_nodes()
        env = self._env()
        self.bot = self.stack.spawn_bot(env, port=self.bot_port)  # starts while the worker does
        self.worker = await self.stack.start_worker(env, port=self.worker_port, timeout=90)
        await self.stack.register(self.worker_url)
        await self.bot.wait_http("/healthz", timeout=90)

    async def kill_worker(self) -> None:
        """SIGKILL, then a new worker on the same port (as a supervisor would restart it)."""
        assert self.worker is not None
        await self.stack.restart_worker(self.worker, timeout=90)

    async def restart_restate(self) -> None:
        await asyncio.to_thread(self.restate.stop, 5.0)
        await asyncio.to_thread(self.restate.start)

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        engine = create_db_engine(self.database_url)
        try:
            with Inventory(engine).reading() as connection:
                yield connection
        finally:
            engine.dispose()

    def restarts(self) -> Counter[str]:
        """Restarts per staging service, as the built-in tool applied them: the inventory's own change log."""
        with self._reading() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT service, count(*) FROM changes WHERE action = 'restart' AND environment = :environment "
                    "GROUP BY service"
                ),
                {"environment": ENVIRONMENT},
            ).fetchall()
        return Counter({str(service): int(count) for service, count in rows})

    def keys(self) -> Counter[str]:
        """Idempotency keys per staging service under which `restart_service` applied a restart (its ledger)."""
        with self._reading() as connection:
            rows = connection.execute(
                sa.text("SELECT result FROM applied_requests WHERE tool = 'restart_service'")
            ).all()
        return Counter(found.group(1) for (result,) in rows if (found := _RESTARTED.match(str(result))))
