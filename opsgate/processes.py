"""Child processes and what the stacks wait for, the same way everywhere.

- `stop_process`: SIGTERM, a bounded wait, then SIGKILL. hypercorn can hang on SIGTERM while Restate holds an
  HTTP/2 stream open (NOTES), so no wait is unbounded.
- `wait_until` (and `wait_until_sync`): poll a check until it gives an answer, within a deadline, failing early when
  what is awaited has died; the one bounded loop the dev stack, the tests and the benchmarks wait with.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["WaitTimeout", "stop_process", "wait_until", "wait_until_sync"]

T = TypeVar("T")
Describe = str | Callable[[], str]


class WaitTimeout(RuntimeError):
    """What was awaited did not come in time, or what would bring it died first."""


def stop_process(process: subprocess.Popen[bytes] | None, grace: float) -> bool:
    """Stop `process`; True when it had to be killed after `grace` seconds."""
    if process is None or process.poll() is not None:
        return False
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        return True
    return False


def _text(what: Describe) -> str:
    return what() if callable(what) else what


async def wait_until(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float,
    what: Describe,
    every: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
    dead: Callable[[], str | None] = lambda: None,
) -> T:
    """The first answer of `check` that is neither None nor False, polled every `every` seconds. Exceptions in
    `ignore` count as no answer yet (a port that does not listen yet); `dead` says why waiting is pointless (a
    child that exited), checked before each poll. `WaitTimeout` names `what` (evaluated at the failure, so it can
    carry a log's tail)."""
    deadline = time.monotonic() + timeout
    while True:
        if (reason := dead()) is not None:
            raise WaitTimeout(f"{_text(what)}: {reason}")
        try:
            answer = await check()
        except ignore:
            answer = None
        if answer is not None and answer is not False:
            return answer
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{_text(what)}: not within {timeout:g} s")
        await asyncio.sleep(every)


def wait_until_sync(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: Describe,
    every: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
    dead: Callable[[], str | None] = lambda: None,
) -> T:
    """`wait_until` for code without an event loop (process supervision, the dev stack)."""
    deadline = time.monotonic() + timeout
    while True:
        if (reason := dead()) is not None:
            raise WaitTimeout(f"{_text(what)}: {reason}")
        try:
            answer = check()
        except ignore:
            answer = None
        if answer is not None and answer is not False:
            return answer
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{_text(what)}: not within {timeout:g} s")
        time.sleep(every)
