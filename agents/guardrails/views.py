"""The copies of a text that injection rules read, and the hidden text decoded from it.

These views exist only for matching and are never passed on. `word` is the normalized text with every look-alike
letter folded, in lower case, with leetspeak digits undone (`1gn0r3`: no rule needs a digit); `squeezed` keeps
only its letters (`i g n o r e` and `i.g.n.o.r.e` become `ignore`). Blobs that look like base64, hex or binary
are decoded when the result is readable text, and their views are scanned too: one level deep, a bounded number.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import NamedTuple

from agents.guardrails._regex import compile_bytes
from agents.guardrails.confusables import CONFUSABLES, HOMOGLYPH_TABLE, LEET_TABLE
from agents.guardrails.normalize import normalize

__all__ = ["BLOB_HINT", "MAX_BLOBS", "Views", "decoded_blobs", "squeezed", "views_of"]

MAX_BLOBS = 8
_MAX_BLOB_BYTES = 16_384
_KEEP_LETTERS = bytes(range(ord("a"), ord("z") + 1))
_DROP_FOR_SQUEEZE = bytes(b for b in range(256) if b not in _KEEP_LETTERS)

_CONFUSABLE = compile_bytes("[" + "".join(sorted(CONFUSABLES)) + "]+")
# A necessary condition for `_BLOB` to match, cheap enough to add to another RE2 set as a hint.
BLOB_HINT = r"[A-Za-z0-9+/_-]{16}|(?:[0-9A-Fa-f]{2}[ :]?){12}"
_BLOB = compile_bytes(
    r"(?:[01]{8} ?){6,}|(?:[0-9A-Fa-f]{2}[ :]?){12,}|[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{24,}={0,2}"
)


class Views(NamedTuple):
    folded: bytes  # look-alikes folded, case kept; the same object as the input bytes when nothing was folded
    word: bytes  # folded, lower case, leetspeak digits undone: what the word rules read
    squeezed: bytes  # `word` with everything but the letters a-z removed
    origin: str  # "text", "base64", "hex" or "binary"


def squeezed(word: bytes) -> bytes:
    """The squeezed view of a word view: only its letters a-z."""
    return word.translate(None, _DROP_FOR_SQUEEZE)


def views_of(text: str, origin: str = "text", data: bytes = b"") -> Views:
    folded = data or text.encode("utf-8", "surrogatepass")
    if len(folded) != len(text) and _CONFUSABLE.search(folded) is not None:
        pieces: list[bytes] = []
        copied = 0
        for match in _CONFUSABLE.finditer(folded):  # fold only the look-alike runs: str.translate is slow
            start, end = match.span()
            pieces += (folded[copied:start], folded[start:end].decode("utf-8").translate(HOMOGLYPH_TABLE).encode())
            copied = end
        folded = b"".join((*pieces, folded[copied:]))
    word = folded.lower().translate(LEET_TABLE)
    return Views(folded, word, squeezed(word), origin)


def decoded_blobs(text: str, data: bytes = b"") -> list[tuple[str, str]]:
    """Readable text hidden in base64, hex or binary blobs of `text`, as (origin, decoded text) pairs."""
    data = data or text.encode("utf-8", "surrogatepass")
    found: list[tuple[str, str]] = []
    for attempt, match in enumerate(_BLOB.finditer(data)):  # no capture groups: RE2 finds bounds with its DFA
        if len(found) >= MAX_BLOBS or attempt >= 4 * MAX_BLOBS:
            break
        blob = data[match.start() : min(match.end(), match.start() + _MAX_BLOB_BYTES)]
        for origin, alphabet, decode in _DECODERS:  # the narrowest alphabet that fits: binary, hex, base64
            if alphabet is None or not blob.translate(None, alphabet):
                decoded = decode(blob)
                if decoded is not None:
                    found.append((origin, decoded))
                    break
    return found


def _from_binary(blob: bytes) -> str | None:
    bits = blob.replace(b" ", b"")
    return _readable(bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - 7, 8)))


def _from_base64(blob: bytes) -> str | None:
    # Encoded text has both cases and (almost always) a digit or `+`; paths and long words do not.
    if blob == blob.lower() or blob == blob.upper() or len(blob.translate(None, b"0123456789+")) == len(blob):
        return None
    stripped = blob.rstrip(b"=")
    padded = stripped + b"=" * (-len(stripped) % 4)
    try:
        raw = base64.b64decode(padded.replace(b"-", b"+").replace(b"_", b"/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _readable(raw)


def _from_hex(blob: bytes) -> str | None:
    digits = blob.replace(b" ", b"").replace(b":", b"")
    try:
        raw = bytes.fromhex(digits[: len(digits) - len(digits) % 2].decode("ascii"))
    except ValueError:
        return None
    return _readable(raw)


def _readable(raw: bytes) -> str | None:
    """The decoded bytes as text if they are mostly letters and spaces, else None (keys, hashes, images)."""
    if len(raw) < 8:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\t")
    letters = sum(1 for ch in text if ch.isalpha() or ch == " ")
    if printable < 0.95 * len(text) or letters < 0.7 * len(text) or " " not in text:
        return None
    return normalize(text).text


_DECODERS: tuple[tuple[str, bytes | None, Callable[[bytes], str | None]], ...] = (
    ("binary", b"01 ", _from_binary),
    ("hex", b"0123456789abcdefABCDEF :", _from_hex),
    ("base64", None, _from_base64),
)
