"""Corpora held as records: JSON Lines and CSV files, optionally gzipped, one article per record.

Researchers export news from databases and crawlers as ``.jsonl`` or ``.csv`` with id,
date, title, source, URL and text fields. Each record becomes an
:class:`~pipeline.read.Article`, read as a stream (one record in memory at a time), so
that a file of any size flows through the same batching path as a folder of ``.txt``
files. The size limits of one article apply to each record. A record that cannot be an
article (malformed JSON, no or blank text, a duplicate id, a bad date) becomes a
:class:`~pipeline.read.ReadFailure` naming the file and line, and the file goes on.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from pipeline.errors import StanceError
from pipeline.lang import LanguagePack
from pipeline.read import (
    MAX_ARTICLE_BYTES,
    MAX_ARTICLE_CHARS,
    Article,
    ReadFailure,
    find_date,
    normalize_text,
    printable,
    truncate,
)

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".csv.gz")
# Carried from a record into the article's metadata (the long CSV's extra columns, the JSON).
CARRIED = ("title", "source", "url")
# A JSON line holds one article of at most MAX_ARTICLE_BYTES, but escapes (\u00e9 for é,
# \n) can make its line up to about 3 times longer; a longer line is refused without
# being held in memory whole.
MAX_RECORD_BYTES = 4 * MAX_ARTICLE_BYTES
# The csv module refuses fields over 131,072 characters by default, shorter than many
# articles; one article's limit is enough (a longer field is a broken file or a dump).
CSV_FIELD_LIMIT = MAX_ARTICLE_BYTES
# For sizing the tasks sent to workers before the records are counted: a record file
# holds many articles, so it gets the largest chunks.
ARTICLES_PER_FILE_GUESS = 10_000


# Bytes that are not UTF-8 become U+FFFD, as errors="replace" does, and are counted, so that
# a file with some says so once at its end (one note per record would drown 100,000 articles).
_REPLACED = [0]


def _count_replace(exc: UnicodeError) -> tuple[str, int]:
    _REPLACED[0] += 1
    return "\ufffd", exc.end


codecs.register_error("stance-count-replace", _count_replace)


@dataclass(frozen=True)
class Fields:
    """Which field of a record holds the article's id, text and date (``--id-field``...)."""

    id: str = "id"
    text: str = "text"
    date: str = "date"


def is_records(source: str) -> bool:
    """True for a ``.jsonl``, ``.jsonl.gz``, ``.csv`` or ``.csv.gz`` path."""
    return source != "-" and source.lower().endswith(RECORD_SUFFIXES)


def count_hint(sources: Sequence[str]) -> int:
    """About how many articles ``sources`` hold, without reading them (to size worker tasks)."""
    return sum(ARTICLES_PER_FILE_GUESS if is_records(s) else 1 for s in sources)


