"""Rolling out a new worker version while a task waits for its approval: docs/deploying.md's procedure, step by step.

Register the new version beside the old one; new tasks run on the new workers, the waiting task stays pinned to
the old deployment and finishes there once approved; only then may the old deployment be retired.
"""

from __future__ import annotations

import io

import pytest

from handlers.contracts import task_id_for
from opsgate.deployments import DeploymentError, RestateAdmin, deploy_main
from tests.integration.flows import attach
from tests.integration.harness import Stack
from tests.integration.test_approvals import APPROVE, click, executions, request_action, wait_card

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def probe_task(stack: Stack, name: str) -> str:
    """A task whose probe tool says which worker process ran it."""
    stack.release(name)
    reply = await stack.sandbox.send_slash_command(user_id="U0ALICE", channel_id="C0OPS", text=f"[probe:{name}] hi")
    assert (await attach(stack, task_id_for("T0SANDBOX", reply.trigger_id)))["phase"] == "done"
    [line] = stack.probe_lines(name, "tool")
    return line


async def test_a_new_version_takes_new_tasks_while_the_waiting_one_drains_on_the_old(
    own_stack: Stack, probe_name: str
) -> None:
    stack = own_stack
    admin = RestateAdmin(stack.restate.admin_url)
    try:
        waiting = await request_action(stack, probe_name, "restart_service")
        card = await wait_card(stack, probe_name)
        [old] = admin.states()
        assert old.pinned >= 1 and "TaskWorkflow" in old.latest_for

        # the same worker on a port of its own; the stack stops it with the old one
        new_version = await stack.processes.start_worker(stack.worker.env, name="worker-v2", argv=stack.worker.argv)
        new_id = admin.register(new_version.url)
        old, new = admin.states()
        assert (old.id, new.id) == (old.id, new_id)
        assert old.latest_for == () and old.pinned >= 1  # draining: only the waiting task needs it
        assert "TaskWorkflow" in new.latest_for and "Approval" in new.latest_for
        with pytest.raises(DeploymentError, match="unfinished invocation"):
            admin.retire(old.id)
        with pytest.raises(DeploymentError, match="newest revision"):
            admin.retire(new.id)

        assert await probe_task(stack, f"{probe_name}-new") == f"pid {new_version.pid}"

        await click(stack, "U0BOB", card, APPROVE)  # the vote runs on the new version, the task resumes on the old
        outcome = await attach(stack, waiting)
        assert outcome["phase"] == "done" and "restart_service done" in outcome["answer"]
        assert executions(stack, probe_name) == 1

        listing = io.StringIO()
        assert deploy_main(stack.restate.admin_url, "list", None, listing) == 0
        assert f"{old.id}  {stack.worker.url}/  pinned=0  drained" in listing.getvalue()
        retired = io.StringIO()
        assert deploy_main(stack.restate.admin_url, "retire", old.id, retired) == 0, retired.getvalue()
        assert [state.id for state in admin.states()] == [new_id]
        stack.worker.stop()  # the old version's workers go; the new one serves everything

        assert await probe_task(stack, f"{probe_name}-after") == f"pid {new_version.pid}"
    finally:
        admin.close()
