"""Slack's request signing, as a pure function, so tests and benchmarks can forge exactly what Slack sends.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 under the app's signing secret; the bot must refuse a
request whose signature or timestamp (more than five minutes off) does not check out.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def signature_for(secret: str, body: bytes, timestamp: int | str) -> str:
    """The `X-Slack-Signature` value: `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign_request(
    secret: str, body: bytes, timestamp: int | str, content_type: str = FORM_CONTENT_TYPE
) -> dict[str, str]:
    """The headers Slack sends with a request signed at `timestamp`: form-encoded for slash commands and
    interactions, `application/json` for Events API deliveries."""
    return {
        SIGNATURE_HEADER: signature_for(secret, body, timestamp),
        TIMESTAMP_HEADER: str(timestamp),
        "Content-Type": content_type,
    }
