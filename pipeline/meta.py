"""Article metadata and dates: which date each article gets, and the order articles go in.

An article's date is, in order of precedence:

1. its row in a metadata file (``--meta FILE.csv``, columns ``article,date[,source,url,title,...]``);
2. its dateline, found when it is read (:func:`pipeline.read.find_date`);
3. the default date (``--default-date``), for articles with neither;

otherwise it has none. Dated roles (Joe Biden for the United States until 2025-01-20) are
then read on each article's own date, so that one batch can span years.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pipeline.errors import StanceError
from pipeline.read import Article

# A date, optionally followed by a time ("2024-07-29T10:00:00Z" from a feed): only the day counts.
ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?")
MAX_META_BYTES = 50 * 2**20  # a metadata row is ~200 bytes: 50 MB is 250,000 articles


@dataclass(frozen=True)
class Meta:
    """The rows of a metadata file, by article id.

    ``columns`` are the columns besides ``article`` and ``date``, in file order; they are
    carried along into the long output. ``rows`` maps an article id to those values.
    """

    dates: dict[str, date] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str) -> Meta:
        """Read and check a metadata CSV; every problem is a :class:`StanceError` naming the line."""
        path = Path(path)
        try:
            if path.stat().st_size > MAX_META_BYTES:
                raise StanceError(f"--meta {path}: larger than {MAX_META_BYTES // 2**20} MB, not a metadata file")
            text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's UTF-8 export starts with a BOM
        except FileNotFoundError:
            raise StanceError(f"--meta {path}: no such file") from None
        except IsADirectoryError:
            raise StanceError(f"--meta {path}: is a folder, give a CSV file") from None
        except UnicodeDecodeError:
            raise StanceError(f"--meta {path}: not UTF-8 text") from None
        except OSError as exc:
            raise StanceError(f"--meta {path}: cannot read ({exc.strerror})") from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, name: str = "metadata") -> Meta:
        """Parse the CSV text of a metadata file (see :meth:`load`)."""
        try:
            reader = csv.reader(text.removeprefix("\ufeff").splitlines())
            header = [h.strip() for h in next(reader, [])]
            if "article" not in header or "date" not in header:
                raise StanceError(f"--meta {name}: the header needs the columns article and date "
                                  f"(found: {', '.join(header) or 'nothing'})")
            if len(set(header)) != len(header):
                raise StanceError(f"--meta {name}: a column name appears twice in the header")
            columns = tuple(h for h in header if h not in ("article", "date"))
            dates: dict[str, date] = {}
            rows: dict[str, dict[str, str]] = {}
            for line, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header):
                    raise StanceError(f"--meta {name} line {line}: {len(values)} fields for {len(header)} columns")
                record = dict(zip(header, [v.strip() for v in values] + [""] * (len(header) - len(values)), strict=True))
                article = record["article"]
                if article.lower().endswith(".txt"):  # a file name or path given for the id: the id is its stem
                    article = article.replace("\\", "/").rsplit("/", 1)[-1][:-4]
                if not article:
                    raise StanceError(f"--meta {name} line {line}: no article id")
                if article in rows:
                    raise StanceError(f"--meta {name} line {line}: article {article!r} appears twice")
                if record["date"]:
                    dates[article] = parse_day(record["date"], f"--meta {name} line {line}")
                rows[article] = {c: record[c] for c in columns}
        except csv.Error as exc:
            raise StanceError(f"--meta {name}: not a valid CSV file ({exc})") from None
        return cls(dates, columns, rows)


def parse_day(value: str, where: str) -> date:
    """``YYYY-MM-DD`` (a time after it is ignored) as a date; a :class:`StanceError` saying ``where`` otherwise."""
    match = ISO_DAY.fullmatch(value.strip())
    try:
        if match:
            return date.fromisoformat(match[1])
    except ValueError:
        pass
    raise StanceError(f"{where}: date {value!r}: use YYYY-MM-DD")


@dataclass(frozen=True)
class ArticleDates:
    """How an article's date is decided: the metadata's, else its own (dateline), else ``default``.

    Called with an :class:`~pipeline.read.Article`, returns its date (or None). It is
    small and picklable, so that worker processes decide dated roles the same way.
    """

    meta: Mapping[str, date] = field(default_factory=dict)
    default: date | None = None

    def __call__(self, article: Article) -> date | None:
        return self.meta.get(article.id) or article.date or self.default

    def redate(self, results: Iterable) -> None:
        """Give each :class:`~pipeline.runner.ArticleResult` its article's decided date, in place."""
        for result in results:
            day = self(result.article)
            if day != result.article.date:
                result.article = replace(result.article, date=day)


def date_order(results: list) -> list:
    """Results in date order when any date is known (undated last, then by article id); else as given.

    Without any date the input order is kept: it is the order the user chose (file names).
    """
    if not any(r.article.date for r in results):
        return list(results)
    return sorted(results, key=lambda r: (r.article.date is None, r.article.date or date.min, r.article.id))
