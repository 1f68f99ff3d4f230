"""Running one benchmark from the command line: Ctrl-C or SIGTERM cancels it (its clean-up still runs), and its
figures are printed as the last line, one JSON object."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["run_bench"]

Figures = dict[str, Any]


def run_bench(body: Callable[[], Awaitable[Figures]], passed: Callable[[Figures], bool]) -> int:
    """0 when `passed(figures)`, 1 when not, 130 when interrupted."""

    async def cancellable() -> Figures:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await body()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    try:
        result = asyncio.run(cancellable())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; everything started was stopped", file=sys.stderr, flush=True)
        return 130
    print(json.dumps(result))
    return 0 if passed(result) else 1
