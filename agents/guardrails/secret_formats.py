"""Credentials recognised by their shape: vendors' token formats and the files that hold credentials.

Vendors give their tokens a fixed prefix so that scanners can find them (`glpat-`, `hvs.`, `dop_v1_`, `shpat_`,
`NRAK-` ...); each pattern here follows the vendor's documented prefix, length and alphabet, so a prefix alone
(`sk_live_` in a sentence about Stripe) is not enough. Files and headers that hold credentials are matched by their
structure: `.pgpass` and `.netrc` lines, kubeconfig's `client-key-data`, docker's `"auth"`, Azure connection
strings and SAS signatures, webhook URLs. Nearly every pattern starts with a literal; the others give the prefilter
a looser `hint` that does, because one RE2 set over long runs of common characters costs more than all of this.
A vendor's key without a prefix (Datadog, Cloudflare, a Heroku UUID) is found by its name: `DD_API_KEY=…`, "the
datadog app key is …" (`secrets`).
"""

from __future__ import annotations

from agents.guardrails.entities import Detector
from agents.guardrails.secret_values import password_value

__all__ = ["FORMAT_DETECTORS"]

# One alternative per vendor; the comment names the format, its documented length where it has one.
_VENDOR_TOKENS = "|".join(
    (
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,300}",  # OpenAI: sk-, sk-proj-, sk-svcacct-, sk-admin-
        r"AIza[0-9A-Za-z_-]{35}",  # Google API key, 39 characters
        r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}|whsec_[A-Za-z0-9]{32,}",  # Stripe secret, restricted, webhook
        r"npm_[A-Za-z0-9]{36}",  # npm access token
        r"gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas|agent)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]{2,}){0,2}",  # GitLab
        r"GR1348941[A-Za-z0-9_-]{20}",  # GitLab runner registration token
        r"pypi-AgE[A-Za-z0-9_-]{50,}",  # PyPI API token (a macaroon; pypi.org and test.pypi.org both start AgE)
        r"hv[sbr]\.[A-Za-z0-9_-]{24,}",  # HashiCorp Vault service, batch, recovery token
        r"do[opr]_v1_[a-f0-9]{64}",  # DigitalOcean personal, OAuth, refresh token
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",  # Shopify access tokens and shared secret
        r"SK[0-9a-fA-F]{32}\b",  # Twilio API key SID (the account SID, AC…, names an account: not a secret)
        r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",  # SendGrid
        r"key-[0-9a-f]{32}\b",  # Mailgun API key
        r"HRKU-(?:AA[0-9A-Za-z_-]{58}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",  # Heroku
        r"hf_[A-Za-z0-9]{30,}|api_org_[A-Za-z0-9]{34}",  # Hugging Face user and organisation tokens
        r"dapi[a-f0-9]{32}(?:-\d)?\b",  # Databricks personal access token
        r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2}",  # Grafana service account, Cloud
        r"eyJrIjoi[A-Za-z0-9]{42,400}={0,2}",  # Grafana API key (base64 of {"k":")
        r"NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|NRJS-[a-f0-9]{19}|[a-f0-9]{36}NRAL",  # New Relic
        r"sntrys_eyJ[A-Za-z0-9+/=_-]{40,}|sntryu_[a-f0-9]{64}",  # Sentry organisation and user auth tokens
        r"ATATT3[A-Za-z0-9_=-]{100,}",  # Atlassian API token
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",  # age secret key (bech32)
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",  # Postman API key
        r"lin_api_[A-Za-z0-9]{40}",  # Linear API key
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}",  # Doppler tokens
        r"pul-[a-f0-9]{40}",  # Pulumi access token
        r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}",  # Terraform Cloud / Enterprise API token
        r"\d{5,16}:A[A-Za-z0-9_-]{34}\b",  # Telegram bot token: the bot's id, a colon, 35 characters
    )
)

