"""The baseline: Presidio's pattern recognizers for the shared types, with no NLP model and no network.

`presidio-analyzer` is a benchmark-only dependency (`uv sync --group bench`). Its `NoOpNlpEngine` loads no spaCy
model; the email recognizer's `tldextract` is pointed at its bundled suffix list, so nothing is fetched.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from testkit.guardrail_data import PII_TYPES

__all__ = ["presidio_detector"]


def presidio_detector() -> Callable[[str], list[tuple[str, int, int]]]:
    """A function text -> spans (opsgate type names); raises ImportError when the bench group is not installed."""
    # Imported by name: the bench group is optional, and type-checking must pass with or without it.
    tldextract: Any = importlib.import_module("tldextract")
    analyzer: Any = importlib.import_module("presidio_analyzer")
    nlp: Any = importlib.import_module("presidio_analyzer.nlp_engine")
    recognizers: Any = importlib.import_module("presidio_analyzer.predefined_recognizers")

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    kinds = (
        "EmailRecognizer",
        "PhoneRecognizer",
        "CreditCardRecognizer",
        "IbanRecognizer",
        "UsSsnRecognizer",
        "IpRecognizer",
    )
    registry = analyzer.RecognizerRegistry(recognizers=[getattr(recognizers, kind)() for kind in kinds])
    engine = analyzer.AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp.NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
        supported_languages=["en"],
    )
    entities = list(PII_TYPES)

    def detect(text: str) -> list[tuple[str, int, int]]:
        results = engine.analyze(text=text, language="en", entities=entities)
        return [(PII_TYPES[r.entity_type], r.start, r.end) for r in results if r.entity_type in PII_TYPES]

    return detect
