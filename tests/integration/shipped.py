"""The configuration users run, on the real stack: the production worker (`opsgate worker`), the example
`opsgate.yml` unchanged (its team gives every write to a specialist, behind the in-process MCP server), the
real `anthropic` SDK against the Messages-API fake, the demo's mail sink, the real bot and the sandbox.

The fake answers each agent by its own script (`TeamPlays`): a test registers the plays of one case, named in
the request's text (`[case:NAME]`), so the tests of a module share one stack.

`demo_stack` is `make demo` itself: the same parts with no model key at all, so the worker plays the agents with
the offline model, as `opsgate up` does without `ANTHROPIC_API_KEY`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from opsgate.mailsink import MailSink
from opsgate.stack import OFFLINE_DROPS
from testkit.fakes.messages_api import MessagesApiFake
from testkit.fakes.messages_script import Failure, RecordedRequest, Step
from testkit.fakes.messages_team import agent_of, objective_of, turn_of
from tests.integration.harness import PRODUCTION_WORKER, ROOT, Stack, start_stack, stop_stack

__all__ = [
    "EXAMPLE_CONFIG",
    "DemoStack",
    "Play",
    "ShippedStack",
    "TeamPlays",
    "demo_stack",
    "shipped",
    "shipped_stack",
]

EXAMPLE_CONFIG = ROOT / "opsgate.yml"
MODEL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "OPSGATE_ANTHROPIC_API_KEY")
CASE = re.compile(r"\[case:([a-z0-9-]+)\]")

Play = Callable[[str, int, RecordedRequest], Step]
"""(agent, turn, request) → the model's answer for that agent's turn."""


class TeamPlays:
    """The fake's responder: the play of the case named in the conversation's first message."""

    def __init__(self) -> None:
        self.plays: dict[str, Play] = {}
        self.calls: list[tuple[str, str, int]] = []
        """(case, agent, turn) of every request answered, in order."""

    def add(self, case: str, play: Play) -> None:
        self.plays[case] = play

    def __call__(self, request: RecordedRequest) -> Step:
        found = CASE.search(objective_of(request))
        play = self.plays.get(found.group(1)) if found else None
        if found is None or play is None:
            return Failure.bad_request("no play for this request in the test")
        agent, turn = agent_of(request), turn_of(request)
        self.calls.append((found.group(1), agent, turn))
        return play(agent, turn, request)


class ShippedStack:
    def __init__(self, stack: Stack, plays: TeamPlays, mail: MailSink, mail_dir: Path) -> None:
        self.stack = stack
        self.plays = plays
        self.mail = mail
        self.mail_dir = mail_dir

    def mails(self) -> list[str]:
        """The emails the mail sink received, as text."""
        return [path.read_text() for path in sorted(self.mail_dir.glob("*"))] if self.mail_dir.exists() else []


@contextlib.asynccontextmanager
async def shipped(directory: Path, sandbox: Sandbox, stack: Stack, config: str) -> AsyncIterator[ShippedStack]:
    """The production worker on `config` (the example `opsgate.yml`, or a copy with some settings changed),
    the Messages fake and the demo's mail sink."""
    plays = TeamPlays()
    mail_dir = directory / "mail"
    mail = MailSink(mail_dir)
    mail.start()
    async with MessagesApiFake(responder=plays) as fake:
        worker_env = {
            **mail.env(),
            "ANTHROPIC_API_KEY": "sk-ant-integration-test",  # any string: only the fake sees it
            "ANTHROPIC_BASE_URL": fake.base_url,
            "OPSGATE_MODEL_TIMEOUT": "10",
        }
        started = await start_stack(
            directory / "stack", sandbox, worker_env=worker_env, config=config, worker=PRODUCTION_WORKER
        )
        try:
            yield ShippedStack(started, plays, mail, mail_dir)
        finally:
            await stop_stack(started)
            sandbox.bot_url = stack.bot.events_url
            mail.stop()


@pytest.fixture(scope="module")
async def shipped_stack(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, stack: Stack
) -> AsyncIterator[ShippedStack]:
    async with shipped(tmp_path_factory.mktemp("shipped"), sandbox, stack, EXAMPLE_CONFIG.read_text()) as started:
        yield started


class DemoStack:
    """`make demo` on free ports and temp directories: the offline model, the demo's mail sink."""

    def __init__(self, stack: Stack, mail_dir: Path) -> None:
        self.stack = stack
        self.mail_dir = mail_dir
        self.data_dir = stack.config_file.parent
        """The worker's data directory (`OPSGATE_DATA_DIR`); the built-in tools' inventory is in its database."""
        self.database_url = f"sqlite:///{self.data_dir / 'opsgate.db'}"

    def mails(self) -> list[str]:
        """The emails the mail sink received, as text."""
        return [path.read_text() for path in sorted(self.mail_dir.glob("*"))] if self.mail_dir.exists() else []


@pytest.fixture(scope="module")
async def demo_stack(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, stack: Stack
) -> AsyncIterator[DemoStack]:
    directory = tmp_path_factory.mktemp("demo")
    mail = MailSink(directory / "mail")
    mail.start()
    sandbox.set_rate_limit(True)  # the demo's sandbox limits chat.postMessage per channel, as Slack does
    try:
        demo = await start_stack(
            directory / "stack",
            sandbox,
            worker_env=mail.env(),
            config=EXAMPLE_CONFIG.read_text(),
            worker=PRODUCTION_WORKER,
            drop_env=(*OFFLINE_DROPS, *MODEL_VARIABLES),  # whatever the shell has: the worker must find no model key
        )
        try:
            yield DemoStack(demo, mail.directory)
        finally:
            await stop_stack(demo)
            sandbox.bot_url = stack.bot.events_url
    finally:
        sandbox.set_rate_limit(False)
        mail.stop()
