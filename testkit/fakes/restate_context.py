"""Restate's side of a handler, in memory: one fake `restate.Context` (and `ObjectContext`) for every test that drives
durable code without a restate-server, so its semantics are written once and cannot drift per file.

What it does as the engine does, on a worker that never crashes:
- `run_typed` / `run`: a step already in `journal` is replayed (its function does not run); otherwise it runs,
  and its result goes through the step's serde and back, so a replay returns what a first run returns (a step
  whose result does not survive its serde fails here as it would in production). A step that raises a
  `TerminalError` fails for good; any other exception runs it again (a `RetryableError`'s delay is recorded in
  `delays`, not slept) up to `max_attempts`, then it fails with a `TerminalError` carrying the last error. A step
  with no `max_attempts` would be retried forever: here it runs `unbounded_attempts` times and then raises its
  last error itself.
- `get` / `set` / `clear`: state serialized with its serde in `state`, per context (one object key).
- `time` and `sleep`: a clock that moves by `tick` on each read and by the duration of each sleep.
- `awakeable`: a future woken at once with `wake` (None: left open until `resolve_awakeable`).
- `generic_call`: answered by `on_call` answers; a call nobody answers fails the test, naming it.
- `generic_send`: recorded in `sent`, nothing runs.

No pytest here: benchmarks may use it too. Not exported from `testkit.fakes`, so its users alone load the SDK.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, TypeVar, cast

import restate
from restate import RunOptions, TerminalError
from restate.exceptions import RetryableError
from restate.serde import DefaultSerde, Serde
from restate.types import extract_core_type

__all__ = ["Call", "FakeContext", "Sent"]

T = TypeVar("T")
START = 1_767_225_600.0
"""2026-01-01T00:00:00Z: the fake clock's default start."""
_JSON: DefaultSerde[Any] = DefaultSerde()
_NO_OPTIONS: RunOptions[Any] = RunOptions()


@dataclass(frozen=True)
class Call:
    """One request-response call a handler made (`generic_call`)."""

    service: str
    handler: str
    arg: bytes
    key: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Sent:
    """One one-way send a handler made (`generic_send`)."""

    service: str
    handler: str
    arg: bytes
    key: str | None = None
    delay: timedelta | None = None
    idempotency_key: str | None = None


Answer = bytes | Callable[[Call], bytes]
"""What a `generic_call` returns: fixed bytes, or bytes computed from the call."""


@dataclass
class _SendHandle:
    invocation_id_: str

    async def invocation_id(self) -> str:
        return self.invocation_id_

    async def cancel_invocation(self) -> None:
        return None


