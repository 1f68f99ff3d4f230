"""The signing helper against python-slack-sdk's own test vector, and against slack_sdk's verifier."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from bot.sandbox import sign_request
from bot.sandbox.signing import signature_for

VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TIMESTAMP = "1531420618"
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signature_matches_slack_sdk_test_vector() -> None:
    headers = sign_request(VECTOR_SECRET, VECTOR_BODY.encode(), int(VECTOR_TIMESTAMP))

    assert headers == {
        "X-Slack-Signature": VECTOR_SIGNATURE,
        "X-Slack-Request-Timestamp": VECTOR_TIMESTAMP,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    assert signature_for(VECTOR_SECRET, VECTOR_BODY.encode(), VECTOR_TIMESTAMP) == VECTOR_SIGNATURE


def test_signed_headers_pass_slack_sdk_verifier() -> None:
    body = b"token=x&text=restart%20api"
    headers = sign_request("another-secret", body, int(time.time()))

    assert SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert not SignatureVerifier("wrong-secret").is_valid_request(body, headers)


def test_stale_timestamp_is_refused_by_the_verifier() -> None:
    body = b"token=x"
    headers = sign_request("s", body, int(time.time()) - 301)

    assert not SignatureVerifier("s").is_valid_request(body, headers)
