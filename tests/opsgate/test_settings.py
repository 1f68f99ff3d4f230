"""Settings: Slack's and Anthropic's own variable names, and errors that name the variable."""

from __future__ import annotations

import pytest

from opsgate.settings import SettingsError, load_settings


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
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1234/")
    settings = load_settings()
    assert not settings.sandbox
    assert settings.signing_secret == "shh"
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
