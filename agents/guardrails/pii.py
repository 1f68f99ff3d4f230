"""Personal-data detectors: email, phone, credit card (Luhn), IBAN (ISO 13616 checksum), US SSN; and IPs.

Checksums and structure carry the strong types. Phones have no checksum, so a number written like a phone
(`+41 …`, `(555) …`, `555-123-4567`, an extension) counts on its own, while a bare digit group (`467 3395`) counts
only next to a word such as "phone", "call" or "fax"; dates, IPs and number lists with an ops context ("ports",
"pid") are not phones. An address after `ssh`/`scp` or before `:path` is a login, not an email.
IP addresses (v4; v6 full or compressed) are found without their port or prefix length; a dotted quad inside a
longer dotted number (an OID) or after a word such as "version" is not one.
"""

from __future__ import annotations

import ipaddress

from agents.guardrails._regex import compile_bytes
from agents.guardrails.entities import Detector

__all__ = ["INFRASTRUCTURE_DETECTORS", "PII_DETECTORS", "iban_valid", "luhn_valid"]

# Lengths of IBANs by country (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_PHONE_CONTEXT = compile_bytes(
    r"\b(?:phones?|telephone|tel|mobile|cell|cellphone|fax|call|calls|calling|called|sms|whatsapp|dial|landline"
    r"|desk|office|answering|messages?|voicemail|hotline)\b",
    ignore_case=True,
)
_WEAK_PHONE_CONTEXT = compile_bytes(r"\b(?:number|contact|reach|text|home|ring|ext|extension)\b", ignore_case=True)
_NOT_PHONE_CONTEXT = compile_bytes(
    r"\b(?:ports?|pids?|ids?|uids?|gids?|versions?|build|release|ticket|issue|line|lines|rows?|bytes|kb|mb|gb"
    r"|seconds|secs|ms|minutes|replicas|errno|exit|commit|sha|account|acct|arn|order|license|licence|passport"
    r"|invoice|serial|case|policy|member|customer|employee|badge|inodes?|size|offset|blocks?|sectors?|checksum"
    r"|timestamp|epoch|count)\b",
    ignore_case=True,
)
_DATE = compile_bytes(
    r"\b(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./]\d\d?|\b\d\d?[-./]\d\d?[-./](?:19|20)\d\d\b"
    r"|^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$"
)
_IBAN_PREFIX = compile_bytes(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){1,7} ?$")
_NANP = compile_bytes(r"^(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_LOGIN_CONTEXT = compile_bytes(
    r"\b(?:ssh|scp|sftp|rsync|mosh|telnet|git\s+clone|ssh-copy-id|log\s*in(?:to)?|logon|sign\s+in(?:to)?)\b",
    ignore_case=True,
)
_SSN_CONTEXT = compile_bytes(r"\b(?:ssn|social\s+security|social-security|taxpayer|tin)\b", ignore_case=True)
_CARD_CONTEXT = compile_bytes(
    r"\b(?:card|visa|mastercard|amex|maestro|credit|debit|jcb|discover|diners|cc)\b", ignore_case=True
)
_VERSION_BEFORE = compile_bytes(
    r"(?:\b(?:v|ver|version|versions|release|rel|build|revision|rev|firmware|fw|kernel|sdk|tag)\s*[:=]?\s*|[=~]=\s*)$",
    ignore_case=True,
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1?\d?\d)"
_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_HEXTET = r"[0-9a-f]{1,4}"
_IPV6 = (
    rf"\b(?:{_HEXTET}:){{7}}{_HEXTET}\b|\b(?:{_HEXTET}:){{6}}{_IPV4}\b"  # full, or with an IPv4 tail
    rf"|(?:\b{_HEXTET}(?::{_HEXTET}){{0,6}})?::(?:(?:{_HEXTET}:){{0,5}}(?:{_IPV4}|{_HEXTET})\b)?"  # compressed
)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _window(text: str, start: int, end: int, before: int, after: int) -> bytes:
    """The text around a candidate, without the words the window would cut in half."""
    low, high = max(0, start - before), min(len(text), end + after)
    while 0 < low < start and text[low - 1].isalnum():
        low += 1
    while end < high < len(text) and text[high].isalnum():
        high -= 1
    return text[low:start].encode() + b" | " + text[end:high].encode()


