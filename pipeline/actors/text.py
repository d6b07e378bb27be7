"""Text utilities shared by the stages that compare names: accent and apostrophe folding.

:func:`fold` keeps every offset in place, so a match found in folded text is a match in
the original. Used by the actor dictionary, the matcher, coreference and the features;
it changes only when folding does.
"""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Strip accents and unify apostrophes and spaces, keeping every offset in place."""
    # Most news text is ASCII, and only two ASCII characters fold: a search is ~20 times
    # faster than translating every character through the table. Other text has few
    # characters to fold: replacing only those is ~10 times faster than ``str.translate``,
    # which looks every character up in the table.
    if text.isascii() and _ASCII_FOLDED.search(text) is None:
        return text
    return _FOLDED.sub(_fold_character, text)


def _fold_character(match: re.Match) -> str:
    return _FOLD_CHARACTERS[match[0]]


def fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xA0, 0x2050):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = base
    table.update({ord(c): "'" for c in "’‘ʼ´`"})
    table.update({ord(c): " " for c in "\u00a0\u2007\u202f\t"})
    table.update({ord(c): "-" for c in "‐‑‒–"})
    return table


_FOLD_CHARACTERS = {chr(code): base for code, base in fold_table().items()}
_FOLDED = re.compile("[" + "".join(map(re.escape, sorted(_FOLD_CHARACTERS))) + "]")
_ASCII_FOLDED = re.compile("[" + "".join(re.escape(c) for c in _FOLD_CHARACTERS if c.isascii()) + "]")
