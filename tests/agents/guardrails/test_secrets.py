"""Secrets are always redacted, whatever the personal-data policy; look-alikes that are not secrets stay."""

from __future__ import annotations

import pytest

from agents.guardrails import GuardrailsConfig, InputGuardrails
from agents.guardrails._regex import ScanText, compile_bytes
from agents.guardrails.secrets import SECRET_DETECTORS

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


# Vendors' token formats, each built from pieces with the documented prefix, length and alphabet (fake values).
HEX32 = "9f8e7d6c5b4a3928" + "1706f5e4d3c2b1a0"
MIXED = "Ab3dE6gH9jK2mN5p" + "Q8sT1vW4yZ7bC0eF"  # 32 letters and digits
FORMATS = [
    ("STRIPE_KEY=" + "sk_live_" + MIXED[:24], "API_KEY", "sk_live_" + MIXED[:24]),
    ("restricted key " + "rk_test_" + MIXED, "API_KEY", "rk_test_" + MIXED),
    ("webhook signing secret " + "whsec_" + MIXED, "API_KEY", "whsec_" + MIXED),
    ("maps key " + "AIza" + "SyD-9tSrke72PouQ" + "MnMX-a7eZSW0jkFMBWY", "API_KEY", None),
    ("gitlab deploy token " + "gldt-" + MIXED[:20], "API_KEY", "gldt-" + MIXED[:20]),
    ("runner token " + "glrt-" + MIXED[:24], "API_KEY", "glrt-" + MIXED[:24]),
    ("publish with " + "npm_" + MIXED + "1234", "API_KEY", "npm_" + MIXED + "1234"),
    ("twine token " + "pypi-AgEIcHlwaS5vcmc" + MIXED * 2, "API_KEY", "pypi-AgEIcHlwaS5vcmc" + MIXED * 2),
    ("VAULT_TOKEN is " + "hvs." + MIXED * 3, "API_KEY", "hvs." + MIXED * 3),
    ("batch token " + "hvb." + MIXED * 4, "API_KEY", "hvb." + MIXED * 4),
    ("doctl auth init -t " + "dop_v1_" + HEX32 * 2, "API_KEY", "dop_v1_" + HEX32 * 2),
    ("shopify admin " + "shpat_" + HEX32, "API_KEY", "shpat_" + HEX32),
    ("twilio api key " + "SK" + HEX32, "API_KEY", "SK" + HEX32),
    ("mailgun " + "key-" + HEX32, "API_KEY", "key-" + HEX32),
    ("heroku token " + "HRKU-AA" + (MIXED * 2)[:58], "API_KEY", "HRKU-AA" + (MIXED * 2)[:58]),
    ("hub token " + "hf_" + MIXED + "XY", "API_KEY", "hf_" + MIXED + "XY"),
    ("databricks " + "dapi" + HEX32, "API_KEY", "dapi" + HEX32),
    ("grafana " + "glsa_" + MIXED + "_" + HEX32[:8], "API_KEY", "glsa_" + MIXED + "_" + HEX32[:8]),
    ("grafana cloud " + "glc_" + MIXED + "eyJvIjoiMTIzIn0=", "API_KEY", "glc_" + MIXED + "eyJvIjoiMTIzIn0="),
    ("new relic " + "NRAK-" + MIXED.upper()[:27], "API_KEY", "NRAK-" + MIXED.upper()[:27]),
    ("openai " + "sk-proj-" + MIXED * 2, "API_KEY", "sk-proj-" + MIXED * 2),
    ("sentry auth " + "sntryu_" + HEX32 * 2, "API_KEY", "sntryu_" + HEX32 * 2),
    ("dsn https://" + HEX32 + "@o4504.ingest.sentry.io/42", "API_KEY", HEX32),
    ("bot 123456789:" + "AAHdqTcvCH1vGWJx" + "fSeofSAs0K5PALDsaw1", "API_KEY", None),
    ("post to https://discord.com/api/webhooks/" + "123456789012345678/" + MIXED * 2, "WEBHOOK_URL", None),
    (
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + MIXED * 2 + MIXED[:22] + "==;EndpointSuffix=x",
        "AZURE_KEY",
        MIXED * 2 + MIXED[:22] + "==",
    ),
    (
        "https://acme.blob.core.windows.net/logs?sv=2022-11-02&sp=rl&se=2026-12-31&sig=" + MIXED + "Qx7k%2B%3D",
        "SAS_TOKEN",
        MIXED + "Qx7k%2B%3D",
    ),
    ("Authorization: token " + "ghx" + HEX32, "SECRET", "ghx" + HEX32),
    ("X-API-Key: " + MIXED, "SECRET", MIXED),
    ("DD_API_KEY=" + HEX32, "SECRET", HEX32),
    ("the datadog app key is " + HEX32 + "9f8e7d6c", "SECRET", HEX32 + "9f8e7d6c"),
    ("HEROKU_API_KEY=" + "01234567-89ab-cdef-0123-" + "456789abcdef", "SECRET", None),
    ("SENDGRID_API_KEY=" + MIXED, "SECRET", MIXED),
    ('{"auths": {"registry.example.com": {"auth": "' + "ZGVwbG95OlMzY3Jl" + 'dFB3IQ=="}}}', "SECRET", None),
    ("    client-key-data: " + "LS0tLS1CRUdJTiBSU0Eg" + MIXED, "PRIVATE_KEY", "LS0tLS1CRUdJTiBSU0Eg" + MIXED),
    ("redis://:" + "S3cretRedis" + "@cache.internal:6379/0", "PASSWORD", "S3cretRedis"),
    ("amqp://svc:" + "Rabb1tPw" + "@mq.internal:5672/", "PASSWORD", "Rabb1tPw"),
    ("machine api.example.com login deploy password " + "swordfishing", "PASSWORD", "swordfishing"),
    ("db.internal:5432:orders:app:" + "Pgp4ss!word", "PASSWORD", "Pgp4ss!word"),
    ("*:*:*:postgres:" + "Sup3rPw", "PASSWORD", "Sup3rPw"),
    ("MYSQL_ROOT_PASSWORD=" + "Sup3r-S3cret", "PASSWORD", "Sup3r-S3cret"),
    ("mysql -uroot -p" + "S3cretPw" + " -h db.internal orders", "PASSWORD", "S3cretPw"),
    ("mysqldump -u backup -p'" + "Bkp#2024" + "' --all-databases", "PASSWORD", "Bkp#2024"),
    ("sshpass -p '" + "Hunt3r22" + "' ssh deploy@bastion", "PASSWORD", "Hunt3r22"),
    ("redis-cli -h cache -a " + "R3disPw!" + " ping", "PASSWORD", "R3disPw!"),
    ("curl -u admin:" + "Adm1nPw!" + " https://api.example.com/health", "PASSWORD", "Adm1nPw!"),
    ("DB_PASS=" + "swordfish", "PASSWORD", "swordfish"),
    ("mysql_root_password: " + "Sup3r-S3cret", "PASSWORD", "Sup3r-S3cret"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "PRIVATE_KEY",
        None,
    ),
    (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0AAAABCAC5\n-----END PGP PRIVATE KEY BLOCK-----",
        "PRIVATE_KEY",
        None,
    ),
]


