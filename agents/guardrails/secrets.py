"""Secret detectors: credentials that are always redacted, whatever the policy says about personal data.

Known token formats are matched by their prefixes (Slack, GitHub, AWS, Anthropic; other vendors in
`secret_formats`), private key blocks and JWTs by their structure, and passwords where they are written down: in a
URL (`postgres://app:PASSWORD@db`, `redis://:PASSWORD@cache`), or assigned to a key named like a credential, also
inside a longer name (`DB_PASSWORD=`, `DD_API_KEY=`). Values assigned to token-like keys are redacted only when
they look random enough, so `token=true` or `token=$TOKEN` stay (`secret_values` judges the values).

Passwords written in prose ("the db password is hunter2", "password for grafana admin: s3cr3t!", "login with
admin / P@ssw0rd123", "pass is …", "la contraseña es …") are found by the word, an optional "for <whom>", a link
("is", ":", "->", "set to") and the value; tokens likewise ("the datadog app key is …"). These patterns are long,
and one RE2 set over all of them builds many automaton states on text it has not seen, so the prefilter looks
for their keywords alone (`hint`) and the pattern runs only on a text that has one. They use no Unicode letter
class (`\\p{L}`): one multiplied the prose pattern's states so that its first 4 KB text took ~5 ms; the runs are
broad ASCII classes, and the checks in `secret_values` say what is a letter.
"""

from __future__ import annotations

from agents.guardrails.entities import Check, Detector
from agents.guardrails.secret_formats import FORMAT_DETECTORS
from agents.guardrails.secret_values import (
    aws_secret,
    is_placeholder,
    passphrase,
    password_like,
    password_value,
    shannon_entropy,
    stated_password,
    token_value,
    url_password,
    weak_password_value,
)

__all__ = ["SECRET_DETECTORS", "is_placeholder", "shannon_entropy"]

# Keys whose value is a password. After an underscore a short one counts too (`DB_PASS=`, `MYSQL_PWD=`); alone,
# `pass`, `pwd` and `pw` are also a command, a flag and a path, so their value must look like a password.
_PASSWORD_KEYS = r"(?:(?:\b|_)(?:password|passwd|passphrase|passcode)|_(?:pass|pwd|pw)|\bpgpassword)"
_WEAK_PASSWORD_KEYS = r"\b(?:pass|pwd|pw)"
# Keys whose value is a token when it looks random; after an underscore as well (`DD_API_KEY=`, `STRIPE_SECRET=`).
_TOKEN_KEYS = (
    r"(?:\b|_)(?:secret|client_secret|secret_key|secret_key_base|secret_access_key|api_key|apikey|api-key"
    r"|access_key|access_token|auth_token|auth_key|authkey|refresh_token|session_token|id_token|sas_token|token"
    r"|private_key|credentials?|signing_key|session_key|webhook_secret|bot_token|app_token|app_key|appkey"
    r"|application_key|account_key|master_key|encryption_key|license_key)"
)
_PROSE_KEYS = r"(?:password|passwd|passphrase|passcode)"
# "the datadog app key is …", "bot token: …": a token named in prose (a bare "key" is too common to count).
_TOKEN_NAMES = (
    r"(?:(?:api|app|application|access|secret|private|license|master|account|auth|bot|bearer|service|deploy|refresh"
    r"|session|personal\s+access)[ \t]+(?:key|token)|token|secret)"
)
_FOREIGN_KEYS = (
    r"(?:\b(?:contraseña|contrasena|clave|mot\s+de\s+passe|passwort|kennwort|senha|wachtwoord|lösenord|hasło|haslo)"
    r"|пароль)"
)
# "for grafana admin", "of the root user", "de la base de datos": lazy, so the first link after the key ends it.
_FOR = r"(?:\s+(?:for|of|on|to|at)(?:\s+[\w.@/-]+){1,4}?)?"
_FOREIGN_FOR = r"(?:\s+(?:de|del|du|des|für|von|vom|do|da|di|della|van|voor|dla|для)(?:\s+[^\s:=]+){1,4}?)?"
_IS = r"(?:\s*(?:[:=]|->|=>)\s*|\s+(?:is|was|equals)(?:\s+(?:now|still|currently))?:?\s+)"
_FOREIGN_IS = r"(?:\s*[:=]\s*|\s+(?:es|era|est|ist|lautet|war|é|è|is|jest|to|är|—)\s+)"
_SET_TO = r"\s+(?:(?:is|was|has\s+been|been)\s+)?(?:set|changed|reset|updated|rotated)\s+to\s+|\s+to\s+"
_LOGIN = (  # "login as", "credentials for grafana:", "creds are"
    r"\b(?:log\s*in|logon|sign\s*in|signin|creds?|credentials?)\b(?:\s+for\s+[\w.@-]+)?"
    r"(?:\s+(?:with|as|using|is|are))?:?\s+"
)
# The value: double-, single-, back- or curly-quoted, or a run of non-space (groups 1 to 5); where only a value
# that looks like a password counts, a run with something else than ASCII letters in it ("password file" never
# runs; "café" does, and `password_like` drops it).
_QUOTED = r"\"([^\"\n]+)\"|'([^'\n]+)'|`([^`\n]+)`|“([^”\n]+)”"
_PROSE_VALUE = rf"(?:{_QUOTED}|([^\s\"'`]+))"
_MARKED_VALUE = rf"(?:{_QUOTED}|([^\s\"'`]*[^\s\"'`A-Za-z][^\s\"'`]*))"
_PROSE_PASSWORD = (
    rf"(?:\b(?:pw|pwd|pass)\b{_FOR}{_IS}"  # "root pw is …": a short key needs a value that looks like a password
    rf"|{_FOREIGN_KEYS}{_FOREIGN_FOR}{_FOREIGN_IS}"
    r"|\bpassword\s+(?:è|é|es|est|ist|era|är|jest)\s+"  # "la password è …"
    rf"|\b(?:{_PROSE_KEYS}|pw|pwd)\b{_FOR}(?:{_SET_TO})"  # "change the password for bob to …"
    rf"|\b(?:password|passphrase|passcode)[ \t]+"  # "use password …", on one line (`passwd 1000` is a command)
    rf"|{_LOGIN}[\w.@+-]+(?:\s*/\s*|:)|\bcred(?:s|entials?)\b(?:\s+(?:are|is))?:?\s+[\w.@+-]+:)"  # admin / …
    rf"{_MARKED_VALUE}"
)
_WORDS = r"([a-z]+(?:[ \t]+[a-z]+){2,7})"
# key, then `:`/`=`/`=>`, then the value: double-, single- or back-quoted (one word), or bare (groups 1 to 4).
_ASSIGN = (
    r"{keys}\b[\"']?\s*(?::|=|=>)\s*"
    r"(?:\"([^\"\s][^\"\n]{{0,255}})\"|'([^'\s][^'\n]{{0,255}})'|`([^`\s]{{1,256}})`|([^\s\"'`,;&}}\]]{{1,256}}))"
)
_LINKED = r"{keys}\b[\"']?\s*(?::|=|=>)"  # where an assignment starts: the key and its link
_AWS_CONTEXT = r"(?i:aws|akia|asia|secret)"  # what comes before an AWS secret key (`aws_secret`)
# Words a password in prose follows: the prose pattern's hint for the prefilter.
_PROSE_TRIGGER = (
    r"\b(?:pass|pw|log\s*in|logon|sign\s*in|signin|cred|contrase|clave|mot\s+de\s+passe|passwort|kennwort|senha"
    r"|wachtwoord|lösenord|hasło|haslo)|пароль"
)


