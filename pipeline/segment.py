"""Stage 2: split an article into sentences with NLTK Punkt, offline.

Punkt normally learns abbreviations from a corpus downloaded with ``nltk.download``; we
build its parameters from an abbreviation list instead, so nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.lang import LanguagePack, english


def _import_punkt() -> types.ModuleType:
    """Import ``nltk.tokenize.punkt`` without running ``nltk/__init__.py``.

    NLTK's package init imports most of NLTK and SciPy (about 2 s on our 2-core machine),
    while Punkt itself needs a few small modules (0.1 s). When NLTK is not imported yet we
    register its two package folders without executing their ``__init__``; when it is,
    we use it as it is.
    """
    if "nltk" not in sys.modules:
        spec = importlib.util.find_spec("nltk")
        if spec is not None and spec.submodule_search_locations:
            root = next(iter(spec.submodule_search_locations))
            for name, path in (("nltk", root), ("nltk.tokenize", f"{root}/tokenize")):
                package = types.ModuleType(name)
                package.__path__ = [path]
                sys.modules[name] = package
    from nltk.tokenize import punkt

    return punkt


_punkt = _import_punkt()
PunktParameters, PunktSentenceTokenizer = _punkt.PunktParameters, _punkt.PunktSentenceTokenizer

# A sentence longer than this is cut at the last space before it: a 5 MB line without a
# full stop must not become one giant "sentence" that every later stage chokes on.
MAX_SENTENCE_CHARS = 1200
HEADING_MAX_WORDS = 14
TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article.

    ``start`` and ``end`` are character offsets in the article text; ``paragraph`` counts
    lines with text; ``heading`` marks a short line with no final punctuation.
    """

    index: int
    text: str
    start: int
    end: int
    paragraph: int
    heading: bool = False


class SentenceSplitter:
    """Punkt sentence splitter with the abbreviation list of a language pack.

    Parameters
    ----------
    abbreviations : iterable of str, optional
        Lower-case abbreviations without their final period (``"u.s"``, ``"gen"``); by
        default the pack's.
    lang : LanguagePack, optional
        The language's abbreviations and sentence starters; English by default.
    """

    def __init__(self, abbreviations: frozenset[str] | None = None, lang: LanguagePack | None = None) -> None:
        lang = lang or english()
        abbreviations = lang.abbreviations if abbreviations is None else abbreviations
        params = PunktParameters()
        params.abbrev_types = set(abbreviations)
        params.sent_starters = set(lang.sentence_starters)
        self.lang = lang
        self.abbreviations = abbreviations
        self._punkt = PunktSentenceTokenizer(params)

    def split(self, text: str) -> list[Sentence]:
        """Split ``text`` into sentences; every line break ends a sentence."""
        return list(self.iter_split(text))

    def iter_split(self, text: str) -> Iterator[Sentence]:
        index = paragraph = 0
        offset = 0
        for line in text.split("\n"):
            line_start = offset
            offset += len(line) + 1
            if not line.strip():
                continue
            spans = list(self._punkt.span_tokenize(line)) if len(line) < 100_000 else [(0, len(line))]
            heading = len(spans) == 1 and len(line.split()) <= HEADING_MAX_WORDS and not TERMINAL.search(line)
            for start, end in spans:
                for a, b in _cap_length(line, start, end):
                    yield Sentence(index, line[a:b], line_start + a, line_start + b, paragraph, heading)
                    index += 1
            paragraph += 1


def _cap_length(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_SENTENCE_CHARS:
        cut = line.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
        while start < end and line[start].isspace():
            start += 1
    if end > start:
        yield start, end
