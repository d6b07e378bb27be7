"""Issue 5, property-based tests (hypothesis): arbitrary input never breaks a stage.

* reading: any bytes give an article or a :class:`StanceError`, nothing else;
* segmentation: any text splits, and every sentence is the text at its offsets;
* actor matching and coreference: any text resolves, and every mention is the text at
  its offsets;
* aggregation: the matrix does not depend on the order of the articles (the order of the
  sentence predictions within a batch is covered in test_aggregate.py).

Texts are drawn both from all of Unicode and from the words the stages react to (actor
aliases, pronouns, "both countries", list headings, abbreviations, line breaks), so that
the interesting code paths run, not only the "no actor found" one.
"""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import read
from pipeline.actors import ActorDictionary, ActorMatcher, Coreference, coreference
from pipeline.config import TargetConfig
from pipeline.errors import StanceError
from pipeline.export import long_rows, matrix_rows, render_csv
from pipeline.lang import get_pack
from pipeline.read import Article
from pipeline.runner import StancePipeline
from pipeline.segment import MAX_SENTENCE_CHARS, SentenceSplitter

CONFIG = TargetConfig.load()
DICTIONARY = ActorDictionary.load(CONFIG.actors_path)
MATCHER = ActorMatcher(DICTIONARY)
COREFERENCE = Coreference(DICTIONARY, CONFIG.home_government)
SPLITTER = SentenceSplitter()
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALIASES = sorted({alias for actor in DICTIONARY for alias in actor.aliases})
WORDS = ["he", "He", "she", "They", "they", "both countries", "the three governments", "the government", "The government",
         "former", "and", ",", ":", ".", "!", "?", "…", "U.S.", "Gen.", "Jan.", "said", "rejected", "the", "of", "'s",
         "’s", "“", "”", "(", ")", "-", "\n", "\n\n", " ", "  ", "\t", "\u00a0", "\u2028", "\r\n", "é", "\u0301",
         "Á", "ß", "İ", "🇻🇪", "\ufeff", "\x00", "\x85"]
unicode_text = st.text(max_size=300)
actor_text = st.lists(st.one_of(st.sampled_from(ALIASES), st.sampled_from(WORDS), st.text(max_size=5)), max_size=60).map(
    lambda parts: " ".join(parts) if len(parts) % 2 else "".join(parts))
texts = st.one_of(unicode_text, actor_text)


# --- coreference scans --------------------------------------------------------------------

PHRASE_WORDS = ["Both", "both", "BOTH", "all", "All two", "the two", "The three", "these", "Those four", "each of them",
                "the pair", "the trio", "the countries", "The leaders", "South American", "leftist", "ministers",
                "nations", "they", "They", "THEY", "he", "He", "his", "Her", "she", "the government",
                "His administration", "government's", "administration of", "2both", "éboth", "the_two", "xthey"]
phrase_text = st.lists(st.one_of(st.sampled_from(PHRASE_WORDS), st.sampled_from(WORDS), st.text(max_size=4)),
                       max_size=40).map(" ".join)


@FAST
@given(st.one_of(phrase_text, unicode_text))
def test_a_sentence_skips_only_the_scans_that_cannot_match(text):
    """Coreference scans a sentence for a phrase only when one of the phrase's words is in it:
    the matches must be those of a scan of every sentence."""
    rules = get_pack("en").coreference  # the words are the language pack's; the scan is the same for every pack
    words = set(rules.sentence_word.findall(text.lower()))
    for pattern, needed in [(rules.person_pronoun, rules.person_pronoun_words), (rules.they, rules.they_words),
                            (rules.group, rules.group_words), (rules.government, rules.government_words)]:
        assert [m.span() for m in coreference._scan(pattern, needed, text, words)] == \
            [m.span() for m in pattern.finditer(text)]


# --- reading ---------------------------------------------------------------------------------

def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace") if encoding != "utf-8-bom" else b"\xef\xbb\xbf" + text.encode()


