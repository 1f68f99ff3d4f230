"""Masked forms of personal data: recognisable, never the value."""

from __future__ import annotations

import pytest

from agents.guardrails.masking import masked_form, masked_placeholders
from agents.guardrails.vault import PseudonymVault


@pytest.mark.parametrize(
    ("entity_type", "value", "masked"),
    [
        ("EMAIL", "ops-lead@example.com", "o***@example.com"),
        ("EMAIL", "a@b.io", "a***@b.io"),
        ("PHONE", "+1 415 555 0142", "***42"),
        ("CREDIT_CARD", "4111 1111 1111 1111", "***1111"),
        ("US_SSN", "123-45-6789", "***6789"),
        ("IBAN", "DE89 3704 0044 0532 0130 00", "DE***3000"),
        ("IP_ADDRESS", "10.1.2.3", "1***"),
        ("PERSON", "Bo", "***"),
        ("PHONE", "12", "***"),
    ],
)
def test_each_type_keeps_only_a_recognisable_part(entity_type: str, value: str, masked: str) -> None:
    assert masked_form(entity_type, value) == masked
    assert masked != value


def test_only_placeholders_the_call_holds_of_restored_types_are_listed() -> None:
    vault = PseudonymVault(
        {"<EMAIL_1>": "ops-lead@example.com", "<EMAIL_2>": "x@y.com", "<PHONE_1>": "+1 415 555 0142"}
    )
    arguments = {"to": ["<EMAIL_1>", "<EMAIL_1>"], "cc": {"deep": "ring <PHONE_1> or <EMAIL_9>"}, "n": 3}

    assert masked_placeholders(vault, arguments, types=frozenset({"EMAIL", "PHONE"})) == {
        "<EMAIL_1>": "o***@example.com",
        "<PHONE_1>": "***42",
    }
    assert masked_placeholders(vault, arguments, types=frozenset({"EMAIL"})) == {"<EMAIL_1>": "o***@example.com"}
    assert masked_placeholders(vault, {"text": "no data"}, types=frozenset({"EMAIL"})) == {}
