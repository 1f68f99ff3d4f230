"""`/ops status` and `/ops digest` through the real Bolt app with signed requests, over a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine

from agents.guardrails import SizeGuard
from approvals import ApprovalPolicy
from bot.digest_schedule import DigestSchedule, DigestScheduler
from handlers.contracts import DIGEST_OBJECT, DIGEST_POST, BreakerLine, DigestRequest, TaskPhase
from handlers.span_summaries import SpanSummaryStore
from handlers.store import TaskRecord, TaskStore
from handlers.task_reports import TaskReporter
from testkit.fakes.bot import IDENTITY, bot_client, bot_deps, slash
from testkit.fakes.worker import FakeWorker

MINE, THEIRS = "t-" + "a" * 20, "t-" + "b" * 20


@pytest.fixture
def launcher() -> FakeWorker:
    breaker = BreakerLine(name="model:anthropic", state="open", consecutive_failures=5, retry_in_s=12.0)
    return FakeWorker(breaker_lines=[breaker])


@pytest.fixture
def client(db_engine: Engine, launcher: FakeWorker) -> httpx.AsyncClient:
    store = TaskStore(db_engine)
    for task_id, who, status in ((MINE, "U0ALICE", TaskPhase.RUNNING), (THEIRS, "U0BOB", TaskPhase.DONE)):
        store.upsert(
            TaskRecord(
                id=task_id,
                team_id=IDENTITY.team_id,  # the workspace the commands below come from
                requester=who,
                channel="C0OPS",
                text=f"restart api for {who}",
                status=status,
                outcome="restarted" if status is TaskPhase.DONE else None,
            )
        )
    SpanSummaryStore(db_engine).write(
        [
            {
                "span_id": f"{n:016x}",
                "trace_id": "0" * 32,
                "parent_id": None,
                "task_id": MINE,
                "name": "chat m",
                "kind": "chat",
                "agent": "lead",
                "task_type": "request",
                "tool": None,
                "model": "m",
                "started_at": datetime.now(UTC),
                "duration_ms": 5.0,
                "status": "ok",
                "error": None,
                "outcome": None,
                "actors": None,
                "input_tokens": 1000 * n,
                "output_tokens": 10,
                "cache_read_tokens": 0,
                "cache_write_tokens": 0,
                "cost_usd": 0.01,
            }
            for n in (1, 2)
        ]
    )
    schedules = [DigestSchedule(channel="C0OPS", cron="0 9 * * 1-5", timezone="Europe/Berlin")]
    deps = bot_deps(
        launcher,
        guard=SizeGuard(max_chars=200),
        policy=lambda: ApprovalPolicy(approvers=["U0CAROL", "U0DAVE"]),
        reports=TaskReporter(db_engine),
        digests=DigestScheduler(schedules, launcher),
    )
    return bot_client(deps)


async def ops(client: httpx.AsyncClient, text: str, user: str = "U0ALICE", channel: str = "C0OPS") -> str:
    response = await slash(client, text, user_id=user, channel_id=channel)
    assert response.status_code == 200
    text_: str = response.json()["text"]
    return text_


async def test_status_lists_my_tasks_only(client: httpx.AsyncClient) -> None:
    answer = await ops(client, "status")
    assert answer.startswith("*Your recent tasks*")
    assert MINE in answer and THEIRS not in answer
    assert "*running*" in answer
    assert "You have no tasks yet" in await ops(client, "status", user="U0DAVE")


async def test_the_same_user_id_in_another_workspace_is_another_person(client: httpx.AsyncClient) -> None:
    """A person is (team, user): U0ALICE of another workspace has no tasks here and may not read Alice's, and
    U0CAROL there is not the home workspace's approver U0CAROL."""
    elsewhere = "T0ELSEWHERE"
    response = await slash(client, "status", user_id="U0ALICE", team_id=elsewhere)
    assert "You have no tasks yet" in response.json()["text"]
    for user in ("U0ALICE", "U0CAROL"):
        response = await slash(client, f"status {MINE}", user_id=user, team_id=elsewhere)
        assert "belongs to <@U0ALICE>" in response.json()["text"]


async def test_status_of_one_task_shows_its_totals_and_the_breakers(client: httpx.AsyncClient) -> None:
    answer = await ops(client, f"status {MINE}")
    assert "2 model calls" in answer and "3,000 tokens in, 20 out" in answer and "$0.0200" in answer
    assert "`model:anthropic` open (5 failures, retry in 12 s)" in answer


async def test_status_refuses_bad_ids_unknown_tasks_and_other_peoples_tasks(
    client: httpx.AsyncClient, launcher: FakeWorker
) -> None:
    assert "is not a task id" in await ops(client, "status t-123")
    assert "is not a task id" in await ops(client, "status api")
    assert (
        await ops(client, "status t-" + "c" * 20) == f"I don't know a task `t-{'c' * 20}`. `/ops status` lists yours."
    )
    assert "belongs to <@U0BOB>" in await ops(client, f"status {THEIRS}")
    assert "restarted" in await ops(client, f"status {THEIRS}", user="U0CAROL")  # an approver may look
    launcher.answering = False
    assert "the worker did not answer in time" in await ops(client, f"status {MINE}")


async def test_digest_shows_the_schedule_and_now_posts_one(client: httpx.AsyncClient, launcher: FakeWorker) -> None:
    answer = await ops(client, "digest")
    assert "`0 9 * * 1-5` (Europe/Berlin), covering 24 h; next:" in answer
    assert "No digest is scheduled" in await ops(client, "digest", channel="C0DEPLOY")
    assert "takes `now` or nothing" in await ops(client, "digest weekly")
    assert (await ops(client, "digest now")).startswith("Posting a digest of the last 24 hours")
    [(service, key, handler, request, _)] = launcher.calls
    assert isinstance(request, DigestRequest)
    assert (service, handler, request.channel) == (DIGEST_OBJECT, DIGEST_POST, "C0OPS")
    assert key.startswith("C0OPS:") and request.period_end - request.period_start == timedelta(hours=24)


async def test_help_lists_status_and_digest(client: httpx.AsyncClient) -> None:
    answer = await ops(client, "help")
    assert "`/ops status`" in answer and "`/ops digest now`" in answer