def file_stem(source: str) -> str:
    """The file name without its record suffix (``corpus`` for ``data/corpus.jsonl.gz``)."""
    name = Path(source).name
    for suffix in sorted(RECORD_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return printable(name[: -len(suffix)])
    return printable(Path(source).stem)


def read_records(source: str, fields: Fields | None = None, seen: set[str] | None = None,
                 when: date | None = None, lang: LanguagePack | None = None,
                 on_note: Callable[[str], None] | None = None) -> Iterator[Article | ReadFailure]:
    """Yield an article, or a failure naming the line, for each record of a JSONL or CSV file.

    Parameters
    ----------
    source : str
        Path of a ``.jsonl``/``.csv`` file, optionally ``.gz``.
    fields : Fields, optional
        Names of the id, text and date fields (default ``id``, ``text``, ``date``).
    seen : set of str, optional
        Article ids already read (other files included): a record reusing one is a
        failure. Updated in place.
    when : date, optional
        The date of a record without a date field and without a dateline.
    lang : LanguagePack, optional
        The month names of datelines (English by default).
    on_note : callable, optional
        Called once at the end of the file when some of its bytes were not UTF-8: they
        are read as U+FFFD (the records are kept), and the note counts them.
    """
    fields = fields or Fields()
    seen = set() if seen is None else seen
    shown, stem = printable(source), file_stem(source)
    lower = source.lower()
    try:
        raw = gzip.open(source, "rb") if lower.endswith(".gz") else open(source, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield ReadFailure(shown, f"{shown}: cannot read ({exc.strerror or exc})", whole=True)
        return
    line = 0
    replaced, bad = _REPLACED[0], _BadBytes()
    try:
        with raw:
            if lower.endswith((".jsonl", ".jsonl.gz")):
                records = _json_records(raw, shown, bad)
            else:
                records = _csv_records(raw, shown, fields)
            for line, record, problem in records:
                where = f"{shown} line {line}"
                if problem:
                    yield ReadFailure(where, f"{where}: {problem}", whole=isinstance(problem, _FileProblem))
                    continue
                try:
                    article = record_article(record, where, fields, stem, line, when, lang)
                except StanceError as exc:
                    yield ReadFailure(where, str(exc))
                    continue
                if article.id in seen:
                    yield ReadFailure(where, f"{where}: duplicate article id {article.id!r}")
                    continue
                seen.add(article.id)
                yield article
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt .gz, a read error mid-file
        where = f"{shown} line {line + 1}"
        yield ReadFailure(where, f"{where}: cannot read further ({exc}); the rest of the file is skipped")
    count = _REPLACED[0] - replaced
    if count and on_note:
        lines = f" in {bad.lines} record(s), the first at line {bad.first}" if bad.lines else ""
        on_note(f"{shown}: {count} invalid UTF-8 byte sequence(s){lines} read as U+FFFD, the replacement character")


class _FileProblem(str):
    """A problem that skips the whole file (its CSV header): no record of it is read."""

    __slots__ = ()


@dataclass
class _BadBytes:
    """The JSON lines that held bytes that are not UTF-8: how many, and the first."""

    lines: int = 0
    first: int = 0


def _json_records(raw: IO[bytes], shown: str, bad: _BadBytes | None = None) -> Iterator[tuple[int, Mapping | None, str | None]]:
    """(line number, record, problem) for each non-blank line of a JSON Lines stream; ``bad``
    counts the lines with bytes that are not UTF-8."""
    for number, line in _lines(raw, MAX_RECORD_BYTES):
        if line is None:
            yield number, None, f"longer than {MAX_RECORD_BYTES // 2**20} MB, not one article"
            continue
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            # JSON is UTF-8 (RFC 8259); a stray byte should not cost the whole record.
            text = line.decode("utf-8", "stance-count-replace")
            if bad is not None:
                bad.lines += 1
                bad.first = bad.first or number
        if number == 1:
            text = text.removeprefix("\ufeff")
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
            continue
        except (ValueError, RecursionError):
            yield number, None, "malformed JSON"
            continue
        if not isinstance(record, dict):
            yield number, None, f"a JSON {type(record).__name__}, not an object with a text field"
            continue
        yield number, record, None


def _lines(raw: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of a binary stream; None for a line over ``limit`` bytes, which is
    skipped a megabyte at a time so that it never sits in memory whole."""
    number = 0
    while True:
        line = raw.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = raw.readline(2**20)
            yield number, None
            continue
        yield number, line


def _csv_records(raw: IO[bytes], shown: str, fields: Fields) -> Iterator[tuple[int, Mapping | None, str | None]]:
    """(first line number, record, problem) for each row of a CSV stream with a header."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    # utf-8-sig: a spreadsheet's UTF-8 export starts with a byte-order mark. newline="" so
    # that line breaks inside quoted fields reach the csv module as they are.
    handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="stance-count-replace", newline="")
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        yield 1, None, _FileProblem(f"not a valid CSV header ({exc}); the file is skipped")
        return
    if fields.text not in header:
        found = ", ".join(header[:12]) or "nothing"
        yield 1, None, _FileProblem(f"no {fields.text!r} column in the header (found: {found}); give --text-field")
        return
    if len(set(header)) != len(header):
        yield 1, None, _FileProblem("a column name appears twice in the header; the file is skipped")
        return
    while True:
        start = reader.line_num + 1  # a quoted field can span lines: report where the record starts
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, f"not valid CSV ({exc}); the rest of the file is skipped"
            return
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield start, None, f"{len(values)} fields for {len(header)} columns"
            continue
        yield start, dict(zip(header, values, strict=False)), None


def record_article(record: Mapping, where: str, fields: Fields, stem: str, line: int,
                   when: date | None = None, lang: LanguagePack | None = None) -> Article:
    """The article of one record; a :class:`StanceError` starting with ``where`` when it cannot be one.

    A record without an id field gets ``<file stem>-<line>``; without a date field (or
    with an empty one) the dateline of its text, else ``when``. ``title``, ``source``
    and ``url`` are kept as the article's metadata.
    """
    from pipeline.meta import parse_day  # pipeline.meta imports pipeline.read, which imports this module lazily

    if fields.text not in record or record[fields.text] is None:
        raise StanceError(f"{where}: no {fields.text!r} field (give --text-field)")
    text = record[fields.text]
    if not isinstance(text, str):
        raise StanceError(f"{where}: {fields.text!r} is a {type(text).__name__}, not text")
    if fields.id in record:
        value = record[fields.id]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise StanceError(f"{where}: {fields.id!r} is a {type(value).__name__}, not an id")
        article_id = printable(str(value).strip())
        if not article_id:
            raise StanceError(f"{where}: blank {fields.id!r}")
    else:
        article_id = f"{stem}-{line}"
    day = None
    value = record.get(fields.date)
    if value not in (None, ""):
        if not isinstance(value, str):
            raise StanceError(f"{where}: {fields.date!r} {value!r}: use YYYY-MM-DD")
        day = parse_day(value, where)
    return article_from_text(text, article_id, where, day or when, carried(record), lang)


def carried(record: Mapping) -> tuple[tuple[str, str], ...]:
    """The ``title``, ``source`` and ``url`` of a record that has them, as (name, value) pairs."""
    out = []
    for name in CARRIED:
        value = record.get(name)
        if value not in (None, "") and not isinstance(value, (dict, list)):
            out.append((name, " ".join(str(value).split())))  # one line: a title with a line break stays one cell
    return tuple(out)


def article_from_text(text: str, article_id: str, source: str, when: date | None = None,
                      meta: tuple[tuple[str, str], ...] = (), lang: LanguagePack | None = None) -> Article:
    """An :class:`Article` from text already decoded, with the rules of a file: line breaks
    unified, control characters replaced, mojibake repaired, the size limits applied.

    ``when`` is its own date (its record's or page's), before its dateline.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ARTICLE_BYTES:
        raise StanceError(f"{source}: {size / 2**20:.1f} MB is larger than the {MAX_ARTICLE_BYTES // 2**20} MB "
                          "limit for one article")
    text, cleaned = normalize_text(text)
    notes = list(cleaned)
    if not text.strip():
        raise StanceError(f"{source}: empty article (no text)")
    if len(text) > MAX_ARTICLE_CHARS:
        text = truncate(text, MAX_ARTICLE_CHARS)
        notes.append(f"longer than {MAX_ARTICLE_CHARS:,} characters: only the first {len(text):,} are analysed")
    return Article(id=article_id, text=text, source=source, date=when or find_date(text, lang), notes=tuple(notes), meta=meta)


def with_article_meta(meta, results: Iterable):
    """``meta`` (a :class:`~pipeline.meta.Meta` or None) extended with the metadata the
    articles carry (records' and pages' title, source, url), so that it reaches the long
    rows as ``--meta`` columns do. A ``--meta`` row wins over the article's own values.
    """
    from pipeline.meta import Meta

    columns: dict[str, None] = {}
    own: dict[str, dict[str, str]] = {}
    for result in results:
        pairs = getattr(result.article, "meta", ())
        if pairs:
            own[result.article.id] = dict(pairs)
            columns.update(dict.fromkeys(name for name, _ in pairs))
    if not own:
        return meta
    base = meta or Meta()
    names = base.columns + tuple(c for c in columns if c not in base.columns)
    rows = {article: dict(values) for article, values in own.items()}
    for article, values in base.rows.items():
        rows.setdefault(article, {}).update({k: v for k, v in values.items() if v})
    return Meta(dict(base.dates), names, rows)
