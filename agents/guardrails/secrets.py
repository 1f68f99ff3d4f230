"""Secret detectors: credentials that are always redacted, whatever the policy says about personal data.

Known token formats are matched by their prefixes (Slack, GitHub, AWS, Anthropic and other providers), private
key blocks and JWTs by their structure, and passwords where they are written down: in a connection string
(`postgres://app:PASSWORD@db`) or assigned to a key named like a credential. Values assigned to token-like keys
are redacted only when they look random enough, so `token=true` or `token=$TOKEN` stay.
"""

from __future__ import annotations

import math
from collections import Counter

from agents.guardrails.entities import Detector

__all__ = ["SECRET_DETECTORS", "is_placeholder", "shannon_entropy"]

_PLACEHOLDER_WORDS = frozenset(
    {"none", "null", "nil", "true", "false", "undefined", "empty", "required", "optional", "string", "redacted", "xxx"}
)


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Values that stand for a secret rather than being one: `$VAR`, `${VAR}`, `<password>`, `****`."""
    stripped = value.strip("\"'`")
    if not stripped or stripped[0] in "$<{%[(" or stripped.lower() in _PLACEHOLDER_WORDS:
        return True
    return set(stripped) <= set("*x•.#-_X")


def _password_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    return None if len(value) < 3 or is_placeholder(value) else (start, end)


def _token_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    if len(value) < 8 or is_placeholder(value):
        return None
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    return (start, end) if classes >= 2 and shannon_entropy(value) >= 3.0 else None


def _aws_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    window = text[max(0, start - 120) : start].lower()
    keyed = "aws" in window or "akia" in window or "asia" in window or "secret" in window
    if not keyed or shannon_entropy(value) < 4.0 or (value.isalnum() and (value.islower() or value.isupper())):
        return None
    return start, end


def _placeholder_free(text: str, start: int, end: int) -> tuple[int, int] | None:
    return None if is_placeholder(text[start:end]) else (start, end)


_PASSWORD_KEYS = r"(?:password|passwd|pwd|pass|passphrase|db_pass|db_password|mysql_pwd|pgpassword)"
_TOKEN_KEYS = (
    r"(?:secret|client_secret|secret_key|api_key|apikey|api-key|access_key|access_token|auth_token|refresh_token"
    r"|token|private_key|credentials?|signing_key|session_key|webhook_secret|bot_token|app_token)"
)
# key, then `:`/`=`/`=>`, then the value: double-quoted, single-quoted or bare (groups 1, 2, 3).
_ASSIGN = (
    r"\b{keys}\b[\"']?\s*(?::|=|=>)\s*"
    r"(?:\"([^\"\s][^\"\n]{{0,255}})\"|'([^'\s][^'\n]{{0,255}})'|([^\s\"',;&}}\]]{{1,256}}))"
)

SECRET_DETECTORS: tuple[Detector, ...] = (
    Detector.of(
        "PRIVATE_KEY",
        "secret",
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?s:.)*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,.-]*)",  # noqa: E501
        0,
    ),
    Detector.of("SLACK_TOKEN", "secret", r"\bxox[abposrce]-[0-9A-Za-z-]{10,250}|\bxapp-\d-[A-Za-z0-9-]{10,250}", 1),
    Detector.of(
        "SLACK_WEBHOOK", "secret", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,}", 1
    ),
    Detector.of("GITHUB_TOKEN", "secret", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", 1),
    Detector.of(
        "AWS_ACCESS_KEY", "secret", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", 1
    ),
    Detector.of(
        "AWS_SECRET_KEY",
        "secret",
        r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        3,
        group=1,
        check=_aws_secret,
    ),
    Detector.of("ANTHROPIC_API_KEY", "secret", r"\bsk-ant-[A-Za-z0-9_-]{20,300}", 1),
    Detector.of(
        "API_KEY",
        "secret",
        r"\b(?:sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,300}|AIza[0-9A-Za-z_-]{35}|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"
        r"|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        2,
    ),
    Detector.of("JWT", "secret", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", 1),
    Detector.of(
        "BEARER_TOKEN", "secret", r"\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{16,}=*)", 2, group=1, ignore_case=True
    ),
    Detector.of(
        "PASSWORD",
        "secret",
        r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]{1,128}:([^\s@/'\"]{1,256})@",
        2,
        group=1,
        check=_placeholder_free,
        ignore_case=True,
    ),
    Detector.of(
        "PASSWORD", "secret", _ASSIGN.format(keys=_PASSWORD_KEYS), 4, group=-3, check=_password_value, ignore_case=True
    ),
    Detector.of(
        "SECRET", "secret", _ASSIGN.format(keys=_TOKEN_KEYS), 4, group=-3, check=_token_value, ignore_case=True
    ),
)
