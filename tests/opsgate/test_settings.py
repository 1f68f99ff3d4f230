"""Settings: Slack's and Anthropic's own variable names, errors that name the variable, and the secrets a start
outside the sandbox refuses to go without."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from opsgate.settings import _ENV_NAMES, SANDBOX_SIGNING_SECRET, SettingsError, load_settings

SLACK_LIKE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documentation example: 32 characters
SETTINGS_DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SETTINGS_TABLE = "| variable | default | meaning |"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("OPSGATE_", "SLACK_", "ANTHROPIC_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults_run_the_sandbox_and_the_offline_model() -> None:
    settings = load_settings()
    assert settings.sandbox
    assert settings.anthropic_api_key is None
    assert settings.restate_send_timeout == 2.0


def test_vendor_variable_names_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SLACK_LIKE_SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1234/")
    settings = load_settings()
    assert not settings.sandbox
    assert settings.signing_secret == SLACK_LIKE_SECRET
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == "sk-ant-1"
    assert settings.anthropic_base_url == "http://127.0.0.1:1234"
    assert "sk-ant-1" not in repr(settings)


def test_prefixed_names_work_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_SLACK_BOT_TOKEN", "xoxb-2")
    assert load_settings().slack_bot_token is not None


def test_dotenv_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import pathlib

    pathlib.Path(".env").write_text("OPSGATE_MODEL=claude-test\n")
    assert load_settings().model == "claude-test"


def test_malformed_settings_name_each_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_RESTATE_SEND_TIMEOUT", "soon")
    monkeypatch.setenv("OPSGATE_DATABASE_URL", "mysql://root:hunter2@db/x")
    monkeypatch.setenv("OPSGATE_RESTATE_INGRESS_URL", "localhost:8080")
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "OPSGATE_RESTATE_SEND_TIMEOUT" in message
    assert "OPSGATE_DATABASE_URL" in message
    assert "OPSGATE_RESTATE_INGRESS_URL: Value error, must start with http://" in message
    assert "hunter2" not in message


def test_slack_tokens_without_a_signing_secret_stop_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is not set"):
        _ = load_settings().signing_secret


def test_socket_mode_needs_the_app_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGATE_SLACK_MODE", "socket")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        load_settings().require_socket_mode_token()


def test_an_empty_signing_secret_is_refused_with_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose used to pass SLACK_SIGNING_SECRET="" by default, and the bot then took requests signed with ""."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    with pytest.raises(SettingsError) as error:
        _ = load_settings().signing_secret
    assert str(error.value).startswith("SLACK_SIGNING_SECRET is empty: copy the Signing Secret from your Slack app")


@pytest.mark.parametrize("secret", ["s", "fifteen-chars!!"])
def test_a_short_signing_secret_is_refused_with_slack(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret)
    with pytest.raises(SettingsError, match=f"SLACK_SIGNING_SECRET is {len(secret)} characters long, shorter than 16"):
        _ = load_settings().signing_secret
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret + "x" * (16 - len(secret)))
    assert len(load_settings().signing_secret) == 16


def test_the_sandbox_and_slack_on_this_machine_are_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only against the sandbox may a secret be short (the tests' doubles) or generated."""
    assert load_settings().slack_is_local
    assert load_settings().signing_secret == SANDBOX_SIGNING_SECRET
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-sandbox-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "short")
    for url in ("http://127.0.0.1:3100/api", "http://localhost:3100/api", "http://[::1]:3100/api"):
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", url)
        assert load_settings().slack_is_local
        assert load_settings().signing_secret == "short"
    for url in ("https://slack.com/api", "http://127.0.0.1.example.com/api", "http://10.0.0.1/api"):
        monkeypatch.setenv("OPSGATE_SLACK_API_URL", url)
        assert not load_settings().slack_is_local
        with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is 5 characters long"):
            _ = load_settings().signing_secret
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    monkeypatch.setenv("OPSGATE_SLACK_API_URL", "http://127.0.0.1:3100/api")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is empty"):  # never empty, even locally
        _ = load_settings().signing_secret


