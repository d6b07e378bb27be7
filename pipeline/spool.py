"""Cells spooled to disk as articles are classified, so that a matrix of any size is written in bounded memory.

Without a spool every article's cells (with their evidence sentences, about 35 KB per
article) stay in memory until the output is rendered: the wide matrix and the date order
need them all, so 100,000 articles took 4.3 GiB. :class:`CellSpool` writes each article's
cells to a temporary SQLite database as soon as they arrive and keeps in memory only
what orders the columns (each article's id and date). At the end the long CSV and the
wide matrix are written from the database, row by row, byte for byte as
:meth:`pipeline.api.Result.long_csv_rows` and :meth:`~pipeline.api.Result.wide_csv_rows`
render them.

SQLite (standard library) rather than a pickle file per actor: the wide matrix reads the
cells actor by actor and the long table article by article, two orders that an index
gives without holding either in memory.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import IO

from pipeline.api import LONG_COLUMNS
from pipeline.meta import Meta

# Rows per transaction: committing each article would cost a disk sync per article.
COMMIT_EVERY = 500


class CellSpool:
    """The cells of a batch in a temporary SQLite file, written as each result arrives.

    Notes
    -----
    Values are stored pickled: an id or an evidence sentence may hold a lone surrogate (a
    file name that is not UTF-8), which SQLite's text cannot.
    """

    def __init__(self) -> None:
        # "": SQLite's own temporary database, a file it removes when closed (or at once on
        # POSIX, so that a killed run leaves nothing behind); pages stay in memory up to its
        # cache size (about 2 MB), the rest goes to disk.
        self.db: sqlite3.Connection | None = sqlite3.connect("")
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                              "CREATE TABLE articles (pos INTEGER PRIMARY KEY, meta BLOB);"
                              "CREATE TABLE cells (pos INTEGER, actor INTEGER, stance TEXT, article BLOB, row BLOB);")
        # In memory per article only what orders the columns: (undated, date, id, input position).
        self.order: list[tuple[bool, date, str, int]] = []
        self.actors: dict[str, int] = {}  # actor name → its number in the database
        self.own_columns: dict[str, None] = {}  # the articles' own metadata columns, in order of appearance
        self.dated = False
        self.pending = 0

    @property
    def count(self) -> int:
        """Articles spooled so far."""
        return len(self.order)

    def add(self, result) -> None:
        """Spool one :class:`~pipeline.runner.ArticleResult` (its date decided, its cells filtered)."""
        article = result.article
        pos, day = len(self.order), article.date
        self.order.append((day is None, day or date.min, article.id, pos))
        self.dated = self.dated or day is not None
        pairs = tuple(getattr(article, "meta", ()))
        self.own_columns.update(dict.fromkeys(name for name, _ in pairs))
        self.db.execute("INSERT INTO articles VALUES (?, ?)", (pos, pickle.dumps((article.id, pairs)) if pairs else None))
        rows = []
        for cell in result.cells:
            number = self.actors.setdefault(cell.actor, len(self.actors))
            evidence = " | ".join(e.text for e in cell.evidence)
            # What the article said of an actor it introduced (kind, whom it speaks for): the long table's columns.
            row = (cell.article, cell.actor, cell.stance, f"{cell.confidence:.3f}", evidence,
                   getattr(result.cells, "inferred", {}).get(cell.actor))
            # The cell's own article id only when it is not its article's (the wide matrix reads it).
            other = None if cell.article == article.id else pickle.dumps(cell.article)
            rows.append((pos, number, cell.stance, other, pickle.dumps(row)))
        self.db.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?)", rows)
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            self.db.commit()
            self.pending = 0

    def _sorted(self) -> list[tuple[bool, date, str, int]]:
        # As pipeline.meta.date_order: by date (undated last, then id) when any date is known, else input order.
        return sorted(self.order) if self.dated else self.order

    def articles(self) -> list[str]:
        """Article ids in column order."""
        return [entry[2] for entry in self._sorted()]

    def _index(self) -> None:
        if self.pending:
            self.db.commit()
            self.pending = 0
        self.db.execute("CREATE INDEX IF NOT EXISTS cells_by_pos ON cells (pos)")
        self.db.execute("CREATE INDEX IF NOT EXISTS cells_by_actor ON cells (actor, pos)")

    def long_rows(self, dictionary, meta: Meta | None = None) -> Iterator[list[str]]:
        """The long CSV's rows, header first, as :meth:`pipeline.api.Result.long_csv_rows`.

        Parameters
        ----------
        dictionary : ActorDictionary
            For each actor's kind, country (on the article's date) and camp.
        meta : Meta, optional
            The ``--meta`` rows, carried with the articles' own title, source and url as
            :func:`pipeline.records.with_article_meta` merges them.
        """
        from pipeline.network import actor_columns

        self._index()
        own: dict[str, dict[str, str]] = {}  # an id's own metadata (the last article with that id wins, as in a dict)
        for (blob,) in self.db.execute("SELECT meta FROM articles WHERE meta IS NOT NULL ORDER BY pos"):
            article, pairs = pickle.loads(blob)  # our own temporary file: safe to unpickle
            own[article] = dict(pairs)
        base = meta or Meta()
        names = base.columns + tuple(c for c in self.own_columns if c not in base.columns) if own else base.columns
        yield [*LONG_COLUMNS, *(c if c not in LONG_COLUMNS else f"meta_{c}" for c in names)]
        for _, _, article, pos in self._sorted():
            carried = dict(own.get(article, {}))
            carried.update({k: v for k, v in base.rows.get(article, {}).items() if v})  # --meta wins when it has a value
            tail = [carried.get(name, "") for name in names]
            day = None if self.order[pos][0] else self.order[pos][1]
            iso = day.isoformat() if day else ""
            cells = [pickle.loads(blob) for (blob,) in
                     self.db.execute("SELECT row FROM cells WHERE pos = ? ORDER BY rowid", (pos,))]
            for _, actor, stance, confidence, evidence, introduced in sorted(cells, key=lambda c: c[1]):  # as Result.rows
                columns = actor_columns(dictionary, actor, day, {actor: introduced} if introduced else {})
                yield [article, iso, actor, *columns, stance, confidence, evidence, *tail]

    def wide_rows(self) -> Iterator[list[str]]:
        """The wide matrix's rows, header first, as :func:`pipeline.export.matrix_rows`."""
        self._index()
        ordered = self._sorted()
        articles = [entry[2] for entry in ordered]
        rank = {entry[3]: i for i, entry in enumerate(ordered)}
        yield ["actor", *articles]
        for actor in sorted(self.actors):
            found = []
            for pos, stance, other in self.db.execute("SELECT pos, stance, article FROM cells WHERE actor = ?",
                                                      (self.actors[actor],)):
                found.append((rank[pos], self.order[pos][2] if other is None else pickle.loads(other), stance))
            found.sort(key=lambda f: f[0])
            # Keyed by the cell's article id, the later article winning, as matrix_rows's grid.
            row = {article: stance for _, article, stance in found}
            yield [actor, *(row.get(a, "") for a in articles)]

    def close(self) -> None:
        """Close the database, which removes it."""
        if self.db is not None:
            self.db.close()
            self.db = None

    def __enter__(self) -> CellSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_rows(handle: IO[str], rows) -> None:
    """Write CSV rows to ``handle`` as :func:`pipeline.export.render_csv` renders them, one by one."""
    from pipeline.export import csv_writers, write_csv_row

    writers = csv_writers(handle)
    for row in rows:
        write_csv_row(writers, row)
