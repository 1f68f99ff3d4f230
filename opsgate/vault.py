"""The sealer both the bot and the worker build from settings, so a request's pseudonyms open on the other side."""

from __future__ import annotations

from agents.guardrails.sealed import VaultSealer
from opsgate.settings import Settings

__all__ = ["vault_sealer"]


def vault_sealer(settings: Settings) -> VaultSealer | None:
    material = settings.vault_key_material()
    return VaultSealer(material) if material else None
