"""Stage 1: read articles from files, folders and stdin, decoding what is decodable."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.errors import StanceError
from pipeline.lang import LanguagePack, english

# A news article is 3-50 KB. A larger file is a dump or not text at all: it is refused from
# its size, before it is read, so that a 100 MB file costs nothing.
MAX_ARTICLE_BYTES = 10 * 2**20
# The later stages cost about 10 s per MB of text (more without sentence ends), so only
# the beginning of a longer article is analysed, with a note: 250,000 characters is about
# 40,000 words, longer than any article.
MAX_ARTICLE_CHARS = 250_000
# Magic numbers of formats people mistake for text (a PNG renamed .txt, a PDF, a zip, gzip,
# a Word 97 document, 7-Zip).
BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"\x1f\x8b",
                     b"\xd0\xcf\x11\xe0", b"7z\xbc\xaf")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# C0 and C1 control characters other than tab and line breaks; C1 ones come from Latin-1.
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# What str.splitlines() takes for a line break besides \n: vertical tab, form feed, NEL, the
# Unicode line and paragraph separators. They become \n, so that every stage sees the
# same lines and offsets.
LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Characters that show nothing: white space, zero-width and joiners, direction marks, soft
# hyphen, variation selectors, fillers, the byte-order mark. A text of only these is blank.
INVISIBLE = re.compile(r"[\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                       r"\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]*")
# What a terminal could take for a command in a name we print: C0 and C1 controls, DEL.
TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What a folder gives besides .txt: saved web pages (see pipeline.html). Record files
# (.jsonl, .csv) only when named, so that a folder's metadata or gold CSV is never read as articles.
HTML_SUFFIXES = (".html", ".htm")
FOLDER_SUFFIXES = (".txt", *HTML_SUFFIXES)


@dataclass(frozen=True)
class Article:
    """One article: its id (file name without extension), text, and where it came from.

    ``date`` is the publication date when known (``--date`` or a date line in the text).
    ``notes`` lists what decoding had to do ("decoded as cp1252"), for stderr.
    """

    id: str
    text: str
    source: str
    date: date | None = None
    notes: tuple[str, ...] = ()
    # A record's or page's title, source and url, as (name, value) pairs: they reach the long
    # CSV and the JSON like --meta columns (see pipeline.records).
    meta: tuple[tuple[str, str], ...] = ()
    # Its language (ISO 639-1) when it was detected (see pipeline.language); None when not judged.
    language: str | None = None


@dataclass(frozen=True)
class ReadFailure:
    """A file that could not be read as an article, with a one-line reason.

    ``whole`` marks a records file (JSONL, CSV) that gives no article at all (it cannot be
    opened, its CSV header is unusable): as the only input, that is an error of its own.
    """

    source: str
    reason: str
    whole: bool = False


def decode(raw: bytes, source: str) -> tuple[str, tuple[str, ...]]:
    """Decode article bytes: UTF-8, UTF-16/32 (with a BOM, or ASCII-heavy UTF-16 without),
    mostly-UTF-8 with a few invalid bytes, then Windows-1252 and Latin-1.

    Returns the text, with line breaks unified to ``\\n`` and control characters replaced
    by spaces, and notes about what was done. Raises :class:`StanceError` for binary data.
    """
    notes: list[str] = []
    unicode = _wide_encoding(raw)
    if unicode:
        text = raw.decode(unicode, "replace")
        bom = raw.startswith(UTF16_BOMS + UTF32_BOMS)
        notes.append(f"decoded as {unicode.upper()}" + ("" if bom else " (no byte-order mark)"))
        if "\ufffd" in text:
            notes.append("invalid byte sequences replaced by U+FFFD")
    else:
        # A NUL byte anywhere (outside UTF-16/32) means binary, wherever it is: text editors
        # never write one, and one rule for the whole file treats every file alike.
        if raw.startswith(BINARY_SIGNATURES) or b"\x00" in raw:
            raise StanceError(f"{source}: binary file, not text")
        text, notes = _decode_8bit(raw)
    text, cleaned = normalize_text(text)
    return text, (*notes, *cleaned)


def normalize_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Decoded text as every stage expects it: no byte-order mark, line breaks unified,
    control characters replaced by spaces, mojibake repaired; with a note for each repair."""
    notes = []
    text = LINE_BREAKS.sub("\n", text.removeprefix("\ufeff"))
    if CONTROL.search(text):
        text = CONTROL.sub(" ", text)
        notes.append("control characters replaced by spaces")
    fixed = fix_mojibake(text)
    if fixed != text:
        text = fixed
        notes.append("repaired UTF-8 mis-decoded as Windows-1252 (mojibake)")
    return text, tuple(notes)


