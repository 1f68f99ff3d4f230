"""Secrets are always redacted, whatever the personal-data policy; look-alikes that are not secrets stay."""

from __future__ import annotations

import pytest

from agents.guardrails import GuardrailsConfig, InputGuardrails

GUARD = InputGuardrails()

# Built at run time so no complete token sits in the source (secret scanners, and our own guardrails).
SLACK_BOT = "xoxb-" + "1234567890-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-" + "1234567890-1234567890-1234567890123-" + "0123456789abcdef0123456789abcdef"
SLACK_APP = "xapp-" + "1-A0123456789-1234567890123-" + "0123456789abcdef" * 4
GITHUB_CLASSIC = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_FINE = "github_pat_" + "11ABCDEFG0123456789_" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW"
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
ANTHROPIC = "sk-ant-" + "api03-" + "Xy9_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-AbCdEf"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"
)
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V1c2VyZ2FtZQ0KZmFrZWtleWZha2VrZXlmYWtla2V5\n"
    "ZmFrZWtleWZha2VrZXlmYWtla2V5ZmFrZWtleQ==\n-----END RSA PRIVATE KEY-----"
)

CASES = [
    (f"use {SLACK_BOT} for the bot", "SLACK_TOKEN", SLACK_BOT),
    (f"user token {SLACK_USER}", "SLACK_TOKEN", SLACK_USER),
    (f"socket mode token: {SLACK_APP}", "SLACK_TOKEN", SLACK_APP),
    (f"export GH_TOKEN={GITHUB_CLASSIC}", "GITHUB_TOKEN", GITHUB_CLASSIC),
    (f"the fine-grained token is {GITHUB_FINE}", "GITHUB_TOKEN", GITHUB_FINE),
    (f"aws creds {AWS_ID} {AWS_SECRET}", "AWS_ACCESS_KEY", AWS_ID),
    (f"aws creds {AWS_ID} {AWS_SECRET}", "AWS_SECRET_KEY", AWS_SECRET),
    (f"aws_secret_access_key = {AWS_SECRET}", "AWS_SECRET_KEY", AWS_SECRET),
    (f"ANTHROPIC_API_KEY={ANTHROPIC}", "ANTHROPIC_API_KEY", ANTHROPIC),
    (f"Authorization: Bearer {JWT}", "JWT", JWT),
    (f"here is the key\n{PRIVATE_KEY}\nthanks", "PRIVATE_KEY", PRIVATE_KEY),
    ("connect to postgres://app:s3cr3t-Pa55@db.internal:5432/orders", "PASSWORD", "s3cr3t-Pa55"),
    ("mongodb+srv://admin:hunter2@cluster0.example.net/test", "PASSWORD", "hunter2"),
    ("set password=correct-horse-battery for the vpn user", "PASSWORD", "correct-horse-battery"),
    ('{"password": "Tr0ub4dor&3"}', "PASSWORD", "Tr0ub4dor&3"),
    ("deploy with token=Zx81kQp0LmN3vB7yT2wR", "SECRET", "Zx81kQp0LmN3vB7yT2wR"),
    ("client_secret: 9f8e7d6c5b4a3F2E1D0C", "SECRET", "9f8e7d6c5b4a3F2E1D0C"),
    ("curl -H 'Authorization: Bearer abcDEF1234567890ghiJKL' https://api.example.com", "BEARER_TOKEN", None),
]


@pytest.mark.parametrize(("text", "kind", "secret"), CASES)
def test_secrets_are_always_redacted(text: str, kind: str, secret: str | None) -> None:
    verdict = GUARD.check(text)

    assert verdict.action == "redact"
    assert kind in {span.type for span in verdict.pii}
    assert f"[REDACTED:{kind}]" in verdict.text
    if secret is not None:
        assert secret not in verdict.text
        span = next(span for span in verdict.pii if span.type == kind)
        assert text[span.start : span.end] == secret