@dataclass
class FakeContext:
    """An in-memory Restate context; pass it as `fake.context` where a `restate.Context` is wanted."""

    key_: str = ""
    invocation_id: str = "inv_fake"
    now: float = START
    tick: float = 0.0
    """Seconds the clock moves on after each `time()` read."""
    wake: bytes | None = b"null"
    """What every awakeable is woken with at once; None leaves them open for `resolve_awakeable`."""
    unbounded_attempts: int = 1
    journal: dict[str, Any] = field(default_factory=dict)
    """Step name → its result, as a replay returns it; seed it to replay steps an earlier attempt ran."""
    state: dict[str, bytes] = field(default_factory=dict)
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    """The name of each attempt of each step that ran (replayed steps are not in it)."""
    attempts: Counter[str] = field(default_factory=Counter)
    options: dict[str, RunOptions[Any]] = field(default_factory=dict)
    """Each step's options, as it was run with them."""
    delays: list[timedelta | None] = field(default_factory=list)
    """The delay a `RetryableError` asked for, once per retry it caused."""
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    sleeps: list[timedelta] = field(default_factory=list)
    awakeables: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    """Awakeables this handler resolved (`resolve_awakeable`), by id."""
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    @property
    def context(self) -> restate.ObjectContext:
        """This fake, typed as what handler code expects."""
        return cast(restate.ObjectContext, self)

    # -- what tests set up and read

    def on_call(self, service: str, handler: str, answer: Answer) -> None:
        """Answer `generic_call`s to `service`/`handler` with `answer`."""
        self.answers[(service, handler)] = answer

    def sent_to(self, handler: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.handler == handler]

    # -- the Context API

    def key(self) -> str:
        return self.key_

    def request(self) -> Any:
        return SimpleNamespace(id=self.invocation_id, headers={}, attempt_headers={}, body=b"")

    async def time(self) -> float:
        now = self.now
        self.now += self.tick
        return now

    def sleep(self, delta: timedelta, name: str | None = None) -> asyncio.Future[None]:
        self.sleeps.append(delta)
        self.now += delta.total_seconds()
        return _done(None)

    def random(self) -> random.Random:
        return self.rng

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    async def get(
        self,
        name: str,
        serde: Serde[T] = _JSON,
        type_hint: type[T] | None = None,
        entry_name: str | None = None,
    ) -> T | None:
        if name not in self.state:
            return None
        return _typed(serde, type_hint).deserialize(self.state[name])

    async def state_keys(self, entry_name: str | None = None) -> list[str]:
        return sorted(self.state)

    def set(self, name: str, value: T, serde: Serde[T] = _JSON, entry_name: str | None = None) -> None:
        if isinstance(serde, DefaultSerde):
            serde = serde.with_maybe_type(type(value))
        self.state[name] = serde.serialize(value)

    def clear(self, name: str, entry_name: str | None = None) -> None:
        self.state.pop(name, None)

    def clear_all(self, entry_name: str | None = None) -> None:
        self.state.clear()

    async def run_typed(
        self,
        name: str,
        action: Callable[..., Any],
        options: RunOptions[Any] = _NO_OPTIONS,
        /,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if name in self.journal:
            return self.journal[name]
        self.options[name] = options
        serde = _step_serde(action, options)
        step = functools.partial(action, *args, **kwargs)
        attempts = options.max_attempts or self.unbounded_attempts
        last: Exception | None = None
        for attempt in range(1, attempts + 1):
            self.ran.append(name)
            self.attempts[name] += 1
            try:
                if inspect.iscoroutinefunction(step):
                    result = await step()
                else:  # the SDK runs a plain function on a thread
                    result = await asyncio.to_thread(step)
            except TerminalError:
                raise
            except RetryableError as exc:
                last = exc
                if attempt < attempts:
                    self.delays.append(exc.retry_after)
                continue
            except Exception as exc:
                last = exc
                continue
            self.journal[name] = serde.deserialize(serde.serialize(result))
            return self.journal[name]
        assert last is not None
        if options.max_attempts is None:
            raise last  # Restate would retry it for ever: the test sees why
        message = last.message if isinstance(last, RetryableError) else repr(last)
        raise TerminalError(message)

    async def run(
        self,
        name: str,
        action: Callable[..., Any],
        serde: Serde[Any] = _JSON,
        max_attempts: int | None = None,
        max_retry_duration: timedelta | None = None,
        type_hint: type[Any] | None = None,
        args: tuple[Any, ...] | None = None,
    ) -> Any:
        options: RunOptions[Any] = RunOptions(serde=serde, type_hint=type_hint, max_attempts=max_attempts)
        return await self.run_typed(name, action, options, *(args or ()))

    async def generic_call(
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        idempotency_key: str | None = None,
        **_: Any,
    ) -> bytes:
        call = Call(service, handler, arg, key, idempotency_key)
        self.calls.append(call)
        answer = self.answers.get((service, handler))
        if answer is None:
            raise AssertionError(f"nobody answers {service}/{handler} in this test (FakeContext.on_call)")
        return answer if isinstance(answer, bytes) else answer(call)

    def generic_send(
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        **_: Any,
    ) -> _SendHandle:
        self.sent.append(Sent(service, handler, arg, key, send_delay, idempotency_key))
        return _SendHandle(f"inv_sent_{len(self.sent)}")

    def awakeable(self, serde: Serde[T] = _JSON, type_hint: type[T] | None = None) -> tuple[str, Any]:
        awakeable_id = f"awk-{len(self.awakeables) + 1}"
        woken: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.awakeables[awakeable_id] = woken
        if self.wake is not None:
            woken.set_result(_typed(serde, type_hint).deserialize(self.wake))
        return awakeable_id, woken

    def resolve_awakeable(self, name: str, value: Any, serde: Serde[Any] = _JSON) -> None:
        self.resolved[name] = value
        woken = self.awakeables.get(name)
        if woken is not None and not woken.done():
            woken.set_result(value)


def _done(value: T) -> asyncio.Future[T]:
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


def _typed(serde: Serde[T], type_hint: type[T] | None) -> Serde[T]:
    return serde.with_maybe_type(type_hint) if isinstance(serde, DefaultSerde) else serde


def _step_serde(action: Callable[..., Any], options: RunOptions[Any]) -> Serde[Any]:
    """The serde Restate's SDK picks for a step: the options' own, else one for the type hint given, else for the
    function's return annotation (Optional[X] as X)."""
    if not isinstance(options.serde, DefaultSerde):
        return options.serde
    hint = options.type_hint
    if hint is None:
        hint = inspect.signature(action, eval_str=True).return_annotation
    kind, core = extract_core_type(hint)
    if kind in ("simple", "optional"):
        hint = core
    return options.serde.with_maybe_type(hint)
