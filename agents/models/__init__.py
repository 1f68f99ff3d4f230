"""The model seam and its implementations: Claude, a scripted model for tests, an offline model for demos."""

from agents.models.base import Model, ModelError
from agents.models.offline import OfflineModel
from agents.models.scripted import ScriptedModel, ScriptExhausted

__all__ = ["Model", "ModelError", "OfflineModel", "ScriptExhausted", "ScriptedModel"]
