"""Characters that look like Latin letters, folded to the letter they imitate.

A hand-picked subset of Unicode's confusables (UTS #39) covering the scripts used to disguise English words:
Cyrillic, Greek, Armenian, Cherokee and a few Latin extensions. NFKC already folds the fullwidth and
mathematical alphabets, so they are not listed. Every entry maps one character to one character, so folding
keeps offsets.
"""

from __future__ import annotations

__all__ = ["CONFUSABLES", "HOMOGLYPH_TABLE", "LEET_TABLE"]

_PAIRS = {
    # Cyrillic lower case
    "а": "a", "в": "b", "г": "r", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b", "ү": "y", "ս": "u",
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J", "Ԁ": "D", "Ԛ": "Q",
    "Ԝ": "W", "Һ": "H", "Ӏ": "I", "Ү": "Y",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Armenian and Cherokee
    "օ": "o", "ո": "n", "ց": "g", "ք": "q", "հ": "h", "Ꭺ": "A", "Ꭼ": "E", "Ꮋ": "H", "Ꭻ": "J", "Ꮶ": "K",
    "Ꮇ": "M", "Ꮲ": "P", "Ꮪ": "S", "Ꭲ": "T", "Ꮃ": "W",
    # Latin extensions and symbols
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ʏ": "y", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ᴋ": "k",
    "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ʀ": "r", "ꜱ": "s",
    "ɢ": "g", "ʜ": "h", "ɪ": "i", "ʟ": "l", "ɴ": "n", "ℓ": "l", "℮": "e",
}  # fmt: skip

CONFUSABLES: frozenset[str] = frozenset(_PAIRS)
HOMOGLYPH_TABLE: dict[int, str] = {ord(key): value for key, value in _PAIRS.items()}

# Digit and symbol substitutions of leetspeak, as a byte table; used only on the injection-matching view.
# `|`, `!` and `+` are left alone: the chat-template and tool-call rules need them.
LEET_TABLE: bytes = bytes.maketrans(b"01345789@$", b"oieastbgas")
