"""Two workers on one restate-server and one PostgreSQL share the built-in inventory and its idempotency ledger: a
change committed by a worker that dies before Restate journals it runs again on the other worker with the same
key, and the inventory records it once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from agents.builtin import Inventory
from bot.sandbox import Sandbox
from handlers.contracts import task_id_for
from opsgate.stack import Child
from tests.conftest import postgres_schema
from tests.integration.flows import attach
from tests.integration.replicas import Replicas, start_replicas, stop_replicas

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
async def replicas(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, postgres_server_url: str
) -> AsyncIterator[Replicas]:
    previous = sandbox.bot_url
    with postgres_schema(postgres_server_url) as database_url:
        started = await start_replicas(tmp_path_factory.mktemp("replica-inventory"), sandbox, database_url)
        try:
            yield started
        finally:
            await stop_replicas(started)
            sandbox.bot_url = previous


def add_service(replicas: Replicas, name: str) -> None:
    """A running staging service in the shared inventory (seeded first, as a worker would on its first call)."""
    inventory = Inventory(replicas.store.engine)
    inventory.ensure()
    with replicas.store.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO services (name, environment, version, replicas, owner_team, status, updated_at) "
                "VALUES (:name, 'staging', 'v1.0.0', 2, 'test', 'degraded', :now)"
            ),
            {"name": name, "now": inventory.now()},
        )


def recorded(replicas: Replicas, name: str) -> tuple[int, list[str]]:
    """The restarts of `name` in the inventory's change log, and the results its ledger holds for them."""
    with replicas.store.engine.connect() as connection:
        restarts = connection.execute(
            sa.text("SELECT count(*) FROM changes WHERE service = :name AND action = 'restart'"), {"name": name}
        ).scalar_one()
        results = connection.execute(
            sa.text("SELECT result FROM applied_requests WHERE tool = 'restart_service' AND result LIKE :like"),
            {"like": f"Restarted {name}@%"},
        ).scalars()
        return int(restarts), list(results)


async def test_a_change_replayed_on_the_other_worker_is_applied_once(replicas: Replicas, probe_name: str) -> None:
    await asyncio.to_thread(add_service, replicas, probe_name)
    reply = await replicas.sandbox.send_slash_command(
        user_id="U0SPREAD1", channel_id="C0OPS", text=f"[act:{probe_name}:restart_and_hold@0.95] go"
    )
    assert reply.status == 200, reply
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not replicas.probe_lines(probe_name, "tool"):  # the restart is committed; its step is held open
        assert loop.time() < deadline, "the restart did not run"
        await asyncio.sleep(0.05)
    first = replicas.probe_lines(probe_name, "tool")[0]
    assert await asyncio.to_thread(recorded, replicas, probe_name) == (1, [first.split(": ", 1)[1]])

    def pid(worker: Child) -> str:
        return f"pid {worker.pid}"

    victim = next(worker for worker in replicas.workers if first.startswith(pid(worker) + ":"))
    survivor = next(worker for worker in replicas.workers if worker is not victim)
    victim.kill()  # before Restate journaled the step's result: the step runs again, on the survivor
    replicas.release(probe_name)
    outcome = await attach(replicas, task_id_for("T0SANDBOX", reply.trigger_id), timeout=60)
    assert outcome["phase"] == "done", outcome
    lines = replicas.probe_lines(probe_name, "tool")
    assert [line.split(":", 1)[0] for line in lines] == [pid(victim), pid(survivor)]
    result = lines[0].split(": ", 1)[1]
    assert result.startswith(f"Restarted {probe_name}@staging (v1.0.0, 2 replicas, now degraded)")
    assert lines[1].split(": ", 1)[1] == result, "the survivor answered with the result the victim recorded"
    assert await asyncio.to_thread(recorded, replicas, probe_name) == (1, [result])
