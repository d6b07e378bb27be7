from pipeline.segment import MAX_SENTENCE_CHARS, SentenceSplitter

SPLIT = SentenceSplitter()


def texts(text):
    return [s.text for s in SPLIT.split(text)]


def test_abbreviations_do_not_end_sentences():
    assert texts("U.S. officials met Gen. Padrino on Jan. 10. Mr. Daniel P. Erikson left.") == [
        "U.S. officials met Gen. Padrino on Jan. 10.", "Mr. Daniel P. Erikson left."]


def test_sentence_after_abbreviation_at_end():
    assert texts("The envoy flew to the U.S. He returned on Monday.") == [
        "The envoy flew to the U.S.", "He returned on Monday."]


def test_lines_are_sentence_boundaries_and_headings_are_flagged():
    sentences = SPLIT.split("Who backs Maduro\nRussia congratulated him. China too.")
    assert [s.heading for s in sentences] == [True, False, False]
    assert [s.paragraph for s in sentences] == [0, 1, 1]


def test_offsets_point_into_the_text():
    text = "First one.\n\n  Second one here. Third!"
    for s in SPLIT.split(text):
        assert text[s.start:s.end] == s.text


def test_a_huge_line_without_full_stop_is_cut():
    text = "word " * 50_000
    sentences = SPLIT.split(text)
    assert len(sentences) > 100
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)


def test_no_download_is_needed():
    import sys

    assert "nltk.downloader" not in sys.modules