def _credit_card(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    number = _digits(value)
    separators = {ch for ch in value if not ch.isdigit()}
    if len(separators) > 1 or not 12 <= len(number) <= 19 or not luhn_valid(number) or len(set(number)) < 2:
        return None
    neighbours = text[max(0, start - 1) : start] + text[end : end + 1]
    if ":" in neighbours or "/" in neighbours:
        return None  # part of an ARN, a path or a URL
    if _CARD_CONTEXT.search(_window(text, start, end, 40, 10)) is not None:
        return start, end
    if not (number[0] in "3456" or number.startswith(("22", "23", "24", "25", "26", "27", "2131", "1800"))):
        return None
    if len(number) <= 13 and (number[0] not in "56" or _NOT_PHONE_CONTEXT.search(_window(text, start, end, 40, 0))):
        return None  # short numbers are card numbers only where the context says so
    return start, end


def _iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    expected = _IBAN_LENGTHS.get(text[start : start + 2].upper())
    if expected is None:
        return None
    count = 0
    for i in range(start, end):
        if text[i] != " ":
            count += 1
            if count == expected:
                compact = text[start : i + 1].replace(" ", "").upper()
                after = text[i + 1 : i + 2]
                return (start, i + 1) if iban_valid(compact) and not after.isalnum() else None
    return None


def _ssn(text: str, start: int, end: int) -> tuple[int, int] | None:
    number = _digits(text[start:end])
    area, group, serial = number[:3], number[3:5], number[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    if end - start == 9 and not _SSN_CONTEXT.search(_window(text, start, end, 40, 0)):
        return None
    return start, end


def _email(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[end : end + 1] == ":":
        return None  # git@github.com:org/repo
    token = text[max(0, start - 256) : start].rsplit(None, 1)[-1] if start else ""
    scheme = token.rfind("://")
    if scheme >= 0 and not any(ch in token[scheme + 3 :] for ch in "/?=&"):
        return None  # the user and host of a URL: ftp://user:password@example.com
    line_start = text.rfind("\n", max(0, start - 60), start) + 1
    if _LOGIN_CONTEXT.search(text[max(line_start, start - 60) : start].encode()):
        return None
    return start, end


def _phone(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    main = value.lower().split("x")[0].split("ext")[0]
    digits = _digits(main)
    if not 7 <= len(digits) <= 15 or len(set(digits)) < 3 or _DATE.search(value.encode()):
        return None
    groups = [group for group in main.replace("(", " ").replace(")", " ").replace(".", " ").split() if group]
    if "." in main and len(groups) in (3, 4) and all(g.isdigit() and len(g) <= 3 for g in groups):
        return None  # an IPv4 address or network prefix
    if len(groups) > 1 and len(set(groups)) == 1:
        return None  # "123 123 123" is a list, not a number
    if _IBAN_PREFIX.search(text[max(0, start - 40) : start].encode()) is not None:
        return None  # the tail of an IBAN written in groups
    if value[0] in "+(" or "x" in value.lower() or "ext" in value.lower():
        return start, end
    near = _window(text, start, end, 60, 20)
    if _PHONE_CONTEXT.search(near) is not None:
        return start, end
    if _NOT_PHONE_CONTEXT.search(_window(text, start, end, 30, 15)) is not None:
        return None
    strong = _NANP.search(main.strip().encode()) is not None or (len(groups) >= 3 and len(digits) >= 9)
    return (start, end) if strong or _WEAK_PHONE_CONTEXT.search(near) is not None else None


def _ipv4(text: str, start: int, end: int) -> tuple[int, int] | None:
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    if (before.endswith(".") and before[:1].isalnum()) or (after[:1] == "." and after[1:].isdigit()):
        return None  # four parts of a longer dotted number: an OID, a five-part version
    if _VERSION_BEFORE.search(text[max(0, start - 24) : start].encode()) is not None:
        return None
    return start, end


def _ipv6(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    before, after = text[max(0, start - 2) : start], text[end : end + 1]
    if before[-1:].isalnum() or before[-1:] in (":", ".", "_") or after.isalnum() or after in (":", "_"):
        return None  # `std::vector`, or one part of a longer run of hex digits and colons
    if before[-1:] == "[" and (before[:1].isalnum() or before[:1] in ("_", ")", "]")):
        return None  # a slice: `items[1::2]`
    if not any(ch.isdigit() for ch in value):
        return None  # `dead::beef` is code more often than an address
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    return start, end


PII_DETECTORS: tuple[Detector, ...] = (
    Detector.of("CREDIT_CARD", "pii", r"\b(?:\d[ -]?){11,18}\d\b", 10, check=_credit_card),
    Detector.of("IBAN", "pii", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}", 11, check=_iban, ignore_case=True),
    Detector.of(
        "US_SSN", "pii", r"\b(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{3}\.\d{2}\.\d{4}|\d{9})\b", 12, check=_ssn
    ),
    Detector.of(
        "EMAIL",
        "pii",
        r"\b[A-Za-z0-9][A-Za-z0-9._%+'-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b",
        13,
        check=_email,
        hint=r"[A-Za-z0-9._%+-]@[A-Za-z0-9]",
    ),
    Detector.of(
        "PHONE",
        "pii",
        # After a country code, groups of up to 8 digits (`+31 6 12345678`); else of up to 6.
        r"(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?(?:\d{7,15}|\d{1,5}(?:[ .-]\d{1,8}){1,5})"
        r"|(?:\(\d{1,5}\)[ .-]?|\b)(?:\d{7,15}|\d{1,5}(?:[ .-]\d{1,6}){1,5}))"  # area code, the number
        r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?\b",  # an extension
        14,
        check=_phone,
        ignore_case=True,
        hint=r"\d(?:[ .()+-]{0,3}\d){6}",  # seven digits at least, whatever the grouping
    ),
)

INFRASTRUCTURE_DETECTORS: tuple[Detector, ...] = (
    Detector.of("IP_ADDRESS", "infrastructure", rf"\b{_IPV4}\b", 15, check=_ipv4),
    Detector.of("IP_ADDRESS", "infrastructure", _IPV6, 15, check=_ipv6, ignore_case=True),
)
