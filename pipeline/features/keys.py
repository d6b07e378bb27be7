"""Feature keys: the 64-bit number of each feature name, and the process's token table.

:func:`feature_key` gives a feature name's key; :class:`~pipeline.features.pairs.PairFeatures`
computes the same keys with NumPy from the token table (each token's code times the
powers of :data:`MIX`, and its flags), so classifying never builds the names. The flags
say what a token is in the language of a pack (a speech verb, a negator, ...).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from hashlib import blake2b

import numpy as np

from pipeline.lang import FeatureWords, LanguagePack, english

# Families of n-gram features: the prefix of their names and the number in their keys
# (1 was the words of the whole sentence; 14 the words of the target's clause tied to the
# target's name, dropped so that the model reads the sentence, not who the actor is).
NGRAM_FAMILIES = {"c": 2, "c2": 3, "g": 4, "L": 5, "R": 6, "l1": 7, "l2": 8, "r1": 9, "r2": 10, "lr": 11, "r3": 12}
C1, C2, G, L, R, L1, L2, R1, R2, LR, R3 = NGRAM_FAMILIES.values()
LITERAL = 13
EVENT = 15  # an n-gram's copy for one event (see event_key)
EVENT_PREFIX = "ev:"  # the name of a copy: "ev:<event>/<n-gram name>"
PREFIXES = {number: prefix + ":" for prefix, number in NGRAM_FAMILIES.items()}
MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so multiplying by it modulo 2**64 loses nothing
MASK = (1 << 64) - 1
MIX_CUBED = np.uint64(int(MIX) ** 3 & MASK)
_token_codes: dict[str, int] = {}


def token_code(token: str) -> int:
    """A stable 64-bit code of a token (the same in every process, unlike ``hash``)."""
    code = _token_codes.get(token)
    if code is None:
        if len(_token_codes) > 1 << 20:  # bound the memory of a long-running worker
            _token_codes.clear()
        digest = blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        code = _token_codes[token] = int.from_bytes(digest, "little")
    return code


def _mix(family: int, a: int, b: int = 0, c: int = 0) -> int:
    """The key of an n-gram of up to three token codes; :meth:`PairFeatures.encode` computes
    the same in uint64 arrays (multiplication wraps modulo 2**64 there)."""
    mix = int(MIX)
    key = (family * mix + a) & MASK
    key = (key * mix + b) & MASK
    return (key * mix + c) & MASK


# Training reads the keys of the same ~190,000 feature names once per target and per fit (the
# run-time model of each event, each fold): kept, as the token codes are.
@lru_cache(maxsize=1 << 19)
def feature_key(name: str) -> int:
    """The 64-bit key of a feature name, as :meth:`PairFeatures.encode` gives it.

    N-gram names are ``<family>:<token> <token> ...`` (tokens never hold a space); any other
    name is a literal feature, keyed as a whole.
    """
    if name.startswith(EVENT_PREFIX):
        event, _, inner = name[len(EVENT_PREFIX):].partition("/")
        return event_key(feature_key(inner), event)
    prefix, colon, rest = name.partition(":")
    family = NGRAM_FAMILIES.get(prefix) if colon else None
    if family is None:
        return _mix(LITERAL, token_code(name))
    return _mix(family, *map(token_code, rest.split(" ")))


def event_key(key: int, event: str) -> int:
    """The key of an n-gram's copy for one event ("ev:maduro-2024/c:coup"), from the n-gram's
    key; :meth:`PairFeatures.encode` computes the same over arrays of keys."""
    return _mix(EVENT, key, token_code(event))


# The first numbers of the token table; NONE, whose code is 0, pads n-grams shorter than three.
SPECIAL_TOKENS = (None, "TGT", ":", "<s>", "</s>")
NONE, TGT, COLON, START, END = range(len(SPECIAL_TOKENS))

# What the description reads off a token, one bit each.
(BREAK, COMMA, CONDITION, SPEECH_WORD, NON_FILLER, QUOTE, BY, TO, ACCORDING, PREPOSITION, POSSESSIVE,
 BEFORE_SPEAKER, COPULA) = (1 << i for i in range(13))


def token_flags(token: str, words: FeatureWords | None = None) -> int:
    """The flags of a token (see ``BREAK`` ... ``COPULA``), from the word classes
    of a language pack (English by default)."""
    w = words or english().features
    return sum(flag for flag, holds in (
        (BREAK, token in w.clause_breaks), (COMMA, token == ","), (CONDITION, token in w.conditions),
        (SPEECH_WORD, token in w.speech), (NON_FILLER, token not in w.left_fillers), (QUOTE, token in w.quotes),
        (BY, token == w.by), (TO, token == w.to), (ACCORDING, token == w.according),
        (PREPOSITION, token in w.prepositions), (POSSESSIVE, token == w.possessive),
        (BEFORE_SPEAKER, token in w.speaker_before), (COPULA, token in w.copulas),
    ) if holds)


class TokenTable:
    """Every token met so far in this process, numbered, with its code and flags in arrays
    that the numbers index: a template's tokens become numbers with one dict lookup each,
    and everything else is read off the arrays.

    A token is published in ``ids`` only once its entries are written, and growing copies
    the arrays before replacing them, so a reader that looked its tokens up before taking
    :meth:`snapshot` finds them there. Writers hold the lock (a Dask worker runs tasks in
    threads). The table is replaced, not cleared, when it grows too big: a batch keeps the
    table it started with. Flags depend on the language: each pack has its own table.
    """

    _current: dict[str, TokenTable] | None = None  # per language code
    _lock = threading.Lock()
    LIMIT = 1 << 20  # tokens, to bound the memory of a long-running worker

    def __init__(self, words: FeatureWords | None = None) -> None:
        self.words = words or english().features
        self.ids: dict[str, int] = {}
        self.tokens: list[str | None] = [None]
        self.codes = np.zeros((3, 1 << 12), dtype=np.uint64)  # code times MIX**0, MIX**1, MIX**2
        self.flags = np.zeros(1 << 12, dtype=np.int64)
        for token in SPECIAL_TOKENS[1:]:
            self._add(token)

    @classmethod
    def current(cls, lang: LanguagePack | None = None) -> TokenTable:
        lang = lang or english()
        table = (cls._current or {}).get(lang.code)
        if table is None or len(table.tokens) > cls.LIMIT:
            with cls._lock:
                table = (cls._current or {}).get(lang.code)
                if table is None or len(table.tokens) > cls.LIMIT:
                    table = cls(lang.features)
                    # A new dict, not an update: a reader never sees one half written.
                    cls._current = {**(cls._current or {}), lang.code: table}
        return table

    def ids_of(self, tokens: list[str]) -> list[int]:
        """The numbers of ``tokens``, adding those met for the first time."""
        ids = list(map(self.ids.get, tokens))
        if None in ids:
            with self._lock:
                ids = [self._add(token) for token in tokens]
        return ids

    def snapshot(self) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """Codes (times MIX**0, MIX**1 and MIX**2), flags and tokens, by number."""
        return self.codes, self.flags, self.tokens

    def _add(self, token: str) -> int:
        number = self.ids.get(token)
        if number is None:
            number = len(self.tokens)
            if number == len(self.flags):
                self.codes = np.concatenate([self.codes, np.zeros_like(self.codes)], axis=1)
                self.flags = np.concatenate([self.flags, np.zeros_like(self.flags)])
            code = token_code(token)
            self.codes[:, number] = [code, code * int(MIX) & MASK, code * int(MIX) ** 2 & MASK]
            self.flags[number] = token_flags(token, self.words)
            self.tokens.append(token)
            self.ids[token] = number
        return number
