"""Process settings: one pydantic-settings class read from the environment and `.env`.

Every variable takes the `OPSGATE_` prefix, except the names people already have in their shells: Slack's
`SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, `SLACK_APP_TOKEN` and Anthropic's `ANTHROPIC_API_KEY` /
`ANTHROPIC_BASE_URL`, which are accepted as they are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "load_settings"]

SANDBOX_SIGNING_SECRET = "sandbox-signing-secret"
MIN_SECRET_CHARS = 16
"""The shortest signing secret or vault key accepted outside the sandbox (Slack's signing secrets are 32 hex)."""
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _env(name: str, *also: str) -> AliasChoices:
    return AliasChoices(f"OPSGATE_{name}", *also)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and how to set it (`problem`: `fix`)."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(f"{problem}: {fix}" if fix else problem)
        self.problem, self.fix = problem, fix


class Settings(BaseSettings):
    """Everything a process needs to start; team configuration lives in `opsgate.yml`, not here."""

    model_config = SettingsConfigDict(
        env_prefix="OPSGATE_", env_file=".env", extra="ignore", populate_by_name=True, frozen=True
    )

    # Slack. Without a bot token, `opsgate up` runs the local sandbox in Slack's place.
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN", "SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(None, validation_alias=_env("SLACK_API_URL"))
    slack_mode: Literal["http", "socket"] = Field("http", validation_alias=_env("SLACK_MODE"))

    # Slack OAuth: install the app in several workspaces (`/slack/install`). On when a client id is set; each
    # workspace's bot token then comes from the installation store instead of SLACK_BOT_TOKEN. Install scopes are
    # comma-separated (unset: manifest.yml's bot scopes); the home team gets what belongs to no request (digests,
    # alerts, user-group lookups; unset: the only workspace installed).
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_CLIENT_SECRET"))
    slack_install_scopes: str | None = Field(None, validation_alias=_env("SLACK_INSTALL_SCOPES"))
    slack_redirect_uri: str | None = Field(None, validation_alias=_env("SLACK_REDIRECT_URI"))
    slack_home_team: str | None = Field(None, validation_alias=_env("SLACK_HOME_TEAM"))
    # The workspaces (team ids, comma-separated) and Enterprise Grid organizations (enterprise ids) opsgate serves
    # and that may install it; requests from any other are acknowledged and dropped. Unset with one bot token: the
    # token's own workspace. With OAuth installs, a list and the home team are required (the home team is on it).
    slack_allowed_teams: str | None = Field(None, validation_alias=_env("SLACK_ALLOWED_TEAMS"))
    slack_allowed_enterprises: str | None = Field(None, validation_alias=_env("SLACK_ALLOWED_ENTERPRISES"))

    # The model. Without an API key the deterministic offline model answers.
    anthropic_api_key: SecretStr | None = Field(None, validation_alias=_env("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"))
    anthropic_base_url: str | None = Field(None, validation_alias=_env("ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL"))
    model: str = Field("claude-sonnet-4-6", validation_alias=_env("MODEL"))
    model_timeout: float = Field(60.0, gt=0, le=300, validation_alias=_env("MODEL_TIMEOUT"))
    model_max_attempts: int = Field(4, ge=1, le=10, validation_alias=_env("MODEL_MAX_ATTEMPTS"))
    breaker_failures: int = Field(5, ge=1, le=100, validation_alias=_env("BREAKER_FAILURES"))
    breaker_cooldown: float = Field(30.0, gt=0, le=3600, validation_alias=_env("BREAKER_COOLDOWN"))

    # Email for the send_email tool; without a host the tool is not offered (`opsgate up` starts a local sink).
    smtp_host: str | None = Field(None, validation_alias=_env("SMTP_HOST"))
    smtp_port: int = Field(587, ge=1, le=65535, validation_alias=_env("SMTP_PORT"))
    smtp_sender: str = Field("opsgate@localhost", validation_alias=_env("SMTP_SENDER"))
    smtp_starttls: bool = Field(True, validation_alias=_env("SMTP_STARTTLS"))
    smtp_username: str | None = Field(None, validation_alias=_env("SMTP_USERNAME"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_env("SMTP_PASSWORD"))

    # Key that seals the personal data of a request on its way from the bot to the worker, and the workspaces' bot
    # tokens at rest (the same on both, at least 16 characters). Required with Slack; against the local sandbox,
    # unset means a key generated into the data directory at first start (`vault.key`).
    vault_key: SecretStr | None = Field(None, validation_alias=_env("VAULT_KEY"))

    # Telemetry: the gen_ai metrics under the conventions' newer draft names (gen_ai.client.inference.*) instead
    # of the names current backends read (gen_ai.client.token.usage, gen_ai.client.operation.duration).
    genai_draft_metrics: bool = Field(False, validation_alias=_env("GENAI_DRAFT_METRICS"))
    # Message content on chat spans (gen_ai.input.messages / output.messages), secrets redacted: opt-in.
    trace_content: bool = Field(False, validation_alias=_env("TRACE_CONTENT"))
    # Print spans on the console as they end (debugging), besides the database and OTLP.
    trace_console: bool = Field(False, validation_alias=_env("TRACE_CONSOLE"))

    # Restate.
    restate_ingress_url: str = Field("http://127.0.0.1:8080", validation_alias=_env("RESTATE_INGRESS_URL"))
    restate_admin_url: str = Field("http://127.0.0.1:9070", validation_alias=_env("RESTATE_ADMIN_URL"))
    restate_send_timeout: float = Field(2.0, gt=0, le=2.5, validation_alias=_env("RESTATE_SEND_TIMEOUT"))
    restate_max_connections: int = Field(32, ge=1, le=1024, validation_alias=_env("RESTATE_MAX_CONNECTIONS"))
    restate_bin: Path | None = Field(None, validation_alias=_env("RESTATE_BIN"))
    # Restate's request-identity public keys (`publickeyv1_…`, comma-separated): the worker serves only requests
    # signed by one of them. Unset: the key pair in the data directory (`restate-identity.pem`, generated at first
    # start), which `opsgate up` hands to restate-server (`opsgate keys restate` prints both halves).
    restate_identity_keys: str | None = Field(None, validation_alias=_env("RESTATE_IDENTITY_KEYS"))
    # The keys the bot signs what it asks of the worker with (`kid:base64` entries, the signing key first; the
    # worker accepts every one, so keys roll without downtime). Unset: a key generated into the data directory at
    # first start (`envelope.keys`), which bot and worker share when they share the directory.
    envelope_keys: SecretStr | None = Field(None, validation_alias=_env("ENVELOPE_KEYS"))

    # Processes.
    worker_host: str = Field("127.0.0.1", validation_alias=_env("WORKER_HOST"))
    worker_port: int = Field(9080, ge=0, le=65535, validation_alias=_env("WORKER_PORT"))
    worker_url: str | None = Field(None, validation_alias=_env("WORKER_URL"))
    bot_host: str = Field("127.0.0.1", validation_alias=_env("BOT_HOST"))
    bot_port: int = Field(3000, ge=0, le=65535, validation_alias=_env("BOT_PORT"))
    sandbox_port: int = Field(3100, ge=0, le=65535, validation_alias=_env("SANDBOX_PORT"))

    # Storage and configuration.
    data_dir: Path = Field(Path(".opsgate"), validation_alias=_env("DATA_DIR"))
    database_url: str = Field("sqlite:///./.opsgate/opsgate.db", validation_alias=_env("DATABASE_URL"))
    config_file: Path = Field(Path("opsgate.yml"), validation_alias=_env("CONFIG_FILE"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias=_env("LOG_LEVEL"))

    # Data lifecycle: the days `opsgate data purge` keeps each kind of row, 0 for ever (the defaults are argued in
    # handlers/retention.py). Erasing one person (`opsgate data erase`) does not wait for any of them.
    retention_tasks_days: int = Field(90, ge=0, le=36_500, validation_alias=_env("RETENTION_TASKS_DAYS"))
    retention_span_summaries_days: int = Field(
        45, ge=0, le=36_500, validation_alias=_env("RETENTION_SPAN_SUMMARIES_DAYS")
    )
    retention_audit_days: int = Field(400, ge=0, le=36_500, validation_alias=_env("RETENTION_AUDIT_DAYS"))

    @field_validator(
        "slack_client_id",
        "slack_install_scopes",
        "slack_redirect_uri",
        "slack_home_team",
        "slack_allowed_teams",
        "slack_allowed_enterprises",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # compose passes unset variables as ""

    @field_validator("slack_allowed_teams", "slack_allowed_enterprises")
    @classmethod
    def _slack_ids(cls, value: str | None, info: ValidationInfo) -> str | None:
        prefix = "T" if info.field_name == "slack_allowed_teams" else "E"
        for item in (value or "").split(","):
            if item.strip() and not re.fullmatch(prefix + r"[A-Z0-9]{2,20}", item.strip()):
                raise ValueError(f"{item.strip()!r} is not a Slack id like {prefix}0123ABCD (comma-separated)")
        return value

    @field_validator(
        "restate_ingress_url", "restate_admin_url", "slack_api_url", "anthropic_base_url", "slack_redirect_uri"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @property
    def sandbox(self) -> bool:
        """No Slack token and no OAuth app: talk to the local sandbox instead of Slack."""
        return self.slack_bot_token is None and not self.slack_oauth

    @property
    def slack_is_local(self) -> bool:
        """Slack is the local sandbox: `opsgate up` without tokens, its children and the tests, which point the Web
        API at this machine. Only then may secrets be short or generated; with Slack itself, each must be set."""
        if self.sandbox:
            return True
        return self.slack_api_url is not None and urlparse(self.slack_api_url).hostname in _LOOPBACK_HOSTS

    @property
    def slack_oauth(self) -> bool:
        """Workspaces install the app through OAuth (`/slack/install`), each with its own bot token."""
        return self.slack_client_id is not None

    def slack_allowlist(self) -> tuple[frozenset[str], frozenset[str]]:
        """(team ids, enterprise ids) opsgate serves, as configured (the home team included). With OAuth installs,
        a start without a list or without the home team is refused: any workspace could install the app. Serving
        other workspaces needs the home team too: a bare user id in opsgate.yml names a person of the home
        workspace (`approvals.people`), and bot and worker must agree which one that is."""
        teams = frozenset(t.strip() for t in (self.slack_allowed_teams or "").split(",") if t.strip())
        enterprises = frozenset(e.strip() for e in (self.slack_allowed_enterprises or "").split(",") if e.strip())
        if self.slack_oauth and not self.slack_home_team:
            raise SettingsError(
                "OPSGATE_SLACK_HOME_TEAM is not set, but OPSGATE_SLACK_CLIENT_ID is",
                "set it to the team id (T…) of the workspace that runs opsgate",
            )
        if (teams or enterprises) and not self.slack_home_team:
            listed = "OPSGATE_SLACK_ALLOWED_TEAMS" if teams else "OPSGATE_SLACK_ALLOWED_ENTERPRISES"
            raise SettingsError(
                f"OPSGATE_SLACK_HOME_TEAM is not set, but {listed} is: with several workspaces, the user ids in "
                "opsgate.yml (approvers, admins, allowed_users) need a home workspace",
                "set it to the team id (T…) of the workspace that runs opsgate; name another workspace's people as "
                "T…:U…",
            )
        if self.slack_oauth and not (teams or enterprises):
            raise SettingsError(
                "OPSGATE_SLACK_ALLOWED_TEAMS is not set, but OPSGATE_SLACK_CLIENT_ID is: any workspace could install "
                "opsgate",
                "list the team ids (T…) that may install it, comma-separated (or Enterprise Grid organizations in "
                "OPSGATE_SLACK_ALLOWED_ENTERPRISES)",
            )
        return teams | ({self.slack_home_team} if self.slack_home_team else set()), enterprises

    def require_slack_client_secret(self) -> str:
        if self.slack_client_secret is None or not self.slack_client_secret.get_secret_value():
            raise SettingsError(
                "OPSGATE_SLACK_CLIENT_SECRET is not set, but OPSGATE_SLACK_CLIENT_ID is: copy the Client Secret "
                "from your Slack app's Basic Information page into OPSGATE_SLACK_CLIENT_SECRET."
            )
        if self.slack_bot_token is not None and self.slack_bot_token.get_secret_value():
            raise SettingsError(
                "SLACK_BOT_TOKEN and OPSGATE_SLACK_CLIENT_ID are both set: unset SLACK_BOT_TOKEN to install in "
                "several workspaces through OAuth, or unset OPSGATE_SLACK_CLIENT_ID to run in one workspace."
            )
        return self.slack_client_secret.get_secret_value()

    @property
    def signing_secret(self) -> str:
        """The key Slack signs requests with. Empty or short is refused outside the sandbox: anyone could sign a
        request with an empty key (compose used to pass "" by default)."""
        secret = self.slack_signing_secret.get_secret_value() if self.slack_signing_secret is not None else ""
        if not secret:
            if self.sandbox:
                return SANDBOX_SIGNING_SECRET
            state = "is not set" if self.slack_signing_secret is None else "is empty"
            raise SettingsError(f"SLACK_SIGNING_SECRET {state}", SIGNING_SECRET_HOW)
        if len(secret) < MIN_SECRET_CHARS and not self.slack_is_local:
            problem = f"SLACK_SIGNING_SECRET is {len(secret)} characters long, shorter than {MIN_SECRET_CHARS}"
            raise SettingsError(f"{problem} (Slack's are 32)", SIGNING_SECRET_HOW)
        return secret

    def configured_vault_key(self) -> str | None:
        """OPSGATE_VAULT_KEY when set (None when unset or empty); refused when short, outside the sandbox.

        Never the signing secret: a key that Slack and everyone who configures the app also hold would open
        every sealed vault and stored token."""
        key = self.vault_key.get_secret_value() if self.vault_key is not None else ""
        if key and len(key) < MIN_SECRET_CHARS and not self.slack_is_local:
            problem = f"OPSGATE_VAULT_KEY is {len(key)} characters long, shorter than {MIN_SECRET_CHARS}"
            raise SettingsError(problem, VAULT_KEY_HOW)
        return key or None

    def require_socket_mode_token(self) -> str:
        if self.slack_app_token is None:
            raise SettingsError(
                "SLACK_APP_TOKEN is not set, but OPSGATE_SLACK_MODE=socket needs it: create an app-level token "
                "with the connections:write scope and export it as SLACK_APP_TOKEN."
            )
        return self.slack_app_token.get_secret_value()


SIGNING_SECRET_HOW = (
    "copy the Signing Secret from your Slack app's Basic Information page into SLACK_SIGNING_SECRET (or "
    "OPSGATE_SLACK_SIGNING_SECRET)"
)
VAULT_KEY_HOW = (
    "set OPSGATE_VAULT_KEY to a random value of its own, the same in the bot and every worker (e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
)

_ENV_NAMES = {
    name: (
        field.validation_alias.choices[-1]
        if isinstance(field.validation_alias, AliasChoices) and isinstance(field.validation_alias.choices[-1], str)
        else f"OPSGATE_{name.upper()}"
    )
    for name, field in Settings.model_fields.items()
}

_ALIAS_TO_FIELD = {
    alias.upper(): name
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, AliasChoices)
    for alias in field.validation_alias.choices
    if isinstance(alias, str)
}
_SECRET_FIELDS = {name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)} | {
    "database_url"  # may carry a password
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one message that names each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            variable = _ENV_NAMES.get(field) or _ENV_NAMES.get(_ALIAS_TO_FIELD.get(field.upper(), ""), field.upper())
            secret = _ALIAS_TO_FIELD.get(field.upper(), field) in _SECRET_FIELDS
            shown = "" if secret else f" (got {str(error.get('input'))[:80]!r})"
            lines.append(f"{variable}: {error['msg']}{shown}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