def _assigned(label: str, keys: str, check: Check) -> Detector:
    """A value assigned to a key that names it (`DB_PASSWORD=…`, `"api_key": "…"`), kept when `check` says so."""
    return Detector.of(
        label,
        "secret",
        _ASSIGN.format(keys=keys),
        4,
        group=-4,
        check=check,
        ignore_case=True,
        hint=_LINKED.format(keys=keys),
    )


SECRET_DETECTORS: tuple[Detector, ...] = (
    Detector.of(
        "PRIVATE_KEY",
        "secret",
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?s:.)*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,.-]*)",  # noqa: E501
        0,
        hint=r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY",
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
        check=aws_secret,
        hint=_AWS_CONTEXT,
    ),
    Detector.of("ANTHROPIC_API_KEY", "secret", r"\bsk-ant-[A-Za-z0-9_-]{20,300}", 1),
    *FORMAT_DETECTORS,
    Detector.of("JWT", "secret", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", 1),
    Detector.of(
        "BEARER_TOKEN", "secret", r"\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{16,}=*)", 2, group=1, ignore_case=True
    ),
    # An Authorization header with another scheme (`token …`, `SSWS …`) or none.
    Detector.of(
        "SECRET",
        "secret",
        r"\bauthorization[\"']?\s*[:=]\s*[\"']?(?:(?:token|digest|apikey|api-key|key|sso-key|ssws|splunk|dsn)\s+)?"
        r"([A-Za-z0-9._~+/=:-]{12,512})",
        3,
        group=1,
        check=token_value,
        ignore_case=True,
    ),
    # A password in a URL's user information, whatever the scheme: `redis://:pw@`, `amqp://user:pw@`.
    Detector.of(
        "PASSWORD",
        "secret",
        r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]{0,128}:([^\s@/'\"]{1,256})@",
        2,
        group=1,
        check=url_password,
        ignore_case=True,
        hint=r"://[^\s:/@'\"]*:[^\s@/'\"]+@",
    ),
    _assigned("PASSWORD", _PASSWORD_KEYS, password_value),
    _assigned("PASSWORD", _WEAK_PASSWORD_KEYS, weak_password_value),
    _assigned("SECRET", _TOKEN_KEYS, token_value),
    Detector.of(
        "SECRET",
        "secret",
        rf"\b{_TOKEN_NAMES}\b{_FOR}{_IS}{_PROSE_VALUE}",
        5,
        group=-5,
        check=token_value,
        ignore_case=True,
        hint=r"\b(?:key|token|secret)\b",
    ),
    Detector.of(
        "PASSWORD",
        "secret",
        rf"\b{_PROSE_KEYS}\b{_FOR}{_IS}{_PROSE_VALUE}",
        5,
        group=-5,
        check=stated_password,
        ignore_case=True,
        hint=_PROSE_KEYS,
    ),
    Detector.of(
        "PASSWORD",
        "secret",
        _PROSE_PASSWORD,
        5,
        group=-5,
        check=password_like,
        ignore_case=True,
        hint=_PROSE_TRIGGER,
    ),
    Detector.of(
        "PASSWORD",
        "secret",
        rf"\bpass(?:word|phrase)\b{_FOR}{_IS}{_WORDS}|\b(?:use|using|with|enter|type|try)\s+(?:the\s+)?passphrase\s+{_WORDS}",
        5,
        group=-2,
        check=passphrase,
        ignore_case=True,
        hint=r"\bpass(?:word|phrase)\b",
    ),
)
