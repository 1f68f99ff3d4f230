"""The worker of the approvals benchmark: the integration tests' worker, with waiting tasks suspending sooner.

`python -m bench._approvals_worker` runs `testkit.worker_app` (the real worker with its task workflow,
Approval object and switches, plus the scripted `ProbeModel` and the counting `restart_service` tool), changing one
setting: the inactivity timeout of `TaskWorkflow.run`, 5 minutes in opsgate, after which Restate asks a task that
waits (on an approval) to suspend and closes its stream. The benchmark cannot wait 5 minutes per phase, so it sets
`OPSGATE_BENCH_SUSPEND_AFTER` (seconds) to reach the state every approval older than 5 minutes is in.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import restate

from handlers.deps import TaskDeps
from handlers.task_workflow import build_task_workflow
from handlers.verified import Verifier
from opsgate import worker
from testkit import worker_app

__all__ = ["main"]


def _suspending_sooner(deps: TaskDeps, verifier: Verifier, **options: Any) -> restate.Workflow:
    workflow = build_task_workflow(deps, verifier, **options)
    seconds = os.environ.get("OPSGATE_BENCH_SUSPEND_AFTER")
    if seconds:
        for handler in workflow.handlers.values():
            if handler.inactivity_timeout is not None:
                handler.inactivity_timeout = timedelta(seconds=float(seconds))
    return workflow


def main() -> None:
    vars(worker)["build_task_workflow"] = _suspending_sooner  # what `run_worker` builds its endpoint from
    worker_app.main()


if __name__ == "__main__":
    main()
