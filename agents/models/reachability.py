"""Whether Claude answers with the configured key and model, at the price of a token count (which is free).

`opsgate doctor` asks this; it lives here because only `agents/` imports the SDK. The errors are sorted by
`classify`, so the caller can say who must act (fix the key, pick another model, check the network).
"""

from __future__ import annotations

from dataclasses import dataclass

import anthropic

from agents.models.base import ModelErrorKind
from agents.models.claude import NO_SDK_TELEMETRY, classify

__all__ = ["Reachability", "reachable"]


@dataclass(frozen=True)
class Reachability:
    ok: bool
    detail: str
    kind: ModelErrorKind | None = None


async def reachable(*, api_key: str, model: str, base_url: str | None = None, timeout: float = 5.0) -> Reachability:
    """Count the tokens of a one-word message with `model`: one attempt, no retries, bounded by `timeout`."""
    client = anthropic.AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout, open_telemetry=NO_SDK_TELEMETRY
    )
    try:
        counted = await client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "ping"}])
    except Exception as exc:
        error = classify(exc)
        if error is None:
            raise
        return Reachability(ok=False, detail=str(error), kind=error.kind)
    finally:
        await client.close()
    return Reachability(ok=True, detail=f"{model} answered a token count ({counted.input_tokens} tokens)")
