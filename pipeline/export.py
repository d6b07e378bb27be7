"""Stage 7: write the position matrix (CSV wide or long, JSON), atomically and safely.

Every file is written to a temporary file in the destination folder and renamed into
place, so an interrupted run never leaves a partial file nor truncates an existing one.
Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO

from pipeline.aggregate import Cell
from pipeline.errors import StanceError
from pipeline.read import shown

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("wide", "long", "json")


# Temporary files are named ``.<name>.<pid>.<random>.stance-tmp`` beside their destination
# (a rename is only atomic within one file system). A run killed with SIGKILL cannot remove
# its own; the next write to the same destination removes those whose process is gone.
TMP_SUFFIX = ".stance-tmp"


def check_destination(path: Path | str) -> Path:
    """Fail now, before any work, if ``path`` cannot be written: returns its folder.

    Raises :class:`StanceError` when the folder does not exist or is not writable, when
    ``path`` is a folder (or ends with a slash), or when it is a special file that we
    neither replace nor write through (a block device, a socket).
    """
    if str(path).endswith(("/", os.sep)):
        raise StanceError(f"{path} is a folder: give a file name")
    path = _target(Path(path))
    folder = path.parent
    if path.is_dir():
        raise StanceError(f"{path} is a folder: give a file name")
    if _is_stream(path):  # written through, never replaced: its folder does not matter
        return folder
    if not folder.is_dir():
        raise StanceError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise StanceError(f"{path}: folder {folder} is not writable")
    return folder


def check_distinct(outputs: Sequence[Path | str], inputs: Sequence[str] = ()) -> None:
    """Refuse an output that is one of the inputs or another output of the same run: the
    run would overwrite an article, or its second output would replace its first."""
    seen: dict[object, str] = {}
    for source in inputs:
        if source != "-":
            seen.setdefault(_identity(source), "input")
    for output in outputs:
        key = _identity(output)
        if key in seen:
            raise StanceError(f"{output} is also {'an' if seen[key] == 'input' else 'another'} {seen[key]} of this run")
        seen[key] = "output"


def _identity(path: Path | str) -> object:
    # The same file under two names (a link, ./a.txt and a.txt) has the same device and inode.
    try:
        info = os.stat(path)
        return info.st_dev, info.st_ino
    except OSError:
        return os.path.realpath(path)


def _target(path: Path) -> Path:
    """The file a write to ``path`` must change: a symbolic link is followed, never replaced.

    A link into /proc (``/dev/stdout`` is ``/proc/self/fd/1``) is kept: it names an open
    file of ours, not a path (for a pipe its target is ``pipe:[1234]``), so it is written
    through, never replaced (see :func:`_is_stream`).
    """
    if not path.is_symlink():
        return path
    return path if _through_proc(path) else Path(os.path.realpath(path))


def _through_proc(path: Path) -> bool:
    """True when a link of the chain from ``path`` points into /proc (realpath would go on
    to the file behind the descriptor, a name the shell's open file no longer is)."""
    hop = str(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if not os.path.islink(hop):
            return False
        hop = os.path.normpath(os.path.join(os.path.dirname(hop), os.readlink(hop)))
        if hop == "/proc" or hop.startswith("/proc/"):
            return True
    return False


def _is_stream(path: Path) -> bool:
    """True for a character device or a named pipe (``/dev/null``, a FIFO): written through.

    Raises :class:`StanceError` for other special files, which no output should touch.
    """
    if path.is_symlink() and _through_proc(path):
        return True  # /dev/stdout and the like: whatever the shell opened there, even a regular file
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:  # a symlink loop, a folder we may not search
        raise StanceError(f"cannot write {path} ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    raise StanceError(f"{path}: not a regular file, a pipe or a character device: refusing to write to it")


class Output:
    """One output being written: ``handle`` takes the content, :meth:`commit` publishes it.

    A regular file (or one a symbolic link leads to) is written to a temporary file beside
    it and renamed into place, so it is either the old file or the complete new one. A
    named pipe or a character device cannot be replaced (that would break ``/dev/null``):
    the content is kept in an anonymous temporary file (nothing left behind by a kill) and
    copied into it at :meth:`commit`. :meth:`discard` (any failure) leaves the destination
    untouched. Several outputs of one run are all written before any is committed.
    """

    def __init__(self, path: Path | str, binary: bool = False, encoding: str = "utf-8") -> None:
        folder = check_destination(path)  # before Path(), which drops a trailing slash
        self.path = Path(path)
        self.target = _target(self.path)
        self.stream = _is_stream(self.target)
        self.tmp: str | None = None
        try:
            if self.stream:
                raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed by commit() or discard()
            else:
                _remove_stale(self.target)
                fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.{os.getpid()}.", suffix=TMP_SUFFIX,
                                                dir=folder)
                raw = os.fdopen(fd, "w+b")
        except OSError as exc:
            raise StanceError(f"cannot write {self.path} ({exc.strerror or exc})") from None
        self.handle: IO = raw if binary else io.TextIOWrapper(raw, encoding=encoding, newline="")

    def commit(self) -> None:
        try:
            self.handle.flush()
            raw = self.handle.buffer if isinstance(self.handle, io.TextIOWrapper) else self.handle
            if self.stream:
                raw.seek(0)
                _copy_into_stream(raw, self.target)
            else:
                os.fsync(raw.fileno())
                # mkstemp makes the file private (0600); give it the mode a plain open() would.
                mode = self.target.stat().st_mode & 0o777 if self.target.exists() else 0o666 & ~_umask()
                os.chmod(self.tmp, mode)
                os.replace(self.tmp, self.target)
                self.tmp = None
        except OSError as exc:
            raise StanceError(f"cannot write {self.path} ({exc.strerror or exc})") from None
        finally:
            self.discard()

    def discard(self) -> None:
        with suppress(OSError, ValueError):
            self.handle.close()
        if self.tmp is not None:
            with suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


def _copy_into_stream(source: IO[bytes], path: Path) -> None:
    # O_NONBLOCK: opening a pipe nobody reads would wait forever; it fails at once instead.
    # O_APPEND: /dev/stdout redirected to a file (`>> log`) is written after what it holds.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise StanceError(f"cannot write {path}: a named pipe that nobody reads") from None
        raise
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out)


def _remove_stale(path: Path) -> None:
    """Remove the temporary files of killed runs that wrote ``path`` (their process is gone)."""
    prefix = f".{path.name}."
    with suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if not (entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX)):
                continue
            pid = entry.name[len(prefix):].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
                with suppress(OSError):
                    os.unlink(entry.path)


