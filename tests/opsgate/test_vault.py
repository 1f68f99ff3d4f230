"""The vault key: OPSGATE_VAULT_KEY with Slack, never the signing secret; generated into the data directory against
the local sandbox, readable by its owner only, the same for every process sharing the directory."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agents.guardrails.sealed import VaultUnreadable
from opsgate.settings import Settings, SettingsError
from opsgate.vault import VAULT_KEY_FILE, vault_key, vault_sealer

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


def with_slack(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-1",
        "slack_signing_secret": SIGNING_SECRET,
        "data_dir": data_dir,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def sandbox(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, **overrides)  # type: ignore[arg-type]


def test_with_slack_a_vault_key_of_its_own_is_required(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        vault_key(with_slack(tmp_path))
    assert error.value.problem == "OPSGATE_VAULT_KEY is not set"
    assert "the same in the bot and every worker" in str(error.value)
    assert not (tmp_path / VAULT_KEY_FILE).exists()  # nothing is generated for a deployment against Slack
    with pytest.raises(SettingsError, match="OPSGATE_VAULT_KEY is not set"):
        vault_key(with_slack(tmp_path, vault_key=""))  # compose's empty default counts as unset


def test_with_slack_a_short_vault_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="OPSGATE_VAULT_KEY is 6 characters long, shorter than 16"):
        vault_key(with_slack(tmp_path, vault_key="hunter"))
    assert vault_key(with_slack(tmp_path, vault_key="a-vault-key-of-its-own")) == "a-vault-key-of-its-own"


def test_the_signing_secret_never_opens_a_vault(tmp_path: Path) -> None:
    """Before: an unset vault key fell back to the signing secret, so whoever held it opened every sealed vault."""
    for settings in (with_slack(tmp_path, vault_key="a-vault-key-of-its-own"), sandbox(tmp_path)):
        assert vault_key(settings) != settings.signing_secret
        sealed = vault_sealer(settings).seal({"<EMAIL_1>": "alice@example.com"})
        assert vault_sealer(settings).open(sealed).entries() == {"<EMAIL_1>": "alice@example.com"}
        with pytest.raises(VaultUnreadable):
            vault_sealer(with_slack(tmp_path, vault_key=settings.signing_secret)).open(sealed)


def test_the_sandbox_generates_one_key_into_the_data_directory(tmp_path: Path) -> None:
    first = vault_key(sandbox(tmp_path))
    path = tmp_path / VAULT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert vault_key(sandbox(tmp_path)) == first  # read back, not generated again
    assert vault_key(sandbox(tmp_path / "other")) != first
    assert vault_key(sandbox(tmp_path, vault_key="a-configured-key-wins")) == "a-configured-key-wins"
    # `opsgate up`'s children and the tests point a sandbox token at the sandbox on this machine: local too
    local = with_slack(tmp_path, slack_bot_token="xoxb-sandbox-token", slack_api_url="http://127.0.0.1:3100/api")
    assert vault_key(local) == first


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: vault_key(sandbox(tmp_path)), range(16)))
    assert len(keys) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [VAULT_KEY_FILE]  # no temporary file left behind