# Built from pieces like the tokens above: a sentence that gives a password away.
PROSE = [
    ("the db password is " + "hunter2", "hunter2"),
    ("prod root pw is " + "Tr0ub4dor&3", "Tr0ub4dor&3"),
    ("password for grafana admin: " + "s3cr3t!", "s3cr3t!"),
    ("use passphrase " + "correct horse battery staple", "correct horse battery staple"),
    ("the passphrase is " + "correct horse battery staple, don't share it", "correct horse battery staple"),
    ("login with admin / " + "P@ssw0rd123", "P@ssw0rd123"),
    ("creds: root:" + "toor99", "toor99"),
    ("pwd = " + "s3cret99", "s3cret99"),
    ("the wifi password is " + "swordfish.", "swordfish"),
    ("the password is now " + "hunter2, ok?", "hunter2"),
    ("the password for the prod db is `" + "hunter2`", "hunter2"),
    ("change the password for bob to " + "Spring2024!", "Spring2024!"),
    ("the password is *" + "hunter2*", "hunter2"),
    ("is the password " + "hunter2?", "hunter2"),
    ('mount it with username me and password "' + 'mine"', "mine"),
    ("la contraseña de la base de datos es " + "Gatito#9", "Gatito#9"),
    ("le mot de passe est " + "azerty123", "azerty123"),
    ("das Root-Passwort ist " + "Geheim!42", "Geheim!42"),
    ("пароль: " + "Qwerty12", "Qwerty12"),
]


@pytest.mark.parametrize(("text", "secret"), PROSE)
def test_passwords_written_in_prose_are_redacted_value_only(text: str, secret: str) -> None:
    verdict = GUARD.check(text)

    assert "redacted 1 secret (PASSWORD)" in verdict.reasons  # the action is the injection rules' too
    assert [(span.type, text[span.start : span.end]) for span in verdict.pii] == [("PASSWORD", secret)]
    assert verdict.text == text.replace(secret, "[REDACTED:PASSWORD]", 1)


def test_secrets_are_redacted_even_when_personal_data_passes() -> None:
    permissive = InputGuardrails(GuardrailsConfig(entities=dict.fromkeys(("EMAIL", "PHONE"), "allow")))

    verdict = permissive.check(f"ping bob@example.com with {SLACK_BOT}")

    assert verdict.text == "ping bob@example.com with [REDACTED:SLACK_TOKEN]"


def test_secrets_have_no_policy_to_turn_them_off() -> None:
    with pytest.raises(ValueError, match="secrets are always redacted"):
        GuardrailsConfig(entities={"SLACK_TOKEN": "allow"})  # type: ignore[dict-item]


NOT_SECRETS = [
    "checkout commit 3f9a1c2e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f",
    "password=$DB_PASSWORD",
    "password: <your password here>",
    "token=true",
    "token=${{ secrets.GITHUB_TOKEN }}",
    "the secret_key setting is required",
    "image sha256:9b2a0f1c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e",
    "postgres://app@db.internal:5432/orders",
    "ssh deploy@bastion.example.com",
    "reset the password for user X",
    "the password is wrong",
    "password is expired",
    "password rotation is due",
    "the password is stored in vault",
    "password policy is 12 chars",
    "password: <redacted>",
    "password is ${DB_PASS}",
    "the password is <PASSWORD>, the pw is $DB_PASS and the passwd is ***",
    "the password is DB_PASSWORD",
    "password: hidden",
    "the password for user bob is wrong again",
    "the password is the same as before, and not set for staging",
    "the password is 16 characters long and 1.5x longer than before",
    "password must contain 1 digit; the password is at least 12 chars",
    "password authentication failed for user opsadmin",
    "the password is managed by Vault, it is AD-synced",
    "the passphrase is kept somewhere safe",
    "login with sso/okta, or login with user/password",
    "pwd is /home/deploy; passwd --expire bob; upgrade pw 1.42.0",
    "Das Passwort ist falsch, la contraseña es incorrecta, le mot de passe est expiré",
]


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_values_that_only_look_like_secrets_pass(text: str) -> None:
    verdict = GUARD.check(text)

    assert verdict.text == text, verdict.pii
