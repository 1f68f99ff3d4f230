"""Secret detectors: credentials that are always redacted, whatever the policy says about personal data.

Known token formats are matched by their prefixes (Slack, GitHub, AWS, Anthropic and other providers), private
key blocks and JWTs by their structure, and passwords where they are written down: in a connection string
(`postgres://app:PASSWORD@db`) or assigned to a key named like a credential. Values assigned to token-like keys
are redacted only when they look random enough, so `token=true` or `token=$TOKEN` stay.

Passwords written in prose ("the db password is hunter2", "password for grafana admin: s3cr3t!", "login with
admin / P@ssw0rd123", "la contraseña es …") are found by the word, an optional "for <whom>", a link ("is", ":",
"set to") and the value. Ops text talks about passwords far more often than it holds one ("the password is
expired", "password rotation is due"), so a plain word after "is" counts only when it is no status or function
word, and everywhere else the value must look like a password: a digit or a symbol in it.
"""

from __future__ import annotations

import math
from collections import Counter

from agents.guardrails._regex import compile_bytes
from agents.guardrails.entities import Detector

__all__ = ["SECRET_DETECTORS", "is_placeholder", "shannon_entropy"]

_PLACEHOLDER_WORDS = frozenset({
    "none", "null", "nil", "true", "false", "undefined", "empty", "required", "optional", "string", "redacted", "xxx",
    "hidden", "masked", "omitted", "removed", "censored", "elided", "unset", "tbd", "todo", "n/a",
})  # fmt: skip
# Words that follow "the password is" without being the password: what it is like, where it is, what became of it.
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "my", "your", "our", "their", "his", "her",
    "mine", "yours", "ours", "theirs", "whose", "which", "what", "where", "who", "how", "when", "why", "in", "on",
    "at", "to", "of", "for", "from", "by", "with", "without", "via", "into", "onto", "over", "under", "about",
    "after", "before", "since", "until", "and", "or", "but", "nor", "not", "no", "yes", "so", "too", "very", "also",
    "just", "only", "still", "now", "then", "again", "already", "soon", "yet", "here", "there", "below", "above",
    "somewhere", "elsewhere", "anywhere", "nowhere", "same", "different", "today", "tomorrow", "yesterday", "always",
    "never", "often", "usually", "being", "been", "be", "is", "are", "was", "were", "kept", "known", "shown", "given",
    "written", "done", "put", "held", "sent", "shared", "stolen", "lost", "found", "made", "hidden", "broken",
    "forgotten", "gotten", "set", "reset", "rotated", "due",
})  # fmt: skip
_STATUS_WORDS = frozenset({
    "wrong", "correct", "incorrect", "right", "invalid", "valid", "expired", "expiring", "weak", "strong", "secure",
    "insecure", "short", "long", "blank", "missing", "mandatory", "new", "old", "temporary", "temp", "default",
    "unknown", "fine", "good", "bad", "ok", "okay", "case", "sensitive", "unchanged", "compromised", "leaked",
    "exposed", "visible", "random", "unique", "complex", "simple", "easy", "hard", "ready", "available",
    "unavailable", "gone", "pending", "active", "inactive", "disabled", "enabled", "locked", "unlocked", "stale",
    "fresh", "current", "previous", "next", "plain", "plaintext", "clear", "cleartext", "bcrypt", "argon2", "sha256",
    "sha512", "pbkdf2", "scrypt",
})  # fmt: skip
_UNIT_AFTER = compile_bytes(
    r"^\s*(?:days?|chars?|characters?|digits?|letters?|bits?|bytes?|hours?|minutes?|weeks?|months?|years?|times)\b",
    ignore_case=True,
)
_SUFFIXES = ("ed", "ing", "ly", "able", "ible", "ful", "less", "ive", "ous", "ent", "ant", "ion", "ions", "ness")


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Values that stand for a secret rather than being one: `$VAR`, `${VAR}`, `<password>`, `****`."""
    stripped = value.strip("\"'`")
    if not stripped or stripped[0] in "$<‹{%[(" or stripped.lower() in _PLACEHOLDER_WORDS:
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


def _prose_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a value written in a sentence, without the punctuation that ends the sentence after it; None
    for words that refer to a password or say how it is rather than being one: a placeholder, a variable, a path,
    a flag, a version, "wrong"."""
    quoted = _quoted(text, start)
    if not quoted:
        while end > start and text[end - 1] in ".,;:)]}>?\"'”":
            end -= 1
        if end - start > 2 and text[start] == text[end - 1] and text[start] in "*_~":
            start, end = start + 1, end - 1  # Slack markup: *hunter2*
    value = text[start:end]
    if not 4 <= len(value) <= 128 or value != value.strip() or value[0] in "-/~." or is_placeholder(value):
        return None
    if "://" in value or value.lower().startswith(("vault:", "arn:", "ssm:", "secret/", "secrets/", "kv/")):
        return None
    if not quoted and (value.lower() in _FUNCTION_WORDS or value.lower() in _STATUS_WORDS):
        return None  # "the password is wrong", "set it to sha256"
    if value.isupper() and "_" in value and value.replace("_", "").isalnum():
        return None  # DB_PASSWORD: the name of a variable
    number = value.lstrip("vV").rstrip("xX%+")
    if number != value and number.replace(".", "").isdigit():
        return None  # a version or a quantity: 1.42.0, 1.5x, 20%
    if value.isdigit() and _UNIT_AFTER.search(text[end : end + 16].encode()) is not None:
        return None  # 1000 days
    return start, end