def process_alive(pid: int) -> bool:
    """True while process ``pid`` exists (stale temporary files are those of processes that do not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def write_atomic(path: Path | str, write: Callable[[IO], None], encoding: str = "utf-8", binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file, then publish it at ``path`` (see :class:`Output`).

    ``binary=True`` hands ``write`` a bytes handle (for images) instead of a text one.
    The temporary file is removed on any failure, Ctrl-C included; an error of the file
    system (disk full, permission) becomes a :class:`StanceError`.
    """
    write_all([(path, write, binary)], encoding)



def replace_block(path: Path | str, start: str, end: str, lines: list[str]) -> bool:
    """Put ``lines`` between the markers ``start`` and ``end`` of a text file (a page of docs
    that a command writes part of), atomically; the rest of the file is kept. Returns False,
    writing nothing, when the file or its markers are absent."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return False
    first, last = text.find(start), text.find(end)
    if first < 0 or last < first:
        return False
    new = text[:first] + "\n".join([start, "", *lines, ""]) + text[last:]
    if new != text:
        write_atomic(path, lambda handle: handle.write(new))
    return True

def write_all(outputs: Sequence[tuple[Path | str, Callable[[IO], None], bool]], encoding: str = "utf-8") -> None:
    """Write every ``(path, write, binary)`` to its temporary file, then commit them all:
    a failure while writing any of them leaves every destination as it was."""
    staged: list[Output] = []
    try:
        for path, write, binary in outputs:
            staged.append(Output(path, binary, encoding))
            try:
                write(staged[-1].handle)
            except OSError as exc:
                raise StanceError(f"cannot write {path} ({exc.strerror or exc})") from None
        for output in staged:
            output.commit()
    finally:
        for output in staged:
            output.discard()


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


def render_csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writers = csv_writers(buffer)
    for row in rows:
        write_csv_row(writers, row)
    return buffer.getvalue()


def csv_writers(handle: IO[str]) -> tuple:
    """The two CSV writers of :func:`write_csv_row` on ``handle``."""
    # QUOTE_MINIMAL quotes only the characters of the line terminator ("\n"): a lone CR (a file
    # name may hold one) would split the row for most readers, so such a row is all quoted.
    return csv.writer(handle, lineterminator="\n"), csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)


def write_csv_row(writers: tuple, row: Sequence[object]) -> None:
    """Write one row as :func:`render_csv` does: formula-safe cells, all quoted when one holds a CR."""
    plain, quoted = writers
    cells = [safe_cell(v) for v in row]
    (quoted if any("\r" in cell for cell in cells) else plain).writerow(cells)


def render_table(cells: Sequence[Cell], articles: Sequence[str]) -> str:
    """A human-readable table per article: actor, stance, confidence, evidence sentences."""
    lines = []
    by_article: dict[str, list[Cell]] = {}
    for cell in cells:
        by_article.setdefault(cell.article, []).append(cell)
    for article in articles:
        rows = sorted(by_article.get(article, []), key=lambda c: (c.stance == "none", c.actor))
        lines.append(f"== {shown(article)} ({len(rows)} actors)")  # a name may hold an escape sequence
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


class JsonStream:
    """Write the document of :func:`render_json` article by article, byte for byte the same,
    so that memory does not grow with the number of articles."""

    def __init__(self, handle: IO[str], config, level: str) -> None:
        self.handle, self.count = handle, 0
        head = json.dumps({"target": config.name, "description": config.description, "level": level, "articles": []},
                          ensure_ascii=False, indent=2)
        self.head = head[:-len("[]\n}")]  # up to "articles": , the list is written here

    def write(self, result) -> None:
        text = json.dumps(article_document(result), ensure_ascii=False, indent=2).replace("\n", "\n    ")
        self.handle.write((self.head + "[\n    " if not self.count else ",\n    ") + text)
        self.count += 1

    def close(self) -> None:
        self.handle.write(self.head + "[]\n}\n" if not self.count else "\n  ]\n}\n")


def article_document(result) -> dict:
    inferred = getattr(result.cells, "inferred", {})
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
                          for e in c.evidence],
             "inferred": c.actor in inferred, "prior": c.prior}
            for c in result.cells
        ],
        # Actors found by their title or affiliation, not in the dictionary: who they speak for.
        "inferred_actors": [{"name": name, "kind": kind, "speaks_for": None if top == name else top}
                            for name, (kind, top) in sorted(inferred.items())],
    }
