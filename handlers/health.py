"""WorkerHealth: what a worker process knows about its own health, for `/ops status`.

Circuit breakers live in each worker's memory; the answer is the state seen by whichever replica Restate
routes the call to (with one worker, the whole picture).
"""

from __future__ import annotations

import restate

from handlers.contracts import BREAKERS, WORKER_HEALTH, BreakerLine
from handlers.deps import TaskDeps
from handlers.verified import Verifier, verified_actor

__all__ = ["build_worker_health"]


def build_worker_health(deps: TaskDeps, verifier: Verifier) -> restate.Service:
    service = restate.Service(WORKER_HEALTH)

    @service.handler(name=BREAKERS)
    async def breakers(ctx: restate.Context) -> list[BreakerLine]:
        await verified_actor(ctx, verifier, WORKER_HEALTH, BREAKERS)
        return [
            BreakerLine(
                name=snapshot.name,
                state=snapshot.state.value,
                consecutive_failures=snapshot.consecutive_failures,
                retry_in_s=round(snapshot.retry_in, 1),
            )
            for snapshot in deps.breakers.snapshots()
        ]

    return service