def _quoted(text: str, start: int) -> bool:
    return text[start - 1 : start] in ('"', "'", "`", "“")


def _looks_like_password(value: str) -> bool:
    """A digit or a symbol in it: `hunter2`, `s3cr3t!`; a hyphen between letters does not count (`AD-synced`)."""
    core = value[:1] + value[1:-1].replace("-", "") + value[-1:]
    return any(ch.isdigit() or not (ch.isalnum() or ch.isspace()) for ch in core)


def _password_like(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the words around a value say little ("use password …"): it must look like one, or be quoted."""
    span = _prose_value(text, start, end)
    if span is None or not (_quoted(text, start) or _looks_like_password(text[span[0] : span[1]])):
        return None
    return span


def _stated_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """After "the password is": a plain word too (`swordfish`), unless it reads like one about the password
    (`protected`, `changeable`, `LDAP`)."""
    span = _prose_value(text, start, end)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    if _looks_like_password(value) or _quoted(text, start):
        return span
    return None if value.lower().endswith(_SUFFIXES) or value.isupper() else span


def _passphrase(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Three words or more, up to the first one that prose would use around a passphrase rather than in it."""
    words: list[tuple[int, int]] = []
    position = start
    for word in text[start:end].split():
        position = text.index(word, position)
        if word.lower() in _FUNCTION_WORDS or word.lower().endswith(("ed", "ing", "ly")):
            break
        words.append((position, position + len(word)))
        position += len(word)
    return (words[0][0], words[-1][1]) if len(words) >= 3 else None


_PASSWORD_KEYS = r"(?:password|passwd|pwd|pass|passphrase|db_pass|db_password|mysql_pwd|pgpassword)"
_TOKEN_KEYS = (
    r"(?:secret|client_secret|secret_key|api_key|apikey|api-key|access_key|access_token|auth_token|refresh_token"
    r"|token|private_key|credentials?|signing_key|session_key|webhook_secret|bot_token|app_token)"
)
_PROSE_KEYS = r"(?:password|passwd|passphrase|passcode)"
_FOREIGN_KEYS = (
    r"(?:\b(?:contraseña|contrasena|clave|mot\s+de\s+passe|passwort|kennwort|senha|wachtwoord|lösenord|hasło|haslo)"
    r"|пароль)"
)
# "for grafana admin", "of the root user", "de la base de datos": lazy, so the first link after the key ends it.
_FOR = r"(?:\s+(?:for|of|on|to|at)(?:\s+[\w.@/-]+){1,4}?)?"
_FOREIGN_FOR = r"(?:\s+(?:de|del|du|des|für|von|vom|do|da|di|della|van|voor|dla|для)(?:\s+[\p{L}\d_.@/-]+){1,4}?)?"
_IS = r"(?:\s*[:=]\s*|\s+(?:is|was|equals)(?:\s+(?:now|still|currently))?:?\s+)"
_FOREIGN_IS = r"(?:\s*[:=]\s*|\s+(?:es|era|est|ist|lautet|war|é|è|is|jest|to|är|—)\s+)"
_SET_TO = r"\s+(?:(?:is|was|has\s+been|been)\s+)?(?:set|changed|reset|updated|rotated)\s+to\s+|\s+to\s+"
_LOGIN = r"\b(?:log\s*in|logon|sign\s*in|signin|creds?|credentials?)\b(?:\s+(?:with|as|using|is|are))?:?\s+"
# The value: double-, single-, back- or curly-quoted, or a run of non-space (groups 1 to 5); where only a value
# that looks like a password counts, a run with something else than letters in it ("password file" never runs).
_QUOTED = r"\"([^\"\n]+)\"|'([^'\n]+)'|`([^`\n]+)`|“([^”\n]+)”"
_PROSE_VALUE = rf"(?:{_QUOTED}|([^\s\"'`]+))"
_MARKED_VALUE = rf"(?:{_QUOTED}|([^\s\"'`]*[^\s\"'`\pL][^\s\"'`]*))"
_PROSE_PASSWORD = (
    rf"(?:\b(?:pw|pwd)\b{_FOR}{_IS}"  # "root pw is …": a short key needs a value that looks like a password
    rf"|{_FOREIGN_KEYS}{_FOREIGN_FOR}{_FOREIGN_IS}"
    rf"|\b(?:{_PROSE_KEYS}|pw|pwd)\b{_FOR}(?:{_SET_TO})"  # "change the password for bob to …"
    rf"|\b{_PROSE_KEYS}[ \t]+"  # "use password …", on one line
    rf"|{_LOGIN}[\w.@+-]+\s*/\s*|\bcred(?:s|entials?)\b(?:\s+(?:are|is))?:?\s+[\w.@+-]+:)"  # admin / …
    rf"{_MARKED_VALUE}"
)
_WORDS = r"([a-z]+(?:[ \t]+[a-z]+){2,7})"
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
    Detector.of(
        "PASSWORD",
        "secret",
        rf"\b{_PROSE_KEYS}\b{_FOR}{_IS}{_PROSE_VALUE}",
        5,
        group=-5,
        check=_stated_password,
        ignore_case=True,
    ),
    Detector.of("PASSWORD", "secret", _PROSE_PASSWORD, 5, group=-5, check=_password_like, ignore_case=True),
    Detector.of(
        "PASSWORD",
        "secret",
        rf"\bpass(?:word|phrase)\b{_FOR}{_IS}{_WORDS}|\b(?:use|using|with|enter|type|try)\s+(?:the\s+)?passphrase\s+{_WORDS}",
        5,
        group=-2,
        check=_passphrase,
        ignore_case=True,
    ),
)
