"""Scheduled digests on the real restate-server: two bot replicas fire the same schedule for the same period
(fixed clock) and the channel gets one digest, whose numbers are the database's, with its chart in its thread."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.digest_schedule import DigestSchedule, DigestScheduler, latest_fire_time
from bot.launcher import TaskLauncher
from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from handlers.contracts import DIGEST_OBJECT, DIGEST_POST, digest_key, task_id_for
from handlers.contracts.envelope import Actor
from tests.integration.flows import attach
from tests.integration.harness import Stack, signed_call

pytestmark = pytest.mark.integration


def digests(state: SandboxState, label: str) -> list[Message]:
    return [m for m in state.messages_in("C0OPS") if m.text.startswith(label)]


async def test_two_replicas_firing_one_period_post_one_digest_with_the_databases_numbers(
    stack: Stack, probe_name: str
) -> None:
    for n in range(2):
        reply = await stack.sandbox.send_slash_command(
            user_id="U0ALICE", channel_id="C0OPS", text=f"[echo:{probe_name}{n}] digest me"
        )
        assert (await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id)))["phase"] == "done"

    schedule = DigestSchedule(channel="C0OPS", cron="0 * * * *", timezone="Europe/Berlin")
    fixed_now = datetime.now(UTC) + timedelta(hours=1)  # the next full hour has passed: the tasks are in its period
    end = latest_fire_time(schedule.trigger(), fixed_now)
    start = end - timedelta(hours=24)
    replicas = [TaskLauncher(stack.restate.ingress_url, keyring=stack.keyring) for _ in range(2)]
    try:
        schedulers = [DigestScheduler([schedule], launcher, clock=lambda: fixed_now) for launcher in replicas]
        assert [job.name for job in schedulers[0].scheduler.get_jobs()] == ["digest C0OPS (0 * * * * Europe/Berlin)"]
        assert await asyncio.gather(*(s.fire(schedule) for s in schedulers)) == [True, True]
    finally:
        for launcher in replicas:
            await launcher.aclose()
    label = schedule.request_for(end).label
    digest = await stack.sandbox.wait_for(lambda s: next(iter(digests(s, label)), None), timeout=30)

    # A third firing, waited for: it answers "already posted".
    key, body = digest_key("C0OPS", end), schedule.request_for(end).model_dump_json()
    alice = Actor(team="T0SANDBOX", user="U0ALICE")
    again = await signed_call(stack.restate.ingress_url, stack.keyring, alice, DIGEST_OBJECT, key, DIGEST_POST, body)
    assert again.status_code == 200, again.text
    assert again.json() == {"channel": "C0OPS", "ts": digest.ts, "first": False}
    assert len(digests(stack.sandbox.state, label)) == 1

    with stack.store.engine.connect() as connection:
        expected = connection.execute(
            sa.text(
                "SELECT count(*) FROM tasks WHERE channel = 'C0OPS' AND created_at >= :start AND created_at < :end"
            ),
            {"start": start.replace(tzinfo=None), "end": end.replace(tzinfo=None)},
        ).scalar_one()
        pending = connection.execute(
            sa.text(
                "SELECT count(*) FROM audit_log r WHERE r.event = 'requested' AND r.task_id IN "
                "(SELECT id FROM tasks WHERE channel = 'C0OPS') AND r.approval_id NOT IN (SELECT approval_id FROM "
                "audit_log WHERE event IN ('approved','rejected','expired','cancelled','voided') "
                "AND approval_id IS NOT NULL)"
            )
        ).scalar_one()
    assert expected >= 2
    assert digest.text.startswith(f"{label}: {expected:,} task{'s' if expected != 1 else ''} · {pending:,} pending")

    chart = await stack.sandbox.wait_for(
        lambda s: next((m for m in s.thread("C0OPS", digest.ts) if m.files), None), timeout=30
    )
    [file_id] = chart.files
    content = stack.sandbox.state.files[file_id].content
    assert content is not None and content.startswith(b"\x89PNG")
