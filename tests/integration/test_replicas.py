"""Two bots and two workers on one restate-server and PostgreSQL: nothing is started, posted or run twice, and
the limits and the freeze switch are the same whichever replica a request reaches."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from approvals.audit import AuditLog
from bot.digest_schedule import DigestScheduler
from bot.launcher import TaskLauncher
from bot.sandbox import Sandbox, SandboxState
from bot.sandbox.records import Message
from handlers.contracts import DIGEST_OBJECT, DIGEST_POST, digest_key, task_id_for
from handlers.contracts.envelope import Keyring
from opsgate.keys import ENVELOPE_KEYS_FILE
from opsgate.stack import Child
from opsgate.teamconfig import load_team_config
from tests.conftest import postgres_schema
from tests.integration.flows import attach, deliver_with_retries, mention_in_thread
from tests.integration.harness import signed_slash_command
from tests.integration.replicas import DIGEST_CHANNEL, REQUESTS_PER_USER, Replicas, start_replicas, stop_replicas

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
async def replicas(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, postgres_server_url: str
) -> AsyncIterator[Replicas]:
    previous = sandbox.bot_url
    with postgres_schema(postgres_server_url) as database_url:
        started = await start_replicas(tmp_path_factory.mktemp("replicas"), sandbox, database_url)
        try:
            yield started
        finally:
            await stop_replicas(started)
            sandbox.bot_url = previous


def task_rows(replicas: Replicas, where: str, **params: str) -> int:
    with replicas.store.engine.connect() as connection:
        count: int = connection.execute(sa.text(f"SELECT count(*) FROM tasks WHERE {where}"), params).scalar_one()
    return count


def roots_mentioning(state: SandboxState, channel: str, needle: str) -> list[Message]:
    return [m for m in state.messages_in(channel) if m.thread_ts in (None, m.ts) and needle in m.text]


async def test_tasks_spread_over_both_bots_and_both_workers_each_run_once(replicas: Replicas, probe_name: str) -> None:
    users = [f"U0SPREAD{n}" for n in range(5)]
    names = [f"{probe_name}-{n}" for n in range(20)]
    for name in names:
        replicas.release(name)  # the probe returns at once
    replies = await asyncio.gather(
        *(
            replicas.sandbox.send_slash_command(
                user_id=users[n % len(users)], channel_id="C0OPS", text=f"[once:{name}] count me"
            )
            for n, name in enumerate(names)
        )
    )
    assert all(reply.status == 200 for reply in replies), replies
    outcomes = await asyncio.gather(*(attach(replicas, task_id_for("T0SANDBOX", r.trigger_id)) for r in replies))
    assert [outcome["phase"] for outcome in outcomes] == ["done"] * len(names)
    for name in names:
        assert len(replicas.probe_lines(name, "tool")) == 1, name  # the effect ran once, on one worker
    pids = Counter(replicas.probe_lines(name, "tool")[0] for name in names)
    assert len(pids) == 2, pids  # both workers ran tasks
    assert all(replicas.bot_balancer.served[bot.url] >= 10 for bot in replicas.bots), replicas.bot_balancer.served
    assert task_rows(replicas, "text LIKE :like", like=f"[once:{probe_name}-%") == len(names)
    for name in names:
        assert len(roots_mentioning(replicas.sandbox.state, "C0OPS", f"[once:{name}]")) == 1


async def test_one_command_reaching_both_bots_starts_one_task(replicas: Replicas, probe_name: str) -> None:
    """A balancer that retries on the other replica delivers the very same signed request twice."""
    replicas.release(probe_name)
    body, headers, trigger_id = signed_slash_command(
        user_id="U0SPREAD0", channel_id="C0OPS", text=f"[once:{probe_name}] only once"
    )
    async with httpx.AsyncClient(timeout=10) as client:
        answers = await asyncio.gather(
            *(client.post(f"{bot.url}/slack/events", content=body, headers=headers) for bot in replicas.bots)
        )
    assert [answer.status_code for answer in answers] == [200, 200]
    outcome = await attach(replicas, task_id_for("T0SANDBOX", trigger_id))
    assert outcome["phase"] == "done"
    assert task_rows(replicas, "text LIKE :like", like=f"[once:{probe_name}]%") == 1
    assert len(replicas.probe_lines(probe_name, "tool")) == 1
    assert len(roots_mentioning(replicas.sandbox.state, "C0OPS", f"[once:{probe_name}]")) == 1


async def test_an_event_redelivered_to_alternating_bots_starts_one_follow_up(
    replicas: Replicas, probe_name: str
) -> None:
    reply = await replicas.sandbox.send_slash_command(
        user_id="U0SPREAD1", channel_id="C0OPS", text=f"[echo:{probe_name}-first] what runs in staging?"
    )
    thread_ts = (await attach(replicas, task_id_for("T0SANDBOX", reply.trigger_id)))["thread_ts"]
    body = mention_in_thread(
        replicas.sandbox,
        user="U0SPREAD2",
        thread_ts=thread_ts,
        text=f"<@U0BOT> [recall:{probe_name}] and in prod?",
        event_id="Ev0REPLICA" + probe_name.upper(),
    )
    await deliver_with_retries([f"{bot.url}/slack/events" for bot in replicas.bots], body)

    def answered(state: SandboxState) -> bool:
        texts = [m.text for m in state.thread("C0OPS", thread_ts)]
        return "follow-up answered with the thread's history" in texts

    await replicas.sandbox.wait_for(answered, timeout=30)
    assert task_rows(replicas, "channel = 'C0OPS' AND thread_ts = :ts", ts=thread_ts) == 2
    assert len(replicas.probe_lines(probe_name, "model")) == 1
    thread = replicas.sandbox.state.thread("C0OPS", thread_ts)
    assert sum(m.text.startswith("On it: following up in this thread") for m in thread) == 1


def card_for(state: SandboxState, name: str, needle: str) -> Message | None:
    for message in state.messages_in("C0OPS"):
        blocks = json.dumps(message.blocks)
        if needle in blocks and f"`{name}@" in blocks:
            return message
    return None


async def test_a_double_click_landing_on_both_bots_decides_and_runs_once(replicas: Replicas, probe_name: str) -> None:
    reply = await replicas.sandbox.send_slash_command(
        user_id="U0ALICE", channel_id="C0OPS", text=f"[act:{probe_name}:restart_service] go"
    )
    task_id = task_id_for("T0SANDBOX", reply.trigger_id)
    card: Message = await replicas.sandbox.wait_for(lambda s: card_for(s, probe_name, "approval_approve"), timeout=20)
    served = dict(replicas.bot_balancer.served)
    clicks = await asyncio.gather(
        *(
            replicas.sandbox.click_button(
                user_id=user, channel_id="C0OPS", message_ts=card.ts, action_id="approval_approve"
            )
            for user in ("U0BOB", "U0CAROL", "U0BOB", "U0CAROL")
        )
    )
    assert [click.status for click in clicks] == [200] * 4
    assert all(replicas.bot_balancer.served[bot.url] - served.get(bot.url, 0) == 2 for bot in replicas.bots)
    outcome = await attach(replicas, task_id)
    assert outcome["phase"] == "done"
    assert len(replicas.probe_lines(probe_name, "exec")) == 1
    events = [row.event for row in AuditLog(replicas.store.engine).rows(task_id) if row.event != "guardrail"]
    assert events.count("approved") == 1 and events.count("executed") == 1, events
    assert events[:3] == ["requested", "vote", "approved"]


async def test_the_freeze_switched_on_one_bot_holds_on_the_other(replicas: Replicas, probe_name: str) -> None:
    first, second = replicas.bots
    async with httpx.AsyncClient(timeout=10) as client:

        async def command(bot_url: str, user: str, text: str) -> tuple[str, str]:
            body, headers, trigger_id = signed_slash_command(user_id=user, channel_id="C0OPS", text=text)
            answer = await client.post(f"{bot_url}/slack/events", content=body, headers=headers)
            assert answer.status_code == 200, answer.text
            return answer.json().get("text", ""), trigger_id

        frozen, _ = await command(first.url, "U0CAROL", "freeze on")
        assert "Frozen" in frozen
        try:
            status, _ = await command(second.url, "U0BOB", "freeze status")
            assert "frozen" in status.lower() and "not frozen" not in status
            _, trigger_id = await command(second.url, "U0ALICE", f"[act:{probe_name}:restart_service] go")
            outcome = await attach(replicas, task_id_for("T0SANDBOX", trigger_id))
        finally:
            thawed, _ = await command(second.url, "U0CAROL", "freeze off")
            assert "frozen" in thawed.lower()
        assert "frozen" in outcome["answer"]
        assert replicas.probe_lines(probe_name, "exec") == []
        status, _ = await command(first.url, "U0BOB", "freeze status")
        assert "not frozen" in status


async def test_the_per_user_rate_counts_requests_on_both_bots(replicas: Replicas, probe_name: str) -> None:
    replies = []
    for n in range(REQUESTS_PER_USER + 2):  # one at a time, alternating replicas through the balancer
        replies.append(
            await replicas.sandbox.send_slash_command(
                user_id="U0RATE", channel_id="C0OPS", text=f"[echo:{probe_name}-{n}] count"
            )
        )
    refused = ["Too many requests from you" in json.dumps(reply.json) for reply in replies]
    assert refused == [False] * REQUESTS_PER_USER + [True, True]
    accepted = [reply for reply, no in zip(replies, refused, strict=True) if not no]
    await asyncio.gather(*(attach(replicas, task_id_for("T0SANDBOX", reply.trigger_id)) for reply in accepted))
    assert task_rows(replicas, "requester = 'U0RATE'") == REQUESTS_PER_USER


async def test_a_killed_worker_leaves_its_tasks_to_the_other(replicas: Replicas, probe_name: str) -> None:
    names = [f"{probe_name}-{n}" for n in range(6)]
    replies = await asyncio.gather(
        *(
            replicas.sandbox.send_slash_command(
                user_id="U0SPREAD3", channel_id="C0OPS", text=f"[probe:{name}] wait for me"
            )
            for name in names
        )
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not all(replicas.probe_lines(name, "tool") for name in names):
        assert loop.time() < deadline, "not every probe started"
        await asyncio.sleep(0.05)

    def running_on(worker: Child) -> list[str]:
        pid = f"pid {worker.pid}"
        return [name for name in names if pid in replicas.probe_lines(name, "tool")]

    victim, survivor = sorted(replicas.workers, key=lambda worker: len(running_on(worker)), reverse=True)
    on_victim = running_on(victim)
    assert on_victim  # the busier worker dies with probes in flight
    victim.kill()
    for name in names:
        replicas.release(name)
    outcomes = await asyncio.gather(
        *(attach(replicas, task_id_for("T0SANDBOX", reply.trigger_id), timeout=60) for reply in replies)
    )
    assert [outcome["phase"] for outcome in outcomes] == ["done"] * len(names)
    survivor_pid = f"pid {survivor.pid}"
    for name in on_victim:  # the interrupted probe ran again on the survivor; its model turns did not repeat
        assert replicas.probe_lines(name, "tool")[-1] == survivor_pid
    for name in names:
        assert replicas.probe_lines(name, "model") == ["turn 1", "turn 2"], name
    await replicas.restart(victim)  # back for whatever runs after this test


def stopped_clock(now: datetime) -> Callable[[], datetime]:
    return lambda: now


def replica_directory(replicas: Replicas) -> Path:
    """Where `start_replicas` put the replicas' opsgate.yml, envelope keys and probes."""
    return replicas.probe_dir.parent


