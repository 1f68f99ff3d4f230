"""The stack behind the approvals benchmark, and an incremental index of what it posts in the sandbox.

In this process: the Slack sandbox (rate limiter off), so the benchmark wakes on its state changes. As children of
an `opsgate.stack.Stack`, each in its own session with its log in the run's temp dir: restate-server; the worker
with the integration tests' tools and scripted model (`bench._approvals_worker`: the real worker plus a
`restart_service` tool that counts its executions on disk; waiting tasks suspend after `suspend_after` seconds
instead of 5 minutes); the real bot; the baseline's Bolt app and Restate service. `close()` stops every child by
PID (SIGTERM, SIGKILL after a bound: the Slack-facing apps, then Restate, then the worker and the service), stops
the sandbox and removes the temp dir.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel

from agents.guardrails import Rate
from agents.guardrails.output_policy import BudgetRules, CostRate
from bench._approvals_apps import BASELINE_ACTION
from bench._stack import SECRET, BenchStack
from bot.cards import APPROVE_ACTION
from bot.sandbox import Sandbox
from bot.sandbox.payloads import iter_buttons
from bot.sandbox.records import Message
from opsgate.restate_server import free_port
from opsgate.stack import ROOT, Child
from opsgate.teamconfig import CommandsConfig, parse_team_config

__all__ = ["CHANNEL", "TEAM_YML", "ApprovalStack", "Board", "bench_team_config", "rss_kb"]

CHANNEL = "C0OPS"
TEAM_YML = ROOT / "tests" / "integration" / "team.yml"
BOT_TOKEN = "xoxb-sandbox-token"
_TARGET = re.compile(r" on `([a-z0-9-]+)(?:@[a-z]+)?`")
LIFTED_RATE = 1_000_000
_ANSWER = re.compile(r"restart_service done for ([a-z0-9-]+)")


def bench_team_config() -> tuple[str, list[str]]:
    """The integration tests' team configuration, with every per-user and per-channel rate lifted.

    One requester sends every request of the run (over a thousand in a few minutes), far above the default
    per-person rates of `/ops` requests and tool calls; the checks still run, with a limit of a million. Returns
    the YAML and the names of the rates it lifted (those the configuration model has and the file leaves at their
    default).
    """
    data: dict[str, Any] = yaml.safe_load(TEAM_YML.read_text())
    lifted = _lift(data.setdefault("commands", {}), CommandsConfig)
    guardrails = data.setdefault("guardrails", {}).setdefault("output", {}).setdefault("budgets", {})
    lifted += _lift(guardrails, BudgetRules)
    text = yaml.safe_dump(data, sort_keys=False)
    parse_team_config(text, "bench team configuration")  # fails here, not in the worker, if it is invalid
    return text, lifted


def _lift(section: dict[str, Any], model: type[BaseModel]) -> list[str]:
    """Raise every per-person and per-channel rate and spend of `model` in `section` (as the file sets it, or its
    default) to a million: one requester sends every request of a run."""
    lifted = []
    for name, info in model.model_fields.items():
        if not name.endswith(("_per_user", "_per_channel")):
            continue
        default = info.get_default(call_default_factory=True)
        given = section.get(name)
        window = given.get("window_s", getattr(default, "window_s", None)) if isinstance(given, dict) else None
        if isinstance(default, Rate) or (isinstance(given, dict) and "limit" in given):
            current = given.get("limit", 0) if isinstance(given, dict) else default.limit
            if current < LIFTED_RATE:
                section[name] = {"limit": LIFTED_RATE, "window_s": window if given else default.window_s}
                lifted.append(name)
        elif isinstance(default, CostRate) or (isinstance(given, dict) and "limit_usd" in given):
            current = given.get("limit_usd", 0) if isinstance(given, dict) else default.limit_usd
            if current < LIFTED_RATE:
                section[name] = {"limit_usd": float(LIFTED_RATE), "window_s": window if given else default.window_s}
                lifted.append(name)
    return lifted


def rss_kb(pid: int | None, key: str = "VmRSS") -> int:
    """Resident set size of a process in KiB from /proc/<pid>/status (VmRSS, or VmHWM: its peak); -1 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