def opsgate(command: str, directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`opsgate <command>` as a process starts it, in `directory`, with only `env` set of our variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_", "ANTHROPIC_"))}
    database = {"OPSGATE_DATABASE_URL": f"sqlite:///{directory / 'opsgate.db'}", "OPSGATE_DATA_DIR": str(directory)}
    return subprocess.run(
        [sys.executable, "-m", "opsgate", command],
        cwd=directory,
        env={**clean, **database, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_bot_refuses_to_start_with_an_empty_signing_secret(tmp_path: Path) -> None:
    done = opsgate("bot", tmp_path, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""})
    assert done.returncode == 2, done.stderr
    assert "opsgate: SLACK_SIGNING_SECRET is empty: copy the Signing Secret" in done.stderr
    assert not (tmp_path / "opsgate.db").exists()  # refused before anything


def test_the_bot_and_the_worker_refuse_to_start_without_a_vault_key_of_their_own(tmp_path: Path) -> None:
    """The signing secret is no vault key: Slack and everyone who configures the app hold it."""
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SLACK_LIKE_SECRET}
    for command in ("bot", "worker"):
        done = opsgate(command, tmp_path, env)
        assert done.returncode == 2, done.stderr
        assert "opsgate: OPSGATE_VAULT_KEY is not set: set OPSGATE_VAULT_KEY to a random value" in done.stderr
    assert not (tmp_path / "opsgate.db").exists()
    assert not (tmp_path / "vault.key").exists()


def documented_variables(markdown: str) -> set[str]:
    """The variables of the settings table; `OPSGATE_SMTP_HOST` / `_PORT` names OPSGATE_SMTP_PORT too."""
    lines = markdown.splitlines()
    assert lines.count(SETTINGS_TABLE) == 1, f"one settings table, headed `{SETTINGS_TABLE}`"
    names: set[str] = set()
    for row in lines[lines.index(SETTINGS_TABLE) + 2 :]:  # past the header and its rule
        if not row.startswith("|"):
            break
        assert row.startswith("| `"), f"a settings table row the test cannot read: {row}"
        full = ""
        for token in re.findall(r"`([A-Z][A-Z0-9_]*|_[A-Z0-9_]+)`", row.split("|")[1]):
            if token.startswith("_") and full:
                kept = full.split("_")[: -(token.count("_"))]
                names.add("_".join(kept) + token)
            else:
                full = token
                names.add(token)
    return names


def test_the_settings_table_lists_every_setting() -> None:
    documented = documented_variables(SETTINGS_DOC.read_text())
    assert {"OPSGATE_SMTP_PORT", "OPSGATE_SLACK_CLIENT_SECRET", "OPSGATE_BREAKER_COOLDOWN"} <= documented
    missing = sorted(name for name in _ENV_NAMES.values() if name not in documented)
    assert missing == [], f"not in docs/configuration.md's settings table: {', '.join(missing)}"


def test_oauth_installs_need_the_home_team_and_an_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a list, any workspace could install opsgate and run what needs no approval."""
    monkeypatch.setenv("OPSGATE_SLACK_CLIENT_ID", "123.456")
    with pytest.raises(SettingsError, match="OPSGATE_SLACK_HOME_TEAM is not set, but OPSGATE_SLACK_CLIENT_ID is"):
        load_settings().slack_allowlist()
    monkeypatch.setenv("OPSGATE_SLACK_HOME_TEAM", "T0HOME")
    with pytest.raises(SettingsError, match=r"OPSGATE_SLACK_ALLOWED_TEAMS is not set.*any workspace could install"):
        load_settings().slack_allowlist()
    monkeypatch.setenv("OPSGATE_SLACK_ALLOWED_TEAMS", "T0PARTNER, T0OTHER")
    assert load_settings().slack_allowlist() == (frozenset({"T0HOME", "T0PARTNER", "T0OTHER"}), frozenset())
    monkeypatch.setenv("OPSGATE_SLACK_ALLOWED_TEAMS", "")
    monkeypatch.setenv("OPSGATE_SLACK_ALLOWED_ENTERPRISES", "E0GRID")
    assert load_settings().slack_allowlist() == (frozenset({"T0HOME"}), frozenset({"E0GRID"}))


def test_one_bot_token_needs_no_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert load_settings().slack_allowlist() == (frozenset(), frozenset())  # the bot adds auth.test's team


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPSGATE_SLACK_ALLOWED_TEAMS", "T0PARTNER"), ("OPSGATE_SLACK_ALLOWED_ENTERPRISES", "E0GRID")],
)
def test_serving_other_workspaces_needs_the_home_team(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A bare user id in the policy is a person of the home workspace: bot and worker must agree which one."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"OPSGATE_SLACK_HOME_TEAM is not set, but {variable} is"):
        load_settings().slack_allowlist()
    monkeypatch.setenv("OPSGATE_SLACK_HOME_TEAM", "T0HOME")
    assert "T0HOME" in load_settings().slack_allowlist()[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPSGATE_SLACK_ALLOWED_TEAMS", "T0ONE,acme"), ("OPSGATE_SLACK_ALLOWED_ENTERPRISES", "T0ONE")],
)
def test_an_allowlist_entry_that_is_no_slack_id_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}: Value error, .* is not a Slack id"):
        load_settings()