async def digest_outcome(replicas: Replicas, period_end: datetime, timeout: float = 60.0) -> dict[str, Any]:
    """The period's digest invocation once it has ended (Restate's attach, by the idempotency key of every firing)."""
    key = digest_key(DIGEST_CHANNEL, period_end)
    url = f"{replicas.restate.ingress_url}/restate/invocation/{DIGEST_OBJECT}/{key}/{DIGEST_POST}/digest:{key}/attach"
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    outcome: dict[str, Any] = response.json()
    return outcome


async def test_both_replicas_firing_one_period_on_skewed_clocks_post_one_digest(replicas: Replicas) -> None:
    """The replicas' minutely schedule, fired by two schedulers whose fixed clocks are 39 s apart in one minute (no
    wall-clock minute to wait for): they name the same period and the channel gets its digest once."""
    [schedule] = load_team_config(replica_directory(replicas) / "opsgate.yml").digests
    period_end = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # long before the bots' own firings: a period of its own
    clocks = [period_end + timedelta(seconds=2), period_end + timedelta(seconds=41)]
    keyring = Keyring.parse((replica_directory(replicas) / ENVELOPE_KEYS_FILE).read_text())
    launchers = [TaskLauncher(replicas.restate.ingress_url, keyring=keyring) for _ in clocks]
    try:
        schedulers = [
            DigestScheduler([schedule], launcher, clock=stopped_clock(now))
            for launcher, now in zip(launchers, clocks, strict=True)
        ]
        assert await asyncio.gather(*(s.fire(schedule) for s in schedulers)) == [True, True]
    finally:
        for launcher in launchers:
            await launcher.aclose()

    outcome = await digest_outcome(replicas, period_end)
    label = schedule.request_for(period_end).label
    posted = [m for m in replicas.sandbox.state.messages_in(DIGEST_CHANNEL) if m.text.startswith(label)]
    assert [m.ts for m in posted] == [outcome["ts"]] and outcome["first"], (outcome, [m.text for m in posted])

    def digests(state: SandboxState) -> list[Message]:
        return [m for m in state.messages_in(DIGEST_CHANNEL) if m.text.startswith("Digest digest ·")]

    # The bots' own schedulers fire every minute too: no period, theirs or this one, is posted twice.
    labels = Counter(m.text.splitlines()[0] for m in digests(replicas.sandbox.state))
    assert labels and all(count == 1 for count in labels.values()), labels
