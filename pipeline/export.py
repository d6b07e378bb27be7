"""Stage 7: write the position matrix (CSV wide or long, JSON), atomically and safely.

Every file is written to a temporary file in the destination folder and renamed into
place, so an interrupted run never leaves a partial file nor truncates an existing one.
Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO

from pipeline.aggregate import Cell
from pipeline.errors import StanceError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("wide", "long", "json")


def check_destination(path: Path | str) -> Path:
    """Fail now, before any work, if ``path`` cannot be written: returns its folder.

    Raises :class:`StanceError` when the folder does not exist or is not writable, or
    when ``path`` is a folder.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise StanceError(f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise StanceError(f"{path} is a folder: give a file name")
    if not os.access(folder, os.W_OK):
        raise StanceError(f"{path}: folder {folder} is not writable")
    return folder


def write_atomic(path: Path | str, write: Callable[[IO], None], encoding: str = "utf-8", binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file, then rename it to ``path``.

    ``binary=True`` hands ``write`` a bytes handle (for images) instead of a text one.
    The temporary file is removed on any failure, Ctrl-C included; an error of the file
    system (disk full, permission) becomes a :class:`StanceError`.
    """
    path = Path(path)
    folder = check_destination(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise StanceError(f"cannot write {path} ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def matrix_rows(cells: Iterable[Cell], articles: Sequence[str]) -> list[list[str]]:
    """Rows of the wide matrix: header ``actor, <article ids...>``, one row per actor found."""
    grid: dict[str, dict[str, str]] = {}
    for cell in cells:
        grid.setdefault(cell.actor, {})[cell.article] = cell.stance
    rows = [["actor", *articles]]
    rows += [[actor, *(grid[actor].get(a, "") for a in articles)] for actor in sorted(grid)]
    return rows


def long_rows(cells: Iterable[Cell]) -> list[list[str]]:
    """Rows of the long table: ``article, actor, stance, confidence, evidence``."""
    rows = [["article", "actor", "stance", "confidence", "evidence"]]
    for cell in sorted(cells, key=lambda c: (c.article, c.actor)):
        evidence = " | ".join(e.text for e in cell.evidence)
        rows.append([cell.article, cell.actor, cell.stance, f"{cell.confidence:.3f}", evidence])
    return rows


def render_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def render_table(cells: Sequence[Cell], articles: Sequence[str]) -> str:
    """A human-readable table per article: actor, stance, confidence, evidence sentences."""
    lines = []
    by_article: dict[str, list[Cell]] = {}
    for cell in cells:
        by_article.setdefault(cell.article, []).append(cell)
    for article in articles:
        rows = sorted(by_article.get(article, []), key=lambda c: (c.stance == "none", c.actor))
        lines.append(f"== {article} ({len(rows)} actors)")
        width = max((len(c.actor) for c in rows), default=5)
        for cell in rows:
            lines.append(f"{cell.actor:<{width}}  {cell.stance:<8} {cell.confidence:5.2f}")
            for evidence in cell.evidence:
                lines.append(f"{'':<{width}}    - {evidence.text}")
        lines.append("")
    return "\n".join(lines)


def render_json(results: Sequence, config, level: str) -> str:
    """The full result: articles, sentences, mentions with offsets, probabilities, cells."""
    document = {
        "target": config.name,
        "description": config.description,
        "level": level,
        "articles": [article_document(r) for r in results],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def article_document(result) -> dict:
    by_sentence: dict[int, list] = {}
    for p in result.predictions:
        by_sentence.setdefault(p.sentence, []).append(p)
    return {
        "id": result.article.id,
        "source": result.article.source,
        "date": result.article.date.isoformat() if result.article.date else None,
        # Detected language (None: too short to judge), and a record's or page's title, source, url.
        "language": getattr(result.article, "language", None),
        "metadata": dict(getattr(result.article, "meta", ())),
        "sentences": [
            {
                "index": s.index, "start": s.start, "end": s.end, "text": s.text,
                "mentions": [{"actor": m.actor, "start": m.start, "end": m.end, "text": m.text, "via": m.via}
                             for m in mentions],
                "predictions": [{"actor": p.actor, "label": p.label,
                                 "probabilities": {k: round(v, 4) for k, v in p.probabilities.items()}}
                                for p in by_sentence.get(s.index, [])],
            }
            for s, mentions in zip(result.sentences, result.mentions, strict=True)
        ],
        "cells": [
            {"actor": c.actor, "stance": c.stance, "confidence": c.confidence,
             "evidence": [{"sentence": e.sentence, "text": e.text, "label": e.label, "probability": e.probability}
                          for e in c.evidence]}
            for c in result.cells
        ],
    }
