"""The vault key both the bot and the worker build from settings, so a request's pseudonyms open on the other side
(and the workspaces' bot tokens, in OAuth mode, stay readable).

With Slack, OPSGATE_VAULT_KEY is required: a start without it is refused, naming the variable. Against the local
sandbox an unset key is generated into the data directory at first start (`vault.key`, readable by its owner only),
so `make demo` needs no setup and the bot and worker sharing the directory agree.
"""

from __future__ import annotations

import secrets

from agents.guardrails.sealed import VaultSealer
from opsgate.keys import create_once
from opsgate.settings import MIN_SECRET_CHARS, VAULT_KEY_HOW, Settings, SettingsError

__all__ = ["VAULT_KEY_FILE", "vault_key", "vault_sealer"]

VAULT_KEY_FILE = "vault.key"


def vault_key(settings: Settings) -> str:
    """OPSGATE_VAULT_KEY; against the local sandbox without one, the data directory's key, generated when missing."""
    configured = settings.configured_vault_key()
    if configured is not None:
        return configured
    if not settings.slack_is_local:
        raise SettingsError("OPSGATE_VAULT_KEY is not set", VAULT_KEY_HOW)
    path = settings.data_dir / VAULT_KEY_FILE
    if not path.exists():
        create_once(path, secrets.token_urlsafe(32).encode())
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_CHARS:
        raise SettingsError(f"{path} holds no usable key", f"remove it to generate a new one, or {VAULT_KEY_HOW}")
    return key


def vault_sealer(settings: Settings) -> VaultSealer:
    return VaultSealer(vault_key(settings))
