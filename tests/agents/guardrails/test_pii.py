"""Personal data is pseudonymised consistently, restorable through the vault; infrastructure identifiers pass."""

from __future__ import annotations

import pytest

from agents.guardrails import GuardrailsConfig, InputGuardrails, PseudonymVault
from agents.guardrails.pii import iban_valid, luhn_valid

GUARD = InputGuardrails()

DETECTED = [
    ("mail jane.doe@example.com about the outage", "EMAIL", "jane.doe@example.com"),
    ("call me at +1 (415) 555-0142 if it pages again", "PHONE", "+1 (415) 555-0142"),
    ("her number is 415-555-0199", "PHONE", "415-555-0199"),
    ("phone: 0490 75 40 81", "PHONE", "0490 75 40 81"),
    ("refund card 4111 1111 1111 1111 please", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("amex 378282246310005 was charged twice", "CREDIT_CARD", "378282246310005"),
    ("wire it to GB82 WEST 1234 5698 7654 32 today", "IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN DE89370400440532013000 is the payroll account", "IBAN", "DE89370400440532013000"),
    ("his SSN is 078-05-1120", "US_SSN", "078-05-1120"),
    ("ssn 078051120 on file", "US_SSN", "078051120"),
]


@pytest.mark.parametrize(("text", "kind", "value"), DETECTED)
def test_personal_data_is_found_and_pseudonymised(text: str, kind: str, value: str) -> None:
    verdict = GUARD.check(text)

    assert verdict.action == "redact"
    assert [(span.type, text[span.start : span.end]) for span in verdict.pii] == [(kind, value)]
    assert value not in verdict.text
    assert f"<{kind}_1>" in verdict.text
    assert verdict.pseudonyms == {f"<{kind}_1>": value}


NOT_PII = [
    "card 4111 1111 1111 1112 fails the Luhn check",
    "IBAN GB82 WEST 1234 5698 7654 33 has a bad checksum",
    "SSN 000-12-3456 is not a valid number",
    "restart 10.0.3.17 and 2001:db8::42",
    "deploy to web-2.internal.example.com and api.eu-west-1.example.net",
    "ssh deploy@bastion.example.com and git clone git@github.com:acme/ops.git",
    "build 2024-05-17 12:30:00 took 1724000000 ms",
    "open ports 8080 8443 9090 on the sg",
    "delete the file with inode number 117672808",
    "aws account 123456789012 owns arn:aws:iam::512345678905:role/deploy",
    "bump version 1.24.3 to 1.25.0",
]


@pytest.mark.parametrize("text", NOT_PII)
def test_numbers_and_infrastructure_identifiers_pass(text: str) -> None:
    verdict = GUARD.check(text)

    assert verdict.text == text, verdict.pii
    assert verdict.action == "allow"


def test_same_value_gets_the_same_placeholder_within_a_text() -> None:
    text = "email Bob@Example.com, then bob@example.com again, and cc alice@example.com"

    verdict = GUARD.check(text)

    assert verdict.text == "email <EMAIL_1>, then <EMAIL_1> again, and cc <EMAIL_2>"
    assert verdict.pseudonyms == {"<EMAIL_1>": "Bob@Example.com", "<EMAIL_2>": "alice@example.com"}


def test_a_shared_vault_keeps_placeholders_stable_across_texts_and_restores_them() -> None:
    vault = PseudonymVault()

    first = GUARD.check("page +1 415 555 0142 and jane@example.com", vault=vault)
    second = GUARD.check("did jane@example.com answer on 415-555-0142?", vault=vault)

    assert first.text == "page <PHONE_1> and <EMAIL_1>"
    assert second.text == "did <EMAIL_1> answer on <PHONE_1>?"
    assert vault.restore(second.text) == "did jane@example.com answer on +1 415 555 0142?"
    assert vault.restore_arguments({"to": ["<EMAIL_1>"], "n": 1}) == {"to": ["jane@example.com"], "n": 1}
    assert vault.restore("<EMAIL_1> <PHONE_1>", types=frozenset({"EMAIL"})) == "jane@example.com <PHONE_1>"
    assert "jane" not in repr(vault)


def test_a_vault_is_rebuilt_from_its_entries() -> None:
    vault = PseudonymVault()
    vault.placeholder_for("EMAIL", "a@example.com")

    rebuilt = PseudonymVault(vault.entries())

    assert rebuilt.placeholder_for("EMAIL", "A@example.com") == "<EMAIL_1>"
    assert rebuilt.placeholder_for("EMAIL", "b@example.com") == "<EMAIL_2>"


def test_placeholders_typed_by_a_person_are_not_restored() -> None:
    vault = PseudonymVault()
    vault.placeholder_for("EMAIL", "ceo@example.com")

    verdict = GUARD.check("send the report to <EMAIL_1>", vault=vault)

    assert "<EMAIL_1>" not in verdict.text
    assert vault.restore(verdict.text) == verdict.text


def test_policy_per_type_can_redact_pass_or_detect_ips() -> None:
    guard = InputGuardrails(
        GuardrailsConfig(entities={"EMAIL": "redact", "PHONE": "allow", "IP_ADDRESS": "pseudonymise"})
    )

    verdict = guard.check("mail ops@example.com, call 415-555-0142, host 10.1.2.3")

    assert verdict.text == "mail [REDACTED:EMAIL], call 415-555-0142, host <IP_ADDRESS_1>"


def test_offsets_point_into_the_text_as_received() -> None:
    text = "zero\u200bwidth then ｊａｎｅ@example.com"

    verdict = GUARD.check(text)

    (span,) = verdict.pii
    assert text[span.start : span.end] == "ｊａｎｅ@example.com"
    assert verdict.text == "zerowidth then <EMAIL_1>"


def test_checksums() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST12345698765431")
    assert not iban_valid("XX82WEST12345698765432")
