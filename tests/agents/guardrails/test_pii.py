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


INTERNATIONAL = [
    ("call +44 (0)20 7946 0958 tomorrow", "PHONE", "+44 (0)20 7946 0958"),
    ("tel: +353 1 234 5678", "PHONE", "+353 1 234 5678"),
    ("her mobile is +31 6 12345678", "PHONE", "+31 6 12345678"),
    ("Berlin office +49 (0) 30 12345678", "PHONE", "+49 (0) 30 12345678"),
    ("+7 495 123-45-67 is the moscow desk", "PHONE", "+7 495 123-45-67"),
    ("whatsapp +91 98765 43210", "PHONE", "+91 98765 43210"),
    ("phone 0044 20 7946 0958", "PHONE", "0044 20 7946 0958"),
    ("page jane.doe+oncall@mail.example.co.uk", "EMAIL", "jane.doe+oncall@mail.example.co.uk"),
    ("cc ops-team+pagerduty@eu.corp.example.io", "EMAIL", "ops-team+pagerduty@eu.corp.example.io"),
    ("write to o'brien@example.ie", "EMAIL", "o'brien@example.ie"),
]


@pytest.mark.parametrize(("text", "kind", "value"), INTERNATIONAL)
def test_international_numbers_and_tagged_addresses_are_found_whole(text: str, kind: str, value: str) -> None:
    verdict = GUARD.check(text)

    assert [(span.type, text[span.start : span.end]) for span in verdict.pii] == [(kind, value)]
    assert verdict.text == text.replace(value, f"<{kind}_1>")


NOT_PII = [
    "run it with --message hi --model claude-sonnet-4-20250514",
    "curl ftp://username:password@example.com/pub and https://bob@git.example.com/repo.git",
    "pod web-7d9f8b6c5-x2kq9 restarted 14 times; trace 4bf92f3577b34da6a3ce929d0e0e4736",
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
    assert [span.type for span in verdict.pii] == ["EMAIL", "PHONE", "IP_ADDRESS"]  # allowed, still reported


IPS = [
    ("restart 10.0.3.17 and 2001:db8::42", ["10.0.3.17", "2001:db8::42"]),
    ("curl http://10.0.0.1:8080/health", ["10.0.0.1"]),
    ("open 10.0.0.0/8 and 192.168.1.0/24 on the sg", ["10.0.0.0", "192.168.1.0"]),
    ("node 2001:0db8:85a3:0000:0000:8a2e:0370:7334 is down", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]),
    ("ping ::1, fe80::1%eth0 and FE80::ABCD:1", ["::1", "fe80::1", "FE80::ABCD:1"]),
    ("connect to [2001:db8::1]:443 in 2001:db8::/32", ["2001:db8::1", "2001:db8::"]),
    ("mapped ::ffff:192.0.2.1 and nat64 64:ff9b::192.0.2.33", ["::ffff:192.0.2.1", "64:ff9b::192.0.2.33"]),
    ("ssh root@10.1.2.3 and check 01.02.03.04", ["10.1.2.3", "01.02.03.04"]),
]


@pytest.mark.parametrize(("text", "addresses"), IPS)
def test_ips_are_found_labelled_and_passed_on_unchanged(text: str, addresses: list[str]) -> None:
    verdict = GUARD.check(text)

    assert [(span.type, text[span.start : span.end]) for span in verdict.pii] == [
        ("IP_ADDRESS", address) for address in addresses
    ]
    assert (verdict.action, verdict.text, verdict.reasons, verdict.pseudonyms) == ("allow", text, (), {})


def test_ips_are_pseudonymised_or_redacted_when_the_policy_says_so() -> None:
    text = "block 10.9.8.7:22 and [2001:db8::7]:443, then 10.9.8.7/32 again"
    pseudonymise = InputGuardrails(GuardrailsConfig(entities={"IP_ADDRESS": "pseudonymise"}))
    redact = InputGuardrails(GuardrailsConfig(entities={"IP_ADDRESS": "redact"}))

    hidden, removed = pseudonymise.check(text), redact.check(text)

    assert hidden.text == "block <IP_ADDRESS_1>:22 and [<IP_ADDRESS_2>]:443, then <IP_ADDRESS_1>/32 again"
    assert hidden.pseudonyms == {"<IP_ADDRESS_1>": "10.9.8.7", "<IP_ADDRESS_2>": "2001:db8::7"}
    assert hidden.reasons == ("pseudonymised 3 personal data values (IP_ADDRESS)",)
    assert (
        removed.text
        == "block [REDACTED:IP_ADDRESS]:22 and [[REDACTED:IP_ADDRESS]]:443, then [REDACTED:IP_ADDRESS]/32 again"
    )
    assert hidden.action == removed.action == "redact"
    assert len(hidden.pii) == len(removed.pii) == 3


def test_a_passed_ip_adds_no_note_beside_personal_data_that_is_replaced() -> None:
    text = "mail jane@example.com about 10.0.0.1"

    verdict = GUARD.check(text)

    assert verdict.text == "mail <EMAIL_1> about 10.0.0.1"
    assert verdict.reasons == ("pseudonymised 1 personal data value (EMAIL)",)
    assert [span.type for span in verdict.pii] == ["EMAIL", "IP_ADDRESS"]
    assert verdict.telemetry()["guardrail.pii_count"] == 2


NOT_IPS = [
    "release v1.2.3.4 and version 10.2.0.1, build 1.2.3.4, pin requests==2.31.0.1",
    "bump 1.2.3 to 1.2.4 on 2024.05.17 at 12:30:45",
    "walk oid 1.3.6.1.4.1.311.21.8 and the five-part 1.2.3.4.5",
    "999.1.1.1, 256.0.0.1 and 1.2.3.256 are not addresses",
    "mac 00:1a:2b:3c:4d:5e and 1:2:3:4:5:6:7:8:9",
    "std::vector, Foo::Bar, dead::beef, items[1::2] and f :: Int",
    "arn:aws:iam::512345678905:role/deploy",
]


@pytest.mark.parametrize("text", NOT_IPS)
def test_versions_oids_and_code_are_not_ips(text: str) -> None:
    assert [text[span.start : span.end] for span in GUARD.check(text).pii if span.type == "IP_ADDRESS"] == []


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
