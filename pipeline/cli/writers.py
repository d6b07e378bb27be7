"""How `classify` writes its formats: the table of writers (from which ``--format`` is
generated: a new format is one entry), and the atomic write of a rendered batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import typer

from pipeline.cli import shown


@dataclass(frozen=True)
class Writer:
    """How `classify` writes one ``--format``: ``render(batch, result)`` gives the whole
    text once every article is classified; a ``streamed`` writer (JSON) instead writes each
    article's document as it comes (see :func:`classify_json`)."""

    render: Callable[[Any, Any], str] | None = None
    streamed: bool = False


def _render_table(batch, result) -> str:
    from pipeline.export import render_table

    return render_table(batch.cells, batch.articles)


def _render_wide(batch, result) -> str:
    from pipeline.export import render_csv

    return render_csv(result.wide_csv_rows())


def _render_long(batch, result) -> str:
    from pipeline.export import render_csv

    return render_csv(result.long_csv_rows())


# The output formats of `classify`, in the order --help lists them: a new format is one entry.
WRITERS: dict[str, Writer] = {
    "table": Writer(_render_table),
    "wide": Writer(_render_wide),
    "long": Writer(_render_long),
    "json": Writer(streamed=True),
}
Format = Enum("Format", {name: name for name in WRITERS}, type=str)  # --format's choices, from the table
Format.__doc__ = "An output format of `classify` (a key of :data:`WRITERS`)."


def quiet_dask() -> None:
    """Silence dask.distributed's own logging: a lost scheduler would print tracebacks from its
    event loop's thread (reconnection attempts, closing) before our one-line error."""
    import logging

    try:
        import distributed  # noqa: F401 - its import configures the loggers silenced here
    except ImportError:
        return
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def write_output(output: str, text: str, batch, quiet: bool, plot: tuple[str, bytes] | None = None) -> None:
    """Write a batch's rendered result (and its heatmap) atomically and say so on stderr.

    Both are written before either is committed: a failure leaves both files as they were.
    """
    from pipeline.export import write_all

    outputs = [(output, lambda handle: handle.write(text), False)]
    if plot:
        outputs.append((plot[0], lambda handle: handle.write(plot[1]), True))
    write_all(outputs)
    if not quiet:
        actors = len({c.actor for c in batch.cells})
        typer.echo(f"stance: wrote {shown(output)} ({actors} actors x {len(batch.articles)} articles)", err=True)
        if plot:
            typer.echo(f"stance: wrote {shown(plot[0])}", err=True)
