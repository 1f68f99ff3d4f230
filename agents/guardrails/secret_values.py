"""How a value next to a credential's name is judged: a secret, or a placeholder, a path, a command, a word.

The detectors in `secrets` find where a value is written (after `password:`, in a URL, after "the password is");
these checks say whether it is one. Placeholders never count: `$VAR`, `${VAR}`, `<password>`, `{{ secret }}`,
`****`, and the words that name what belongs there (`password`, `your_api_key_here`). Well-known defaults count as
placeholders too (`changeme`, `changeit`, a URL whose password is its user's name, `guest:guest@`): they are
documented, so redacting them protects nothing, and texts that hold them are nearly always templates and docs.
Ops text talks about passwords far more often than it holds one ("the password is expired", "password rotation is
due", a man page's `passwd: Change a user's password`), so a plain word after "is" counts only when it is no status
or function word, and everywhere else the value must look like a password: a digit or a symbol in it.
"""

from __future__ import annotations

import math
from collections import Counter

from agents.guardrails._regex import compile_bytes

__all__ = [
    "aws_secret",
    "is_placeholder",
    "passphrase",
    "password_like",
    "password_value",
    "shannon_entropy",
    "stated_password",
    "token_value",
    "url_password",
    "weak_password_value",
]

_PLACEHOLDER_WORDS = frozenset({
    "none", "null", "nil", "true", "false", "undefined", "empty", "required", "optional", "string", "redacted", "xxx",
    "hidden", "masked", "omitted", "removed", "censored", "elided", "unset", "tbd", "todo", "n/a", "yes", "on", "off",
    "enabled", "disabled", "auto", "prompt", "interactive", "stdin", "generated", "random",
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
_NAMED_PLACEHOLDER = compile_bytes(
    r"^(?:(?:the|a|your|my|our|new|old|some|db|database|user|admin|root|app|api|access|auth|client|secret)[_-]?)*"
    r"(?:password|passwd|pass|pwd|pw|passphrase|secret|token|key|api[_-]?key|access[_-]?key|secret[_-]?key)"
    r"(?:[_-]?(?:here|goes[_-]?here|value))?$"
    r"|^change[_-]?(?:me|it|this)$|^(?:example|placeholder|dummy|sample)(?:[_-]\w+)?$",
    ignore_case=True,
)
_PATH = compile_bytes(
    r"^(?:[/~]|\.\.?/|[a-z][a-z0-9+.-]*://)|\.(?:json|pem|key|crt|cer|p12|pfx|txt|ya?ml|env|conf|cfg|ini|toml)$",
    ignore_case=True,
)
_MEASURE = compile_bytes(r"^\d+(?:[/.:,%-]\d*)+%?$")  # a score, a time, a ratio: 10/10, 12:30, 99.9%
_TOOL_PLACEHOLDER = compile_bytes(r"^\^?[A-Z]{3,}\d{0,2}\^?(?::\^?[A-Z]{3,}\d{0,2}\^?)?$")
_DOMAIN = compile_bytes(r"^[A-Za-z][A-Za-z-]*(?:\.[A-Za-z][A-Za-z-]*)+(?:/[\w./-]*)?$")
# After a bare word following `password:`, more words on the line: a sentence, not a value.
_PROSE_AFTER = compile_bytes(r"^[ \t]+(?:[a-z]+|[A-Z][a-z]+)(?:[ \t,.]|$)")
_SUFFIXES = ("ed", "ing", "ly", "able", "ible", "ful", "less", "ive", "ous", "ent", "ant", "ion", "ions", "ness")


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Values that stand for a secret rather than being one: `$VAR`, `${VAR}`, `<password>`, `****`, and the words
    that name what belongs there (`password`, `your_api_key_here`, `changeme`)."""
    stripped = value.strip("\"'`")
    if not stripped or stripped[0] in "$<‹{%[(" or stripped.lower() in _PLACEHOLDER_WORDS:
        return True
    if _NAMED_PLACEHOLDER.search(stripped.strip("[](){}").encode()) is not None:
        return True
    return set(stripped) <= set("*x•.#-_X")


def password_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value of `password: …` / `password=…`, unless it is a placeholder, a link, a command, or the first word of
    a sentence (`passwd: Change a user's password` in a man page's summary)."""
    value = text[start:end]
    if len(value) < 3 or is_placeholder(value) or "://" in value or _looks_like_code(text, start, value):
        return None
    if _opens_sentence(text, start, end) or (value.isalpha() and "passw" in value.lower()):
        return None  # a man page's summary, or a command that sets one: `smbpasswd`, `chpasswd`
    if _TOOL_PLACEHOLDER.search(value.encode()) is not None:
        return None  # where a brute-force tool puts its word list: `password=FILE0`, `^PASS^`
    return start, end


def _opens_sentence(text: str, start: int, end: int) -> bool:
    """`passwd: Change a user's password.`: after a colon, a word that a sentence goes on from."""
    if not text[start:end].isalpha() or _quoted(text, start) or not text[:start].rstrip().endswith(":"):
        return False
    return _PROSE_AFTER.search(_rest(text, end)) is not None


def weak_password_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """After a short key (`pass:`, `pwd=`), which is also a command, a flag or a path: a value that looks like one."""
    span = password_value(text, start, end)
    if span is None or not (_quoted(text, start) or _looks_like_password(text[start:end])):
        return None
    return None if _MEASURE.search(text[start:end].encode()) is not None else span


def _looks_like_code(text: str, start: int, value: str) -> bool:
    """A command line or a template where a value would go: `pwd -P`, `rbw get "{{entry}}"`, `…`-quoted words."""
    if "{{" in value or "}}" in value or ("<" in value and ">" in value):
        return True
    spaced = any(ch.isspace() for ch in value)
    return spaced and (text[start - 1 : start] == "`" or " -" in value or "|" in value)


def _rest(text: str, end: int) -> bytes:
    return text[end : end + 24].split("\n", 1)[0].encode()


def token_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A value that looks random: two kinds of characters at least, no space, not a path or a file's name."""
    value = text[start:end]
    if len(value) < 8 or is_placeholder(value) or any(ch.isspace() for ch in value) or _PATH.search(value.encode()):
        return None
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    if classes < 2 or shannon_entropy(value) < 3.0:
        return None
    parts = value.replace("-", " ").replace("_", " ").replace(".", " ").split()
    words = [part for part in parts if part.isalpha() and not set(part.lower()) <= set("abcdef")]
    return None if len(words) >= 2 else (start, end)  # a name made of words: `prod-db-creds-v2`, `app_tls_2024`


def aws_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    window = text[max(0, start - 120) : start].lower()
    keyed = "aws" in window or "akia" in window or "asia" in window or "secret" in window
    if not keyed or shannon_entropy(value) < 4.0 or (value.isalnum() and (value.islower() or value.isupper())):
        return None
    return start, end


def url_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A URL's password, unless a placeholder or the user's name again (`guest:guest@`, a documented default)."""
    value = text[start:end]
    user = text[max(0, start - 130) : start - 1].rsplit("/", 1)[-1]
    return None if is_placeholder(value) or value == user else (start, end)


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
    if _looks_like_code(text, start, value) or (value.isalpha() and "passw" in value.lower()):
        return None
    if _TOOL_PLACEHOLDER.search(value.encode()) is not None:
        return None
    if "://" in value or value.lower().startswith(("vault:", "arn:", "ssm:", "secret/", "secrets/", "kv/")):
        return None
    if not quoted and (value.lower() in _FUNCTION_WORDS or value.lower() in _STATUS_WORDS):
        return None  # "the password is wrong", "set it to sha256"
    if not quoted and _MEASURE.search(value.encode()) is not None:
        return None  # "pass: 10/10", "pw: 12:30"
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
    """A digit or a symbol in it: `hunter2`, `s3cr3t!`; a hyphen or a slash between letters does not count
    (`AD-synced`, `protect/encrypt`)."""
    core = value[:1] + value[1:-1].replace("-", "").replace("/", "") + value[-1:]
    return any(ch.isdigit() or not (ch.isalnum() or ch.isspace()) for ch in core)


def password_like(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the words around a value say little ("use password …"): it must look like one, or be quoted."""
    span = _prose_value(text, start, end)
    if span is None or _quoted(text, start):
        return span
    value = text[span[0] : span[1]]
    if not _looks_like_password(value) or _DOMAIN.search(value.encode()) is not None:
        return None  # "-a username:password example.org": a host, not a password
    return span


def stated_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """After "the password is": a plain word too (`swordfish`), unless it reads like one about the password
    (`protected`, `changeable`, `LDAP`)."""
    span = _prose_value(text, start, end)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    if _opens_sentence(text, span[0], span[1]):
        return None
    if _looks_like_password(value) or _quoted(text, start):
        return span
    return None if value.lower().endswith(_SUFFIXES) or value.isupper() else span


def passphrase(text: str, start: int, end: int) -> tuple[int, int] | None:
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
