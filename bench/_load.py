"""A closed-loop load generator of signed slash commands, and the latency summary of one phase.

Each of `concurrency` workers sends one request, waits for its answer, and sends the next, until the phase's
count is reached. Every request is a new slash command with its own trigger id, built and signed with the
sandbox's pure helpers before the clock starts; latency is measured on the client, from send to full answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import aiohttp

from bot.sandbox import new_trigger_id, sign_request, slash_command_body
from bot.sandbox.payloads import TEAM_ID
from handlers.contracts import task_id_for

__all__ = ["ACK_DEADLINE", "COMMAND_TEXT", "Phase", "Sample", "Summary", "open_connections", "run_load", "summarize"]

ACK_DEADLINE = 3.0
COMMAND_TEXT = "what services are running in staging?"
USER_ID = "U0ALICE"
CHANNEL_ID = "C0OPS"


@dataclass(frozen=True)
class Sample:
    latency_ms: float
    ok: bool
    why: str
    task_id: str


def signed_command(secret: str, sandbox_url: str, trigger: str) -> tuple[bytes, dict[str, str]]:
    now = time.time()
    body = slash_command_body(
        user_id=USER_ID,
        channel_id=CHANNEL_ID,
        text=COMMAND_TEXT,
        response_url=f"{sandbox_url}response/{TEAM_ID}/{trigger.rsplit('.', 1)[-1]}",
        trigger_id=trigger,
        user_name="alice",
        channel_name="ops",
    )
    return body, sign_request(secret, body, int(now))


def judge(status: int, text: str) -> str:
    """Why this answer is a failed ack, or "" when Slack would show the person "On it"."""
    if status != 200:
        return f"HTTP {status}"
    if "could not accept" in text or "could not confirm" in text:
        return "not accepted"
    if "On it" not in text:
        return "unexpected ack"
    return ""


async def _one(session: aiohttp.ClientSession, url: str, secret: str, sandbox_url: str) -> Sample:
    trigger = new_trigger_id(time.time())
    body, headers = signed_command(secret, sandbox_url, trigger)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            why = judge(response.status, text)
    except TimeoutError:
        why = "timeout"
    except aiohttp.ClientError as exc:
        why = type(exc).__name__
    elapsed = (time.perf_counter() - started) * 1000
    if not why and elapsed > ACK_DEADLINE * 1000:
        why = "late"
    return Sample(elapsed, not why, why, task_id_for(TEAM_ID, trigger))


def client_session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=ACK_DEADLINE))


async def open_connections(session: aiohttp.ClientSession, url: str, concurrency: int) -> None:
    """Open the keep-alive connections with cheap GETs, so the measured requests do not pay for connecting."""

    async def get() -> None:
        async with session.get(url) as response:
            await response.read()

    await asyncio.gather(*(get() for _ in range(concurrency)))


async def run_load(
    session: aiohttp.ClientSession, url: str, *, secret: str, sandbox_url: str, requests: int, concurrency: int
) -> list[Sample]:
    counter = itertools.count()
    samples: list[Sample] = []

    async def worker() -> None:
        while next(counter) < requests:
            samples.append(await _one(session, url, secret, sandbox_url))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) over sorted values."""
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Summary:
    """All samples of one app at one concurrency, pooled over the rounds, and its process's CPU per request."""

    app: str
    concurrency: int
    samples: list[Sample] = field(default_factory=list)
    cpu_ms_per_request: float = float("nan")

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def failures(self) -> int:
        return sum(not s.ok for s in self.samples)

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sample in self.samples:
            if not sample.ok:
                counts[sample.why] = counts.get(sample.why, 0) + 1
        return counts

    def p(self, q: float) -> float:
        return percentile(sorted(s.latency_ms for s in self.samples), q)


@dataclass(frozen=True)
class Phase:
    samples: list[Sample]
    cpu_seconds: float


def summarize(app: str, concurrency: int, phases: list[Phase]) -> Summary:
    samples = [s for phase in phases for s in phase.samples]
    cpu = sum(phase.cpu_seconds for phase in phases)
    return Summary(app, concurrency, samples, cpu * 1000 / len(samples) if samples else float("nan"))
