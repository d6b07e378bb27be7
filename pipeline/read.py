"""Stage 1: read articles from files, folders and stdin, decoding what is decodable."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.errors import StanceError

MAX_ARTICLE_BYTES = 200 * 1024 * 1024
# Magic numbers of formats people mistake for text (a PNG renamed .txt, a PDF, a zip).
BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\xff\xd8\xff", b"GIF8", b"\x7fELF")
DATE_LINE = re.compile(
    r"\b(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"
    r"|\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (?P<day>[0-3]?\d),? (?P<year>20\d\d)\b"
)
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


@dataclass(frozen=True)
class ReadFailure:
    """A file that could not be read as an article, with a one-line reason."""

    source: str
    reason: str


def decode(raw: bytes, source: str) -> tuple[str, tuple[str, ...]]:
    """Decode article bytes, trying UTF-8, UTF-16 (BOM), then Windows-1252 and Latin-1.

    Returns the text and notes about what was done. Raises :class:`StanceError` for
    binary data.
    """
    notes: list[str] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, notes = raw.decode("utf-16"), ["decoded as UTF-16"]
    else:
        if raw.startswith(BINARY_SIGNATURES) or b"\x00" in raw[:4096]:
            raise StanceError(f"{source}: binary file, not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text, notes = raw.decode("cp1252"), ["not UTF-8, decoded as Windows-1252"]
            except UnicodeDecodeError:
                text, notes = raw.decode("latin-1"), ["not UTF-8, decoded as Latin-1"]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL.search(text):
        text = CONTROL.sub(" ", text)
        notes.append("control characters replaced by spaces")
    fixed = fix_mojibake(text)
    if fixed != text:
        text = fixed
        notes.append("repaired UTF-8 mis-decoded as Windows-1252 (mojibake)")
    return text, tuple(notes)


MOJIBAKE = re.compile(r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿]")


def fix_mojibake(text: str) -> str:
    """Undo the common 'Ã©' mojibake (UTF-8 read as cp1252), where it round-trips cleanly."""
    if not MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def find_date(text: str) -> date | None:
    """The first date written in the opening lines of an article (its date line), if any."""
    match = DATE_LINE.search(text[:400])
    if not match:
        return None
    try:
        if match["y"]:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        return date(int(match["year"]), MONTHS[match["mon"][:3].lower()], int(match["day"]))
    except ValueError:
        return None


def article_from_bytes(raw: bytes, article_id: str, source: str, when: date | None = None) -> Article:
    """Build an :class:`Article` from raw bytes; raises :class:`StanceError` when unusable."""
    if len(raw) > MAX_ARTICLE_BYTES:
        raise StanceError(f"{source}: {len(raw) // 2**20} MB is larger than the {MAX_ARTICLE_BYTES // 2**20} MB limit")
    text, notes = decode(raw, source)
    if not text.strip():
        raise StanceError(f"{source}: empty article (no text)")
    return Article(id=article_id, text=text, source=source, date=when or find_date(text), notes=notes)


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
            files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
            if not files:
                raise StanceError(f"{arg}: folder has no .txt files")
            sources.extend(str(p) for p in files)
        elif path.is_file():
            sources.append(str(path))
        elif path.exists():
            raise StanceError(f"{arg}: not a regular file or folder")
        else:
            raise StanceError(f"{arg}: no such file or folder")
    if not sources:
        raise StanceError("no input given")
    ids = [article_id(s) for s in sources]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StanceError(f"two inputs share the article id {dupes[0]!r} (file name without extension)")
    return sources


def article_id(source: str) -> str:
    """The article id: the file name without extension, ``stdin`` for ``-``."""
    return "stdin" if source == "-" else Path(source).stem


def read_source(source: str, when: date | None = None) -> Article:
    """Read one source (a path or ``-``); raises :class:`StanceError` when unusable."""
    if source == "-":
        raw = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
    else:
        try:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_ARTICLE_BYTES + 1)
        except OSError as exc:
            raise StanceError(f"{source}: cannot read ({exc.strerror})") from None
    return article_from_bytes(raw, article_id(source), "<stdin>" if source == "-" else source, when)


def read_articles(sources: Iterable[str], when: date | None = None) -> Iterator[Article | ReadFailure]:
    """Read sources one at a time (streaming), yielding an article or a failure for each."""
    for source in sources:
        try:
            yield read_source(source, when)
        except StanceError as exc:
            yield ReadFailure(source=source, reason=str(exc))