def _wide_encoding(raw: bytes) -> str | None:
    """``utf-32``/``utf-16`` (with a BOM), ``utf-16-le``/``-be`` (ASCII-heavy, without), or None."""
    if raw.startswith(UTF32_BOMS):
        return "utf-32"
    if raw.startswith(UTF16_BOMS):
        return "utf-16"
    sample = raw[:4096]
    if len(sample) >= 4 and not len(raw) % 2:
        # Latin text in UTF-16 has a NUL in every other byte, and almost never in the others.
        even, odd = sample[0::2].count(0) / (len(sample) // 2), sample[1::2].count(0) / (len(sample) // 2)
        if odd > 0.7 and even < 0.05:
            return "utf-16-le"
        if even > 0.7 and odd < 0.05:
            return "utf-16-be"
    return None


def _decode_8bit(raw: bytes) -> tuple[str, list[str]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # A scraped UTF-8 page with a stray byte is still UTF-8: each valid multi-byte
    # character shortens the text by at least one, each invalid byte becomes one U+FFFD.
    # In Windows-1252 text, accented letters are lone bytes, invalid in UTF-8.
    text = raw.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - raw.count("\ufffd".encode())
    if len(raw) - len(text) > invalid:
        return text.removeprefix("\ufeff"), [f"{invalid} invalid UTF-8 byte sequence(s) replaced by U+FFFD"]
    try:
        return raw.decode("cp1252"), ["not UTF-8, decoded as Windows-1252"]
    except UnicodeDecodeError:
        return raw.decode("latin-1"), ["not UTF-8, decoded as Latin-1"]


MOJIBAKE = re.compile(r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿]")


def fix_mojibake(text: str) -> str:
    """Undo the common 'Ã©' mojibake (UTF-8 read as cp1252), where it round-trips cleanly."""
    if not MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def find_date(text: str, lang: LanguagePack | None = None) -> date | None:
    """The first date written in the opening lines of an article (its date line), if any,
    with the month names of ``lang`` (English by default)."""
    lang = lang or english()
    match = lang.date_line.search(text[:400])
    if not match:
        return None
    try:
        if match.groupdict().get("y"):  # a pack's pattern may have no numeric form
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        return date(int(match["year"]), lang.months[match["mon"][:3].lower()], int(match["day"]))
    except ValueError:
        return None


def article_from_bytes(raw: bytes, article_id: str, source: str, when: date | None = None,
                       lang: LanguagePack | None = None) -> Article:
    """Build an :class:`Article` from raw bytes; raises :class:`StanceError` when unusable.

    Text beyond :data:`MAX_ARTICLE_CHARS` is dropped, with a note.
    """
    if len(raw) > MAX_ARTICLE_BYTES:
        raise StanceError(too_large(source, len(raw)))
    text, notes = decode(raw, source)
    if INVISIBLE.fullmatch(text):
        raise StanceError(f"{source}: empty article (no text)")
    if len(text) > MAX_ARTICLE_CHARS:
        text = truncate(text, MAX_ARTICLE_CHARS)
        notes += (f"longer than {MAX_ARTICLE_CHARS:,} characters: only the first {len(text):,} are analysed",)
    return Article(id=article_id, text=text, source=source, date=when or find_date(text, lang), notes=notes)


def too_large(source: str, size: int) -> str:
    return (f"{source}: {size / 2**20:.1f} MB is larger than the {MAX_ARTICLE_BYTES // 2**20} MB limit for one article "
            "(split it into articles)")


def truncate(text: str, limit: int) -> str:
    """The text cut at ``limit`` characters, back to the last line break or space if there is one near."""
    for separator in ("\n", " "):
        cut = text.rfind(separator, max(0, limit - 2000), limit)
        if cut > 0:
            return text[:cut]
    return text[:limit]


def list_sources(paths: Iterable[str]) -> list[str]:
    """Expand command-line paths: ``-`` is stdin, a folder gives its ``.txt`` files sorted by name.

    Raises :class:`StanceError` for a missing path or a folder without ``.txt`` files.
    """
    sources: list[str] = []
    for arg in paths:
        if arg == "-":
            sources.append("-")
            continue
        path = Path(arg)
        if path.is_dir():
            # Entries that are not regular files (a FIFO, a link to a device, a symlink loop)
            # are kept: read_source reports each one as skipped, without opening it.
            try:
                with os.scandir(path) as entries:
                    files = sorted(Path(e.path) for e in entries if e.name.lower().endswith(FOLDER_SUFFIXES)
                                   and len(e.name) > 4 and not _is_folder(e))
            except OSError as exc:
                raise StanceError(f"{shown(arg)}: cannot list folder ({exc.strerror or exc})") from None
            if not files:
                raise StanceError(f"{shown(arg)}: folder has no .txt files")
            sources.extend(str(p) for p in files)
        elif path.is_file():
            sources.append(str(path))
        elif path.exists():
            raise StanceError(f"{shown(arg)}: not a regular file or folder")
        else:
            raise StanceError(f"{shown(arg)}: no such file or folder")
    if not sources:
        raise StanceError("no input given")
    from pipeline.records import is_records

    counts = Counter(article_id(s) for s in sources if not is_records(s))  # records carry their own ids
    dupes = sorted(i for i, n in counts.items() if n > 1)
    if dupes:
        raise StanceError(f"two inputs share the article id {dupes[0]!r} (file name without extension)")
    return sources


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: not a folder, read_source reports it
        return False


def article_id(source: str) -> str:
    """The article id: the file name without extension, ``stdin`` for ``-``."""
    return "stdin" if source == "-" else printable(Path(source).stem)


def printable(name: str) -> str:
    """A file name that can be written as UTF-8: bytes that were not UTF-8 become U+FFFD.

    Python keeps such bytes of a file name as lone surrogates, which no output file,
    table or JSON document can encode.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def shown(name: str) -> str:
    """A file name as printed on the terminal: :func:`printable`, and control characters
    written as ``\\xNN``, so that an escape sequence in a name cannot drive the terminal."""
    return TERMINAL_CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", printable(name))


def read_source(source: str, when: date | None = None, lang: LanguagePack | None = None) -> Article:
    """Read one source (a path or ``-``); raises :class:`StanceError` when unusable.

    ``lang`` gives the month names of its date line (English by default).
    """
    name = "<stdin>" if source == "-" else shown(source)
    if source == "-":
        raw = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
    else:
        try:
            # O_NONBLOCK: opening a FIFO for reading would wait for a writer; the file is
            # checked to be regular before a byte is read.
            fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
            with open(fd, "rb") as handle:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise StanceError(f"{name}: not a regular file ({_kind(info.st_mode)}), not read")
                if info.st_size > MAX_ARTICLE_BYTES:  # before reading: a huge file costs nothing
                    raise StanceError(too_large(name, info.st_size))
                os.set_blocking(fd, True)
                raw = handle.read(MAX_ARTICLE_BYTES + 1)
        except OSError as exc:
            raise StanceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_ARTICLE_BYTES:
        raise StanceError(too_large(name, len(raw)) if source != "-" else
                          f"{name}: more than the {MAX_ARTICLE_BYTES // 2**20} MB limit for one article")
    if source.lower().endswith(HTML_SUFFIXES):
        from pipeline.html import article_from_html  # lazily: trafilatura costs start-up time

        return article_from_html(raw, article_id(source), name, when, lang)
    return article_from_bytes(raw, article_id(source), name, when, lang)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_articles(sources: Iterable[str], when: date | None = None, fields=None,
                  lang: LanguagePack | None = None, on_note: Callable[[str], None] | None = None
                  ) -> Iterator[Article | ReadFailure]:
    """Read sources one at a time (streaming), yielding an article or a failure for each.

    A JSONL or CSV file gives one article or failure per record (see :mod:`pipeline.records`;
    ``fields`` names the id, text and date fields; ``on_note`` gets a file's count of bytes
    that are not UTF-8, at its end).
    """
    from pipeline.records import is_records, read_records

    seen: set[str] = set()  # article ids so far: a record may not reuse one
    for source in sources:
        if is_records(source):
            yield from read_records(source, fields, seen, when, lang, on_note)
            continue
        try:
            article = read_source(source, when, lang)
            seen.add(article.id)
            yield article
        except StanceError as exc:
            yield ReadFailure(source=shown(source), reason=str(exc))