FORMAT_DETECTORS: tuple[Detector, ...] = (
    Detector.of("API_KEY", "secret", rf"\b(?:{_VENDOR_TOKENS})", 2),
    Detector.of(
        "WEBHOOK_URL",
        "secret",
        r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,80}"
        r"|https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/_-]{40,}",
        1,
    ),
    # A Sentry DSN's key (its secret, in the old form `key:secret@`, is a URL password as well).
    Detector.of("API_KEY", "secret", r"https://([0-9a-f]{32})(?::[0-9a-f]{32})?@[A-Za-z0-9.-]*sentry", 2, group=1),
    # Azure storage account keys (64 bytes) and Service Bus / Event Hubs keys (32 bytes), base64.
    Detector.of(
        "AZURE_KEY",
        "secret",
        r"\b(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{42,88}={0,2})",
        2,
        group=1,
        ignore_case=True,
    ),
    # A SAS token's signature: base64 of an HMAC-SHA256, URL-encoded, next to the token's other fields.
    Detector.of(
        "SAS_TOKEN",
        "secret",
        r"[?&](?:sv|sp|se|sr|ss|srt|st|spr|skoid)=[^\s&]+&(?:[a-z]+=[^\s&]*&)*sig="
        r"([A-Za-z0-9%+/]{30,90}(?:=|%3D){0,2})",
        2,
        group=1,
        hint=r"[?&]sig=",
    ),
    # .pgpass: host:port:database:user:password, one a line; the port is a number or `*`.
    Detector.of(
        "PASSWORD",
        "secret",
        r"(?m)^[ \t]*(?:\*|[A-Za-z0-9][A-Za-z0-9.-]*):(?:\*|\d{1,5}):[^\s:]+:[^\s:]+:(\S+)$",
        3,
        group=1,
        check=password_value,
        hint=r":(?:\*|\d{1,5}):[^\s:]+:[^\s:]+:\S",
    ),
    # .netrc: machine HOST login USER password PASSWORD (or `default`), on one line or several.
    Detector.of(
        "PASSWORD",
        "secret",
        r"\b(?:machine\s+\S+|default)\s+login\s+\S+\s+password\s+(\S+)",
        3,
        group=1,
        check=password_value,
        hint=r"\blogin\s+\S+\s+password\s",
    ),
    # A password given to a command line: `mysql -uroot -pS3cret`, `sshpass -p …`, `redis-cli -a …`, `curl -u u:p`.
    Detector.of(
        "PASSWORD",
        "secret",
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n|;&]*?\s-p['\"]?([^\s'\"-][^\s'\"]+)"
        r"|\bsshpass\s+-p\s*['\"]?([^\s'\"]+)"
        r"|\b(?:redis|valkey)-cli\b[^\n|;&]*?\s-a\s+['\"]?([^\s'\"]+)"
        r"|\bcurl\b[^\n|;&]*?\s(?:-u|--user)\s*['\"]?[^\s:'\"]+:([^\s'\"]+)",  # unbounded runs: fewer DFA states
        3,
        group=-4,
        check=password_value,
        hint=r"\b(?:mysql|mysqldump|mysqladmin|mariadb|sshpass|redis-cli|valkey-cli|curl)\b",
    ),
    # kubeconfig: a client's private key, base64 of its PEM block (`LS0tLS1CRUdJTi` is "-----BEGIN").
    Detector.of("PRIVATE_KEY", "secret", r"\bclient-key-data[\"']?\s*:\s*[\"']?([A-Za-z0-9+/]{16,}={0,2})", 0, group=1),
    # docker config.json: "auth" is base64 of user:password; registry identity tokens.
    Detector.of(
        "SECRET",
        "secret",
        r"\"(?:auth|identitytoken|registrytoken)\"\s*:\s*\"([A-Za-z0-9+/_.-]{8,}={0,2})\"",
        3,
        group=1,
        ignore_case=True,
    ),
)