raw_bytes = st.one_of(
    st.binary(max_size=400),
    st.builds(encoded, texts, st.sampled_from(["utf-8", "utf-8-bom", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                               "cp1252", "latin-1"])),
    st.builds(lambda a, b: a + b, st.sampled_from([b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x89PNG", b""]),
              st.binary(max_size=200)),
)


@FAST
@given(raw_bytes)
def test_reading_any_bytes_gives_an_article_or_a_stance_error(raw):
    try:
        article = read.article_from_bytes(raw, "a", "a.txt")
    except StanceError as exc:
        assert str(exc).startswith("a.txt: ") and "\n" not in str(exc)
        return
    assert article.text.strip() and len(article.text) <= read.MAX_ARTICLE_CHARS
    # One kind of line break, no control character: every later stage sees the same lines.
    assert not read.CONTROL.search(article.text) and not read.LINE_BREAKS.search(article.text)
    article.text.encode("utf-8")  # writable, no lone surrogate


@FAST
@given(st.binary(min_size=1, max_size=60).filter(lambda b: b"/" not in b and b"\x00" not in b))
def test_any_file_name_gives_a_writable_article_id(name):
    article_id = read.article_id("folder/" + name.decode("utf-8", "surrogateescape") + ".txt")
    article_id.encode("utf-8")


# --- segmentation ------------------------------------------------------------------------------

@FAST
@given(texts)
def test_segmentation_offsets_match_the_text(text):
    sentences = SPLITTER.split(text)
    end = 0
    for index, sentence in enumerate(sentences):
        assert sentence.index == index
        assert end <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end] == sentence.text and sentence.text.strip()
        assert "\n" not in sentence.text and len(sentence.text) <= MAX_SENTENCE_CHARS
        end = sentence.end


@FAST
@given(raw_bytes)
def test_segmentation_of_whatever_reading_gives(raw):
    try:
        text = read.article_from_bytes(raw, "a", "a.txt").text
    except StanceError:
        return
    for sentence in SPLITTER.split(text):
        assert text[sentence.start:sentence.end] == sentence.text


# --- actor matching and coreference ------------------------------------------------------------

def check_mentions(text: str, mentions) -> None:
    for m in mentions:
        assert 0 <= m.start <= m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.actor in DICTIONARY


@FAST
@given(texts)
def test_actor_matcher_offsets_match_the_text(text):
    check_mentions(text, MATCHER.find(text))


@FAST
@given(st.lists(texts, max_size=6), st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 1, 1))))
def test_coreference_offsets_match_the_sentences(lines, when):
    text = "\n".join(lines)
    sentences = SPLITTER.split(text)
    resolved = COREFERENCE.resolve(sentences, [MATCHER.find(s.text) for s in sentences], when)
    assert len(resolved) == len(sentences)
    for sentence, mentions in zip(sentences, resolved, strict=True):
        check_mentions(sentence.text, mentions)


# --- aggregation over a batch: the order of the articles does not matter -------------------------

class HashModel:
    """A stand-in classifier: probabilities from a hash of (sentence, actor), so that they
    are fixed per pair and differ between pairs, as a trained model's would."""

    labels = ("neutral", "none", "oppose", "support")

    def predict_proba(self, pairs) -> np.ndarray:
        rows = [[1 + zlib.crc32(f"{p.text}\0{p.actor}\0{k}".encode()) % 97 for k in self.labels] for p in pairs]
        table = np.asarray(rows, dtype=np.float64).reshape(len(pairs), len(self.labels))
        return table / table.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def hash_pipeline() -> StancePipeline:
    return StancePipeline(CONFIG, model=HashModel())


articles = st.lists(st.lists(actor_text, min_size=1, max_size=4).map("\n".join), min_size=1, max_size=5)


@FAST
@given(articles, st.data(), st.sampled_from(["actor", "country"]))
def test_matrix_is_independent_of_article_order(hash_pipeline, bodies, data, level):
    batch = [Article(f"a{i}", text, f"a{i}.txt", date(2024, 8, 1)) for i, text in enumerate(bodies)]
    shuffled = data.draw(st.permutations(batch))

    def matrix(order):
        cells = [c for article in order for c in hash_pipeline.analyze(article, level=level).cells]
        wide = matrix_rows(cells, [a.id for a in order])
        by_column = {(row[0], article): value for row in wide[1:] for article, value in zip(wide[0][1:], row[1:], strict=True)}
        return by_column, render_csv(long_rows(cells)), sorted(cells, key=lambda c: (c.article, c.actor))

    assert matrix(batch) == matrix(shuffled)
