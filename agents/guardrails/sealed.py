"""A pseudonym vault sealed for the trip from the bot to the worker.

The bot replaces personal data with placeholders (`<EMAIL_1>`) before anything else sees the text; the values
travel with the task only encrypted (Fernet: AES-128-CBC + HMAC-SHA256), so the journal, logs and traces never
hold them in clear. The worker opens the vault only to restore placeholders in the arguments of a tool call a
person approved, for the data types the policy allows.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from agents.guardrails.vault import PseudonymVault

__all__ = ["VaultSealer", "VaultUnreadable"]


class VaultUnreadable(Exception):
    """The sealed vault was made with another key (or altered): nothing can be restored."""


class VaultSealer:
    def __init__(self, key_material: str) -> None:
        if not key_material:
            raise ValueError("the vault key must not be empty")
        # Any secret string becomes a Fernet key; OPSGATE_VAULT_KEY may be a passphrase.
        digest = hashlib.sha256(b"opsgate-vault:" + key_material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, pseudonyms: dict[str, str]) -> str | None:
        if not pseudonyms:
            return None
        return self._fernet.encrypt(json.dumps(pseudonyms, sort_keys=True).encode()).decode()

    def open(self, sealed: str | None) -> PseudonymVault:
        if not sealed:
            return PseudonymVault()
        try:
            entries = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError) as exc:
            raise VaultUnreadable("the personal data of this task cannot be opened with this worker's key") from exc
        return PseudonymVault({str(k): str(v) for k, v in entries.items()})
