"""The worker's side of the envelope: a handler that acts for a person checks the bot's envelope first.

The check is the handler's first durable step, so a replay (minutes or days later, after the envelope expired)
reuses the verdict instead of checking the clock again. A refused envelope ends the call with a `TerminalError`
(401) before the handler does anything; the handler then acts as the verified actor, never as a user named in
its body.
"""

from __future__ import annotations

import logging
import time

from pydantic import BaseModel, ConfigDict
from restate import Context, RunOptions, TerminalError

from handlers.contracts.envelope import ENVELOPE_HEADER, Actor, EnvelopeError, Keyring, open_envelope
from handlers.steps import ONE_ATTEMPT

__all__ = ["UNVERIFIED", "Verdict", "verified_actor"]

log = logging.getLogger(__name__)
UNVERIFIED = 401


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    actor: Actor | None = None
    issued_at: float = 0.0
    refusal: str = ""


async def verified_actor(ctx: Context, keyring: Keyring, service: str, handler: str, key: str = "") -> Verdict:
    """The envelope's actor for this invocation (journaled), or a `TerminalError` (401) when there is none."""
    request = ctx.request()
    headers = {name.lower(): value for name, value in request.headers.items()}

    async def check() -> Verdict:
        try:
            claims = open_envelope(
                keyring,
                headers.get(ENVELOPE_HEADER),
                service=service,
                handler=handler,
                key=key,
                body=bytes(request.body),
                now=time.time(),  # inside the step: a replay reuses the verdict, not the clock
            )
        except EnvelopeError as exc:
            log.warning("refused a call to %s/%s/%s: %s", service, key, handler, exc)
            return Verdict(refusal=str(exc))
        return Verdict(actor=claims.actor, issued_at=claims.iat)

    once: RunOptions[Verdict] = ONE_ATTEMPT.options(Verdict)
    verdict = await ctx.run_typed(f"auth: envelope {handler}", check, once)
    if verdict.actor is None:
        raise TerminalError(f"refused: {verdict.refusal}", status_code=UNVERIFIED)
    return verdict
