"""The envelope: what the bot signs when it asks the worker to act on a person's behalf.

Restate's ingress has no authentication, so a caller who reaches it could name any person in a request body.
Every call the bot makes carries an envelope in the `x-opsgate-envelope` header: who acts (team, user), on which
service, handler and key, the SHA-256 of the exact body, when it was issued and when it expires, and a nonce
(Slack's `trigger_id` or `action_ts`), MACed with a key the bot and the worker share. The worker acts as the
envelope's actor, never as a user named in the body.

Keys live in a keyring: the first key signs, every key verifies, so the worker can learn a new key before the bot
starts signing with it (and keep the old one until no envelope signed with it can still be in flight).

Pure code (no Restate, no I/O): the bot signs with it, `handlers.verified` checks it inside a durable step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "ENVELOPE_HEADER",
    "MAX_LIFETIME_S",
    "SKEW_S",
    "SYSTEM_USER",
    "Actor",
    "Claims",
    "EnvelopeError",
    "Keyring",
    "SigningKey",
    "SlackId",
    "body_digest",
    "open_envelope",
    "seal_envelope",
    "sealed_header",
]

ENVELOPE_HEADER = "x-opsgate-envelope"
MAX_LIFETIME_S = 600.0
SKEW_S = 60.0
SYSTEM_USER = "opsgate"
"""The actor of what opsgate does on nobody's behalf (a scheduled digest, a paused-invocation alert)."""
_KEY_ID = r"^[A-Za-z0-9_.-]{1,32}$"


class EnvelopeError(Exception):
    """The envelope is missing, malformed, forged, expired, or for another call; the message says which."""


SlackId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
"""A team, enterprise, user or channel id as Slack writes them (T0…, E0…, U0…, W0…, C0…)."""


class Actor(BaseModel):
    """A person as Slack knows them: user ids are unique only within a team."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: SlackId
    user: SlackId

    @property
    def system(self) -> bool:
        return self.user == SYSTEM_USER

    @classmethod
    def opsgate(cls, team_id: str = "") -> Actor:
        """opsgate itself (a schedule or a watch, not a person), in the name of the home team when there is one."""
        return cls(team=team_id or SYSTEM_USER, user=SYSTEM_USER)


class Claims(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: int = 1
    kid: str = Field(pattern=_KEY_ID)
    actor: Actor
    service: str = Field(max_length=128)
    handler: str = Field(max_length=128)
    key: str = Field(max_length=256)
    body: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw request body, hex.")
    iat: float
    exp: float
    nonce: str = Field(min_length=1, max_length=128)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes


class Keyring:
    """Keys shared by bot and worker; the first signs, all verify."""

    def __init__(self, keys: Sequence[SigningKey]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        if any(len(key.secret) < 32 for key in keys):
            raise ValueError("every envelope key must have at least 32 bytes")
        self._keys = list(keys)
        self._by_id = {key.kid: key for key in keys}

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    def get(self, kid: str) -> SigningKey | None:
        return self._by_id.get(kid)

    @classmethod
    def generate(cls) -> Keyring:
        return cls([SigningKey(kid=f"k{secrets.token_hex(4)}", secret=secrets.token_bytes(32))])

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """`kid:base64secret` entries separated by commas or newlines, the signing key first."""
        keys = []
        for entry in text.replace("\n", ",").split(","):
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid:
                raise ValueError("each envelope key is written kid:base64secret")
            try:
                secret = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise ValueError(f"envelope key {kid!r} is not valid base64") from None
            keys.append(SigningKey(kid=kid, secret=secret))
        return cls(keys)

    def render(self) -> str:
        return "\n".join(f"{key.kid}:{base64.b64encode(key.secret).decode()}" for key in self._keys) + "\n"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: SigningKey, payload: str) -> str:
    return _b64(hmac.new(key.secret, payload.encode(), hashlib.sha256).digest())


def seal_envelope(
    keyring: Keyring,
    actor: Actor,
    *,
    service: str,
    handler: str,
    key: str,
    body: bytes,
    nonce: str,
    now: float,
    lifetime_s: float = MAX_LIFETIME_S,
) -> str:
    """The header value for one call: `base64url(claims).base64url(mac)`."""
    signing = keyring.current
    claims = Claims(
        kid=signing.kid,
        actor=actor,
        service=service,
        handler=handler,
        key=key,
        body=body_digest(body),
        iat=now,
        exp=now + min(lifetime_s, MAX_LIFETIME_S),
        nonce=nonce[:128] or "-",
    )
    payload = _b64(claims.model_dump_json().encode())
    return f"{payload}.{_mac(signing, payload)}"


def sealed_header(
    keyring: Keyring,
    actor: Actor,
    *,
    service: str,
    key: str,
    handler: str,
    body: str | None,
    nonce: str,
    now: float,
) -> dict[str, str]:
    """The header a call for `actor` carries, over the exact text of its body (None: an empty body)."""
    raw = body.encode() if body is not None else b""
    envelope = seal_envelope(keyring, actor, service=service, handler=handler, key=key, body=raw, nonce=nonce, now=now)
    return {ENVELOPE_HEADER: envelope}


def open_envelope(
    keyring: Keyring, header: str | None, *, service: str, handler: str, key: str, body: bytes, now: float
) -> Claims:
    """The verified claims of `header` for this very call, or `EnvelopeError` saying what is wrong."""
    if not header:
        raise EnvelopeError("no envelope: this handler acts only for a person the bot verified")
    payload, dot, mac = header.partition(".")
    if not dot or len(header) > 4096:
        raise EnvelopeError("malformed envelope")
    try:
        claims = Claims.model_validate(json.loads(_unb64(payload)))
    except (ValueError, ValidationError):
        raise EnvelopeError("malformed envelope") from None
    signing = keyring.get(claims.kid)
    if signing is None:
        raise EnvelopeError(f"envelope signed with an unknown key {claims.kid!r}")
    if not hmac.compare_digest(_mac(signing, payload), mac):
        raise EnvelopeError("forged envelope: the signature does not match")
    if (claims.service, claims.handler, claims.key) != (service, handler, key):
        raise EnvelopeError("envelope for another call")
    if not hmac.compare_digest(claims.body, body_digest(body)):
        raise EnvelopeError("envelope for another body")
    if claims.exp - claims.iat > MAX_LIFETIME_S + 1e-6:
        raise EnvelopeError("envelope lives too long")
    if claims.iat > now + SKEW_S:
        raise EnvelopeError("envelope issued in the future")
    if now > claims.exp + SKEW_S:
        raise EnvelopeError("envelope expired")
    return claims
