from datetime import date

import pytest

from pipeline.errors import StanceError
from pipeline.read import ReadFailure, article_from_bytes, decode, find_date, list_sources, read_articles

TEXT = "Brasília asked for the tally sheets. Chile rejected the result."


def test_utf8_with_and_without_bom():
    assert decode(TEXT.encode(), "x")[0] == TEXT
    assert decode(b"\xef\xbb\xbf" + TEXT.encode(), "x")[0] == TEXT


def test_utf16_is_decoded_and_noted():
    text, notes = decode(TEXT.encode("utf-16"), "x")
    assert text == TEXT and "UTF-16" in notes[0]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encodings_are_decoded_and_noted(encoding):
    text, notes = decode("Nicolás Maduro, González".encode(encoding), "x")
    assert text == "Nicolás Maduro, González"
    assert notes and "not UTF-8" in notes[0]


def test_mojibake_is_repaired():
    broken = "Nicolás González".encode().decode("cp1252")
    text, notes = decode(broken.encode(), "x")
    assert text == "Nicolás González" and any("mojibake" in n for n in notes)


@pytest.mark.parametrize("raw", [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"%PDF-1.7 stuff", b"abc\x00\x00def"])
def test_binary_is_refused(raw):
    with pytest.raises(StanceError, match="binary"):
        decode(raw, "file.txt")


@pytest.mark.parametrize("raw", [b"", b"   \n\t  \n"])
def test_empty_article_is_refused(raw):
    with pytest.raises(StanceError, match="empty"):
        article_from_bytes(raw, "a", "a.txt")


def test_control_characters_become_spaces():
    text, notes = decode(b"Chile\x07 rejected\x1b it.", "x")
    assert text == "Chile  rejected  it." and notes


def test_date_line_is_found():
    assert find_date("CARACAS, Aug 2, 2024 (wire) - Maduro ...") == date(2024, 8, 2)
    assert find_date("2025-01-10\nMaduro was sworn in.") == date(2025, 1, 10)
    assert find_date("No date here.") is None


def test_folder_is_sorted_and_filtered(tmp_path):
    for name in ("b.txt", "a.txt", "c.md"):
        (tmp_path / name).write_text(TEXT)
    assert [p.rsplit("/", 1)[1] for p in list_sources([str(tmp_path)])] == ["a.txt", "b.txt"]


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(StanceError, match="no such file"):
        list_sources([str(tmp_path / "nope.txt")])
    with pytest.raises(StanceError, match="no .txt files"):
        list_sources([str(tmp_path)])


def test_duplicate_article_ids_are_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "x" / "a.txt").write_text(TEXT)
    with pytest.raises(StanceError, match="share the article id"):
        list_sources([str(tmp_path / "a.txt"), str(tmp_path / "x")])


def test_a_bad_file_in_a_batch_is_reported_not_raised(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT)
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    results = list(read_articles(list_sources([str(tmp_path)])))
    assert isinstance(results[0], ReadFailure) and "binary" in results[0].reason
    assert results[1].id == "good"