@pytest.mark.parametrize(("text", "kind", "secret"), FORMATS)
def test_vendor_formats_and_credential_files_are_redacted(text: str, kind: str, secret: str | None) -> None:
    verdict = GUARD.check(text)

    assert [span.type for span in verdict.pii] == [kind], verdict.pii
    assert f"[REDACTED:{kind}]" in verdict.text
    if secret is not None:
        (span,) = verdict.pii
        assert text[span.start : span.end] == secret
        assert secret not in verdict.text


# The prefix without the token, the token's shape without its prefix, identifiers and names of secrets.
NEAR_MISSES = [
    "twilio account " + "AC" + HEX32 + " sends the alerts",  # an account SID names an account
    '{"type": "service_account", "private_key_id": "' + HEX32 + '9f8e7d6c"}',  # an id, not the key
    "sk_live_ keys must never be pasted here; rotate the glpat- tokens and the hvs. ones",
    "key-rotation is due, see the mailgun docs",
    "the browser gets the publishable " + "pk_live_" + MIXED + ", which is public",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 and span 00f067aa0ba902b7",
    "uuid 01234567-89ab-cdef-0123-456789abcdef in the request log",
    'etag "33a64df551425fcc55e4d42a148795d9f25f89d4"',
    "k8s secret db-credentials has keys username and password",
    "kubectl create secret generic db --from-literal=password=$DB_PASSWORD",
    "api key rotation is due tomorrow; set the api key in vault, not here",
    "the secret is stored in vault at secret/data/prod/db",
    "GOOGLE_APPLICATION_CREDENTIALS=/var/run/secrets/sa-1234.json",
    "SECRET_NAME=prod-db-creds, TOKEN_TTL=3600s, MAX_TOKENS=4096",
    'client-key-data: REDACTED and "auth": ""',
    "redis://localhost:6379/0 and postgres://user:${PGPASSWORD}@db:5432/app",
    "amqp://guest:guest@localhost:5672/ is the broker's default",
    "curl ftp://username:password@example.com and http -a username:password example.org",
    "DefaultEndpointsProtocol=https;AccountName=acmelogs;EndpointSuffix=core.windows.net",
    "12:30:45:00:01 and 10.0.0.1:5432:orders",
    "the bot token is in the vault and the refresh token is revoked",
    "passwd: Change a user's password. See also: chpasswd",
    "Change the current user's SMB password: `smbpasswd`",
    "Specify a password: `redis-cli -a {{password}}`",
    "Log in to your Heroku account: `heroku login`",
    "the WiFi password: `nmcli d wifi connect <ssid> password <pass>`",
    "patator ssh_login host=h user=FILE0 password=FILE1 and hydra password=^PASS^",
    "password: changeme, DB_PASSWORD=changeme, SECRET_KEY=your_secret_key_here, API_TOKEN=<your-token-here>",
    "the password is {{ secret }}, pass: 10/10 tests, use_password: yes",
    "secret: prod-db-creds-v2, and the secret is app_tls_2024",
    "mysql -u root -p orders; mysql -h db -P 3306 -u app -p; curl -u $USER:$TOKEN https://x",
    "*:*:*:postgres:<password> and machine example.com login me password $NETRC_PASSWORD",
    "forgot the wifi password café downstairs, ask the barista",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_of_the_formats_pass(text: str) -> None:
    verdict = GUARD.check(text)

    assert [span for span in verdict.pii if span.type != "IP_ADDRESS"] == []
    assert verdict.text == text


MORE_PROSE = [
    ("pass is " + "Hunt3r22", "Hunt3r22"),
    ("ssh pass: " + "Hunt3r22", "Hunt3r22"),
    ("creds are admin/" + "Adm1nPass!", "Adm1nPass!"),
    ("login as admin:" + "Adm1n!23", "Adm1n!23"),
    ("credentials for grafana: admin / " + "Gr4fana!", "Gr4fana!"),
    ("password -> " + "Winter2024!", "Winter2024!"),
    ("la password è " + "Segreto#7", "Segreto#7"),
    ("a senha é " + "Segredo#7", "Segredo#7"),
    ("use password " + "Hunter2.go", "Hunter2.go"),
]


@pytest.mark.parametrize(("text", "secret"), MORE_PROSE)
def test_more_phrasings_of_a_password(text: str, secret: str) -> None:
    verdict = GUARD.check(text)

    assert [(span.type, text[span.start : span.end]) for span in verdict.pii] == [("PASSWORD", secret)]
    assert verdict.text == text.replace(secret, "[REDACTED:PASSWORD]", 1)


def test_each_prefilter_hint_matches_wherever_its_detector_finds_something() -> None:
    texts = [text for text, _, _ in CASES + FORMATS] + [text for text, _ in PROSE + MORE_PROSE] + NEAR_MISSES
    hinted = [d for d in SECRET_DETECTORS if d.source != d.pattern.pattern]

    checked = 0
    for detector in hinted:
        hint = compile_bytes(detector.source, ignore_case=detector.ignore_case)
        for text in (text for text in texts if any(detector.candidates(ScanText(text)))):
            assert hint.search(text.encode()) is not None, (detector.type, detector.source, text)
            checked += 1
    assert len(hinted) >= 8 and checked >= 40
