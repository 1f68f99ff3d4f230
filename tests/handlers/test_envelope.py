"""The bot's envelope: what the worker accepts, and everything it refuses."""

from __future__ import annotations

import base64
import json

import pytest

from handlers.contracts.envelope import (
    MAX_LIFETIME_S,
    Actor,
    EnvelopeError,
    Keyring,
    SigningKey,
    open_envelope,
    seal_envelope,
)

ALICE = Actor(team="T0SANDBOX", user="U0ALICE")
NOW = 1_800_000_000.0
BODY = b'{"voter": "U0ALICE", "approve": true}'
CALL = {"service": "Approval", "handler": "vote", "key": "a-1"}


def seal(keyring: Keyring, **changes: object) -> str:
    options: dict[str, object] = {**CALL, "body": BODY, "nonce": "trigger-1", "now": NOW} | changes
    return seal_envelope(keyring, ALICE, **options)  # type: ignore[arg-type]


def test_the_worker_reads_the_actor_of_an_envelope_for_this_very_call() -> None:
    keyring = Keyring.generate()
    claims = open_envelope(keyring, seal(keyring), body=BODY, now=NOW + 5, **CALL)
    assert claims.actor == ALICE
    assert claims.nonce == "trigger-1"
    assert claims.exp - claims.iat == MAX_LIFETIME_S


@pytest.mark.parametrize(
    ("call", "body", "why"),
    [
        ({**CALL, "key": "a-2"}, BODY, "another call"),
        ({**CALL, "handler": "get"}, BODY, "another call"),
        ({**CALL, "service": "Switches"}, BODY, "another call"),
        (CALL, BODY.replace(b"true", b"false"), "another body"),
    ],
)
def test_an_envelope_replayed_on_another_call_or_body_is_refused(call: dict[str, str], body: bytes, why: str) -> None:
    keyring = Keyring.generate()
    with pytest.raises(EnvelopeError, match=why):
        open_envelope(keyring, seal(keyring), body=body, now=NOW, **call)


def test_an_envelope_from_another_key_or_with_its_claims_changed_is_forged() -> None:
    keyring, stranger = Keyring.generate(), Keyring.generate()
    with pytest.raises(EnvelopeError, match="unknown key"):
        open_envelope(keyring, seal(stranger), body=BODY, now=NOW, **CALL)
    same_id = Keyring([SigningKey(kid=keyring.current.kid, secret=b"x" * 32)])
    with pytest.raises(EnvelopeError, match="forged"):
        open_envelope(keyring, seal(same_id), body=BODY, now=NOW, **CALL)
    payload, mac = seal(keyring).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["actor"]["user"] = "U0BOB"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(EnvelopeError, match="forged"):
        open_envelope(keyring, f"{tampered}.{mac}", body=BODY, now=NOW, **CALL)


@pytest.mark.parametrize(
    ("now", "why"),
    [(NOW + MAX_LIFETIME_S + 61, "expired"), (NOW - 61, "future")],
)
def test_an_envelope_outside_its_lifetime_and_the_skew_is_refused(now: float, why: str) -> None:
    keyring = Keyring.generate()
    with pytest.raises(EnvelopeError, match=why):
        open_envelope(keyring, seal(keyring), body=BODY, now=now, **CALL)
    open_envelope(keyring, seal(keyring), body=BODY, now=NOW + MAX_LIFETIME_S + 59, **CALL)  # within the skew


@pytest.mark.parametrize("header", [None, "", "nodot", "a.b", "!!!.???", "x" * 5000 + ".y"])
def test_a_missing_or_malformed_envelope_is_refused(header: str | None) -> None:
    with pytest.raises(EnvelopeError):
        open_envelope(Keyring.generate(), header, body=BODY, now=NOW, **CALL)


def test_keys_roll_the_worker_learns_the_new_key_before_the_bot_signs_with_it() -> None:
    old, new = Keyring.generate(), Keyring.generate()
    worker = Keyring([new.current, old.current])  # step 1: workers accept both
    assert open_envelope(worker, seal(old), body=BODY, now=NOW, **CALL).kid == old.current.kid
    assert open_envelope(worker, seal(new), body=BODY, now=NOW, **CALL).kid == new.current.kid
    assert Keyring.parse(worker.render()).current == new.current  # what `envelope.keys` holds reads back


@pytest.mark.parametrize(
    ("text", "why"),
    [("", "at least one key"), ("k1", "kid:base64"), ("k1:@@@", "base64"), ("k1:" + "QQ==", "32 bytes")],
)
def test_a_bad_keyring_is_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Keyring.parse(text)
