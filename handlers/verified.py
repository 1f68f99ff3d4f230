"""The worker's side of the envelope: a handler that acts for a person checks the bot's envelope first.

The check is the handler's first durable step, so a replay (minutes or days later, after the envelope expired)
reuses the verdict instead of checking the clock again. A refused envelope ends the call with a `TerminalError`
(401) before the handler does anything; the handler then acts as the verified actor, never as a user named in
its body. An envelope is good for one invocation: a second one presenting it is refused as a replay
(`handlers.envelope_uses`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from restate import Context, RunOptions, TerminalError

from handlers.contracts.envelope import ENVELOPE_HEADER, SKEW_S, Actor, EnvelopeError, Keyring, open_envelope
from handlers.envelope_uses import EnvelopeLedger
from handlers.steps import DB_WRITE_RETRY

__all__ = ["UNVERIFIED", "Verdict", "Verifier", "verified_actor"]

log = logging.getLogger(__name__)
UNVERIFIED = 401


@dataclass(frozen=True)
class Verifier:
    """What the worker checks a person's call with: the bot's keyring, and the envelopes already used."""

    keyring: Keyring
    uses: EnvelopeLedger


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    actor: Actor | None = None
    issued_at: float = 0.0
    refusal: str = ""


async def verified_actor(ctx: Context, verifier: Verifier, service: str, handler: str, key: str = "") -> Verdict:
    """The envelope's actor for this invocation (journaled), or a `TerminalError` (401) when there is none."""
    request = ctx.request()
    headers = {name.lower(): value for name, value in request.headers.items()}
    header = headers.get(ENVELOPE_HEADER)

    async def check() -> Verdict:
        try:
            claims = open_envelope(
                verifier.keyring,
                header,
                service=service,
                handler=handler,
                key=key,
                body=bytes(request.body),
                now=time.time(),  # inside the step: a replay reuses the verdict, not the clock
            )
        except EnvelopeError as exc:
            log.warning("refused a call to %s/%s/%s: %s", service, key, handler, exc)
            return Verdict(refusal=str(exc))
        mac = (header or "").rpartition(".")[2]
        first = await asyncio.to_thread(
            verifier.uses.claim, mac, request.id, expires_at=claims.exp + SKEW_S, now=time.time()
        )
        if not first:
            log.warning("refused a replayed envelope for %s/%s/%s (nonce %s)", service, key, handler, claims.nonce)
            return Verdict(refusal="replayed envelope: it was already used by another call")
        return Verdict(actor=claims.actor, issued_at=claims.iat)

    # Retried when the database fails: a claim by the same invocation is accepted again.
    options: RunOptions[Verdict] = DB_WRITE_RETRY.options(Verdict)
    verdict = await ctx.run_typed(f"auth: envelope {handler}", check, options)
    if verdict.actor is None:
        raise TerminalError(f"refused: {verdict.refusal}", status_code=UNVERIFIED)
    return verdict