@dataclass
class Board:
    """What the sandbox shows in the channel, indexed once per message as messages arrive.

    The sandbox appends messages to a list and edits them in place, so a card found once is watched through
    its `Message` object. `cards` maps a service name to its approval card (opsgate's or the baseline's), `counts`
    counts them per name prefix, `answers` holds the names whose task posted its answer (the action's result).
    """

    sandbox: Sandbox
    cards: dict[str, Message] = field(default_factory=dict)
    answers: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    _seen: int = 0

    def scan(self) -> None:
        messages = self.sandbox.state.messages
        for message in messages[self._seen :]:
            if message.channel != CHANNEL:
                continue
            if any(b.get("action_id") in (APPROVE_ACTION, BASELINE_ACTION) for _, b in iter_buttons(message.blocks)):
                found = _TARGET.search(json.dumps(message.blocks))
                if found and found.group(1) not in self.cards:
                    name = found.group(1)
                    self.cards[name] = message
                    prefix = name.rsplit("-", 1)[0]
                    self.counts[prefix] = self.counts.get(prefix, 0) + 1
            elif message.thread_ts:
                answer = _ANSWER.search(message.text) or _ANSWER.search(json.dumps(message.blocks))
                if answer:
                    self.answers.add(answer.group(1))
        self._seen = len(messages)

    def card(self, name: str) -> Message | None:
        self.scan()
        return self.cards.get(name)

    def count(self, prefix: str) -> int:
        """How many cards of names `{prefix}-N` were posted."""
        self.scan()
        return self.counts.get(prefix, 0)

    def answered(self, name: str) -> bool:
        self.scan()
        return name in self.answers


def approved(card: Message) -> bool:
    return any("Approved by" in json.dumps(block) for block in card.blocks)


class ApprovalStack(BenchStack):
    """Sandbox in process; restate-server, worker, bot, baseline Bolt app and baseline service as children."""

    def __init__(self, server: str, suspend_after: float) -> None:
        super().__init__("opsgate-bench-approvals-")
        self.server = server
        self.suspend_after = suspend_after
        self.sandbox = Sandbox(signing_secret=SECRET, rate_limit=False)
        self.board = Board(self.sandbox)
        self.probe_dir = self.dir / "probe"
        self.database_url = f"sqlite:///{self.dir / 'opsgate.db'}"
        self.config_file = self.dir / "opsgate.yml"
        self.urls: dict[str, str] = {}
        self.worker: Child | None = None
        self.lifted: list[str] = []

    async def start(self) -> None:
        self.probe_dir.mkdir()
        config, self.lifted = bench_team_config()
        self.config_file.write_text(config)
        await self.sandbox.start()
        self.stack.on_close(self.sandbox.stop)
        api = self.sandbox.api_url.rstrip("/")
        await self.stack.start_nodes()
        service_port = free_port()
        service_argv = ["bench._approvals_apps", "service", "--port", str(service_port), "--slack-api", api]
        service_argv += ["--suspend-after", str(self.suspend_after)]
        service = self.stack.spawn("service", service_argv, port=service_port)  # starts while the worker does
        self.worker = await self.stack.start_worker(
            {
                **self.stack.opsgate_env(),  # the envelope keys the opsgate app signs with are in the stack's dir
                "OPSGATE_DATABASE_URL": self.database_url,
                "OPSGATE_SLACK_API_URL": api,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_TEST_PROBE_DIR": str(self.probe_dir),
                "OPSGATE_CONFIG_FILE": str(self.config_file),
                "OPSGATE_LOG_LEVEL": "WARNING",
                "OPSGATE_BENCH_SUSPEND_AFTER": str(self.suspend_after),
            },
            argv=["bench._approvals_worker"],
            timeout=60,
        )
        await service.wait_http("/health", timeout=60)
        for endpoint in (self.worker, service):
            await self.stack.register(endpoint.url)
        common = ["--ingress", self.ingress_url, "--slack-api", api, "--secret", SECRET]
        common += ["--server", self.server]
        started: list[Child] = []
        for kind, extra in (
            ("opsgate", ["--config-file", str(self.config_file)]),
            ("bolt", []),
        ):
            port = free_port()
            argv = ["bench._approvals_apps", kind, "--port", str(port), *common, *extra]
            if kind == "opsgate":
                argv += ["--database-url", self.database_url]
            started.append(self.stack.spawn(kind, argv, self.stack.opsgate_env(), front=True, port=port))
        for child in started:
            await child.wait_http("/healthz", timeout=60)
            self.urls[child.name] = child.url + "/slack/events"

    def executions(self, name: str) -> int:
        path = self.probe_dir / f"{name}.exec"
        return len(path.read_text().splitlines()) if path.exists() else 0


async def post_json(client: httpx.AsyncClient, url: str, body: object) -> None:
    response = await client.post(url, json=body)
    response.raise_for_status()
