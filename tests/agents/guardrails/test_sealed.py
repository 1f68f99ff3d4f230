"""Pseudonyms travel from the bot to the worker only encrypted, and open only with the same key."""

from __future__ import annotations

import pytest

from agents.guardrails import GuardrailsConfig, InputGuardrails
from agents.guardrails.sealed import VaultSealer, VaultUnreadable


def test_a_sealed_vault_restores_only_what_it_is_asked_to() -> None:
    verdict = InputGuardrails(GuardrailsConfig()).check("mail jane.doe@example.com or call +1 415 555 0142")
    assert "jane.doe@example.com" not in verdict.text
    sealed = VaultSealer("k1").seal(verdict.pseudonyms)
    assert sealed is not None and "jane" not in sealed
    vault = VaultSealer("k1").open(sealed)
    restored = vault.restore_arguments({"to": ["<EMAIL_1>"], "body": "call <PHONE_1>"}, types=frozenset({"EMAIL"}))
    assert restored == {"to": ["jane.doe@example.com"], "body": "call <PHONE_1>"}
    assert vault.conceal("sent to jane.doe@example.com") == "sent to <EMAIL_1>"


def test_another_key_cannot_open_it_and_nothing_is_sealed_for_nothing() -> None:
    sealed = VaultSealer("k1").seal({"<EMAIL_1>": "a@example.com"})
    with pytest.raises(VaultUnreadable):
        VaultSealer("k2").open(sealed)
    assert VaultSealer("k1").seal({}) is None
    assert len(VaultSealer("k1").open(None)) == 0
