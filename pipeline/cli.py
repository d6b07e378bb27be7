"""Command-line interface: a thin layer over the library.

Every failure the user can fix ends as one line on stderr and a non-zero exit:
2 for an error, 1 when some inputs were skipped but the rest was written.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.errors import StanceError

HELP_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 80}
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings=HELP_SETTINGS,
                  help="Who stands where: stance of actors toward a contested event, from news articles.")
actors_app = typer.Typer(no_args_is_help=True, context_settings=HELP_SETTINGS,
                         help="Show the actor dictionary and how phrases resolve.")
app.add_typer(actors_app, name="actors")

EXIT_ERROR, EXIT_SKIPPED = 2, 1


def _print_version(value: bool) -> None:
    if value:
        from pipeline import __version__

        typer.echo(f"stance {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False) -> None:
    """Who stands where: stance of actors toward a contested event, from news articles."""
REFRESH_S = 0.1  # the progress bar redraws at most this often

TargetOpt = Annotated[Optional[str], typer.Option("--target", "-t", help="Target name (targets/NAME.toml) or a TOML path.")]
ModelOpt = Annotated[Optional[Path], typer.Option(help="Model folder (default: the target's).")]
TrustOpt = Annotated[bool, typer.Option("--trust-model", help="Allow a model folder outside models/.")]
DefaultDateOpt = Annotated[Optional[str], typer.Option(
    "--default-date", help="Date YYYY-MM-DD of the articles WITHOUT one (no --meta date, no dateline); "
                           "dated roles use each article's own date.")]
# The old name, hidden: it used to replace every article's date, and now means --default-date.
DateOpt = Annotated[Optional[str], typer.Option(
    "--date", hidden=True, help="Deprecated: the same as --default-date (applies only to articles without a date).")]
MetaOpt = Annotated[Optional[Path], typer.Option(
    "--meta", help="CSV article,date[,source,url,title,...]: each article's date (before its dateline), "
                   "other columns carried into --format long.")]
MinConfidenceOpt = Annotated[float, typer.Option(
    "--min-confidence", min=0.0, max=1.0, help="Leave out cells whose confidence is below this.")]
ActorFilterOpt = Annotated[Optional[list[str]], typer.Option(
    "--actor", help="Keep only this actor (name or alias; repeat for several).")]
StrictOpt = Annotated[bool, typer.Option(help="Stop at the first unreadable input instead of skipping it.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine (-1: one per core).")]
PATHS_HELP = ("Article files (.txt, .html; .jsonl, .csv, optionally .gz: one article per record), folders of "
              ".txt/.html files, or - for stdin.")
# JSONL and CSV inputs (pipeline.records): which field of a record is what.
IdFieldOpt = Annotated[str, typer.Option("--id-field", help="JSONL/CSV field holding the article id.")]
TextFieldOpt = Annotated[str, typer.Option("--text-field", help="JSONL/CSV field holding the article text.")]
DateFieldOpt = Annotated[str, typer.Option("--date-field", help="JSONL/CSV field holding the date (YYYY-MM-DD).")]


class Level(str, Enum):
    actor = "actor"
    country = "country"


LevelOpt = Annotated[Level, typer.Option(
    help="actor, or country: people and institutions roll up to whom they speak for.")]


class Kind(str, Enum):  # pipeline.actors.KINDS, spelt out so that the CLI starts without importing actors
    country = "country"
    organisation = "organisation"
    institution = "institution"
    person = "person"
    group = "group"


KindOpt = Annotated[Optional[list[Kind]], typer.Option("--kind", help="Keep only actors of this kind (repeatable).")]


class Window(str, Enum):
    day = "day"
    week = "week"
    month = "month"


class Sort(str, Enum):  # pipeline.report.SORTS, spelt out so that the CLI starts without importing the report
    lean = "lean"
    name = "name"
    articles = "articles"


class Format(str, Enum):
    table = "table"
    wide = "wide"
    long = "long"
    json = "json"


def fail(message: str, code: int = EXIT_ERROR) -> None:
    typer.echo(f"stance: error: {message}", err=True)
    raise typer.Exit(code)


def parse_date(value: str | None, option: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise StanceError(f"{option} {value!r}: use YYYY-MM-DD") from None


def default_date(new: str | None, old: str | None, quiet: bool = False) -> date | None:
    """The date for articles without one, from --default-date or its deprecated alias --date."""
    if old is not None:
        if new is not None:
            raise StanceError("give --default-date only (--date is its deprecated alias)")
        day = parse_date(old, "--date")
        if not quiet:
            typer.echo("stance: note: --date is deprecated, use --default-date: it dates only the articles without "
                       "a date of their own", err=True)
        return day
    return parse_date(new, "--default-date")


def shown(path: Path | str) -> str:
    """A path as it may be printed: control characters (escape sequences) made visible."""
    from pipeline.read import shown as visible

    return visible(str(path))


def record_fields(id_field: str = "id", text_field: str = "text", date_field: str = "date"):
    """The :class:`pipeline.records.Fields` of the --id-field, --text-field, --date-field options."""
    from pipeline.records import Fields

    for option, name in (("--id-field", id_field), ("--text-field", text_field), ("--date-field", date_field)):
        if not name.strip():
            raise StanceError(f"{option}: give a field name")
    return Fields(id_field, text_field, date_field)


def load_target(target: str | None):
    from pipeline.config import TargetConfig

    return TargetConfig.load(target)


@contextmanager
def progress_bar(total: int | None, quiet: bool = False, label: str = "classifying") -> Iterator[tuple]:
    """A progress bar on stderr for a batch of ``total`` inputs, hidden when stderr is not a
    terminal, with ``--quiet`` or for a single input.

    Yields ``(advance, say)``: ``advance(n)`` moves the bar (None when hidden), ``say(line)``
    writes a line to stderr above the bar.
    """
    if quiet or (total is not None and total < 2) or not sys.stderr.isatty():  # None: not known (records)
        yield None, lambda line: typer.echo(line, err=True)
        return
    # Imported here: rich costs start-up time, and only a terminal shows the bar.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    # Refreshed from this thread, not rich's own: local workers fork (see pipeline.batch),
    # and forking while another thread holds a lock can leave a worker waiting forever.
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task(label, total=total)
        shown = [0.0]

        def advance(n: int) -> None:
            bar.advance(task, n)
            if time.monotonic() - shown[0] >= REFRESH_S:
                bar.refresh()
                shown[0] = time.monotonic()

        yield advance, (lambda line: console.print(line, markup=False, highlight=False))


def run_batch(paths: list[str], target: str | None, model: Path | None, trust_model: bool, when: date | None,
              level: Level, strict: bool, quiet: bool, destinations: tuple[str | Path | None, ...], keep_sentences: bool,
              jobs: int = 1, scheduler: str | None = None, meta: Path | None = None, min_confidence: float = 0.0,
              actors: list[str] | None = None, kinds: list[Kind] | None = None, on_start=None, fields=None,
              keep_results: bool = True):
    """What `classify`, `report`, `network` and `timeline` share: check inputs, outputs and
    model before any work, then classify every source with notes, skips and a progress bar
    on stderr.

    ``when`` dates the articles without a date of their own (``meta``, then the dateline,
    come first). ``on_start(config)``, once everything is checked, returns a function that
    is handed each result as it comes, dated and filtered (see
    :func:`~pipeline.batch.classify_sources`). Returns the target configuration, the
    pipeline, the :class:`~pipeline.batch.BatchResult` and the :class:`~pipeline.api.Result`
    (the same results: dates decided, in date order, filtered). With ``keep_results=False``
    only the sink gets the results: the batch and the Result hold none, so that memory stays flat.
    """
    from pipeline import export
    from pipeline.api import finish, make_filters
    from pipeline.batch import classify_sources
    from pipeline.meta import ArticleDates, Meta
    from pipeline.read import list_sources
    from pipeline.records import is_records
    from pipeline.runner import StancePipeline

    config = load_target(target)
    sources = list_sources(paths)
    if scheduler:
        quiet_dask()
    records = any(is_records(s) for s in sources)  # then the number of articles is known only at the end
    for destination in destinations:  # fail before the work, not after it
        if destination:
            export.check_destination(destination)
    export.check_distinct([d for d in destinations if d], sources)
    metadata = Meta.load(meta) if meta else None
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    filters = make_filters(pipeline, min_confidence, actors or (), [k.value for k in kinds or ()])
    # Each article's own date decides its dated roles: metadata, else dateline, else `when`.
    pipeline.dates = ArticleDates(metadata.dates if metadata else {}, when)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    sink = on_start(config) if on_start else None
    unknown: dict[str, int] = {}
    matched: list[bool] = [False]  # whether any article id is in the metadata

    def tally(results) -> None:
        for article in results:
            for name, count in getattr(article.cells, "unknown", {}).items():
                unknown[name] = unknown.get(name, 0) + count
            matched[0] = matched[0] or bool(metadata and article.article.id in metadata.rows)

    def on_result(result) -> None:  # what the rest of the run gets in `finish`, for a streamed output
        pipeline.dates.redate([result])
        filters.apply([result], pipeline.dictionary)
        if not keep_results:  # nothing is kept to tally at the end
            tally([result])
        sink(result)

    with progress_bar(None if records else len(sources), quiet) as (advance, say):
        batch = classify_sources(
            pipeline, sources, level.value, None, strict or (len(sources) == 1 and not records),  # one input: its own error line
            on_note=None if quiet else lambda note: say(f"stance: {note}"),
            on_skip=lambda failure: say(f"stance: skipped {failure.reason}"),
            keep_sentences=keep_sentences, jobs=jobs, scheduler=scheduler, on_progress=advance, fields=fields,
            on_result=on_result if sink else None, keep_results=keep_results or not sink,
        )
    if batch.off_language:
        counts = ", ".join(f"{code} {n}" for code, n in batch.off_language.most_common())
        typer.echo(f"stance: note: {batch.off_language.total()} article(s) skipped: not in {', '.join(config.languages)} "
                   f"({counts})", err=True)
    if not batch.count:
        fail("no readable article among the inputs")
    result = finish(batch, pipeline, level.value, metadata, filters)
    batch.results = result.results
    tally(result.results)
    if not quiet and unknown:
        typer.echo(f"stance: {sum(unknown.values())} mentions of {len(unknown)} unknown names "
                   "(see `stance actors suggest`)", err=True)
    if metadata and not quiet and not matched[0]:
        typer.echo(f"stance: note: no article id of {meta} matches the inputs (ids are file names without .txt)", err=True)
    return config, pipeline, batch, result


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


@app.command()
def classify(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    # str, not Path: Path() drops the slash of `-o dir/`, which must be refused, not written as a file "dir".
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the result here instead of stdout.")] = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table (stdout default), wide matrix CSV (file default), long CSV, json.")] = None,
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    meta: MetaOpt = None,
    default: DefaultDateOpt = None,
    when: DateOpt = None,
    min_confidence: MinConfidenceOpt = 0.0,
    actor: ActorFilterOpt = None,
    kind: KindOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    date_field: DateFieldOpt = "date",
    plot: Annotated[Optional[str], typer.Option(
        "--plot", help="Also draw the matrix as a heatmap here: .png, .svg or .pdf.")] = None,
    jobs: JobsOpt = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on this Dask cluster instead: its scheduler address, tcp://host:port.")] = None,
) -> None:
    """Classify the stance of every actor in the articles; print or write the position matrix.

    Articles go in date order when dates are known (undated last). --format long: one row per article and actor.
    """
    from pipeline import export

    fmt = fmt or (Format.wide if output else Format.table)
    check_plot(plot)
    if fmt == Format.json:
        return classify_json(paths, output, level, target, model, trust_model, default_date(default, when, quiet), strict,
                             quiet, plot, jobs, scheduler, meta, min_confidence, actor, kind,
                             record_fields(id_field, text_field, date_field))
    if fmt in (Format.wide, Format.long) and not plot:
        return classify_spooled(paths, output, fmt, level, target, model, trust_model, default_date(default, when, quiet),
                                strict, quiet, jobs, scheduler, meta, min_confidence, actor, kind,
                                record_fields(id_field, text_field, date_field))
    config, _, batch, result = run_batch(
        paths, target, model, trust_model, default_date(default, when, quiet), level, strict, quiet, (output, plot),
        keep_sentences=False, jobs=jobs, scheduler=scheduler, meta=meta, min_confidence=min_confidence,
        actors=actor, kinds=kind, fields=record_fields(id_field, text_field, date_field))
    cells = batch.cells
    if fmt == Format.table:
        text = export.render_table(cells, batch.articles)
    else:
        text = export.render_csv(result.wide_csv_rows() if fmt == Format.wide else result.long_csv_rows())
    # The heatmap is drawn before anything is written: if it fails, no output has changed.
    image = None
    if plot:
        from pipeline.plot import render_plot

        image = (plot, render_plot(plot, cells, batch.articles, config.description))
    if output:
        write_output(output, text, batch, quiet, image)
    else:
        sys.stdout.write(text)
        if image:
            from pipeline.export import write_atomic

            write_atomic(plot, lambda handle: handle.write(image[1]), binary=True)
            if not quiet:
                typer.echo(f"stance: wrote {shown(plot)}", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def classify_spooled(paths: list[str], output: str | None, fmt: Format, level: Level, target: str | None,
                     model: Path | None, trust_model: bool, when: date | None, strict: bool, quiet: bool, jobs: int,
                     scheduler: str | None, meta: Path | None, min_confidence: float, actors: list[str] | None,
                     kinds: list[Kind] | None, fields=None) -> None:
    """`classify` to a wide or long CSV in bounded memory: each article's cells go to a
    temporary database (:class:`pipeline.spool.CellSpool`) as they come, and the CSV is
    written from it at the end, to the output's temporary file (or a temporary file for
    stdout), published only once complete. The bytes are those of the in-memory rendering."""
    import shutil
    import tempfile

    from pipeline import export
    from pipeline.spool import CellSpool, write_rows

    state: dict = {}

    def start(_config):
        state["spool"] = CellSpool()
        return state["spool"].add

    staged: export.Output | None = None
    try:
        _, pipeline, batch, result = run_batch(
            paths, target, model, trust_model, when, level, strict, quiet, (output,), keep_sentences=False, jobs=jobs,
            scheduler=scheduler, meta=meta, min_confidence=min_confidence, actors=actors, kinds=kinds,
            on_start=start, fields=fields, keep_results=False)
        spool = state["spool"]
        rows = spool.wide_rows() if fmt == Format.wide else spool.long_rows(pipeline.dictionary, result.meta)
        if output:
            staged = export.Output(output)
            write_rows(staged.handle, rows)
            staged.commit()
        else:  # stdout gets the table once it is complete, never half of it
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spooled:
                write_rows(spooled, rows)
                spooled.seek(0)
                shutil.copyfileobj(spooled, sys.stdout)
    except OSError as exc:
        if not output and (isinstance(exc, BrokenPipeError) or _is_stdout_error(exc)):
            raise  # writing to stdout: main() reports it
        raise StanceError(f"cannot write {shown(output or '')} ({exc.strerror or exc})") from None
    finally:
        if staged is not None:
            staged.discard()
        if "spool" in state:
            state["spool"].close()
    if output and not quiet:
        typer.echo(f"stance: wrote {shown(output)} ({len(spool.actors)} actors x {spool.count} articles)", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def classify_json(paths: list[str], output: str | None, level: Level, target: str | None, model: Path | None,
                  trust_model: bool, when: date | None, strict: bool, quiet: bool, plot: str | None, jobs: int,
                  scheduler: str | None, meta: Path | None, min_confidence: float, actors: list[str] | None,
                  kinds: list[Kind] | None, fields=None) -> None:
    """`classify --format json`: each article's document is written as soon as it is
    classified (to the output's temporary file, or a temporary file for stdout), so that
    memory does not grow with the batch; nothing is published before the run succeeds. The
    articles are therefore in input order, not date order."""
    import shutil
    import tempfile

    from pipeline import export

    staged: list[export.Output] = []  # the outputs, in temporary files until the end
    state: dict = {}  # the JSON stream, and the temporary file that stands for stdout

    def start(config):
        if output:
            staged.append(export.Output(output))
            handle = staged[0].handle
        else:  # stdout gets the document once it is complete, never half of it
            handle = state["spool"] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        state["stream"] = stream = export.JsonStream(handle, config, level.value)
        seen = state["actors"] = set()  # for the closing line: the batch keeps no cells without a plot

        def write(result) -> None:
            seen.update(c.actor for c in result.cells)
            stream.write(result)

        return write

    try:
        config, _, batch, _ = run_batch(paths, target, model, trust_model, when, level, strict, quiet, (output, plot),
                                        keep_sentences=True, jobs=jobs, scheduler=scheduler, meta=meta,
                                        min_confidence=min_confidence, actors=actors, kinds=kinds, on_start=start,
                                        fields=fields, keep_results=bool(plot))
        state["stream"].close()
        if plot:  # drawn before anything is published: if it fails, no output has changed
            from pipeline.plot import render_plot

            image = render_plot(plot, batch.cells, batch.articles, config.description)
            staged.append(export.Output(plot, binary=True))
            staged[-1].handle.write(image)
        if "spool" in state:
            state["spool"].seek(0)
            shutil.copyfileobj(state["spool"], sys.stdout)
        for item in staged:
            item.commit()
    except OSError as exc:
        if not output and (isinstance(exc, BrokenPipeError) or _is_stdout_error(exc)):
            raise  # writing to stdout: main() reports it
        raise StanceError(f"cannot write {shown(output or plot or '')} ({exc.strerror or exc})") from None
    finally:
        for item in staged:
            item.discard()
        if "spool" in state:
            state["spool"].close()
    if not quiet:
        if output:
            typer.echo(f"stance: wrote {shown(output)} ({len(state['actors'])} actors x {batch.count} articles)", err=True)
        if plot:
            typer.echo(f"stance: wrote {shown(plot)}", err=True)

def check_plot(plot: Path | None) -> None:
    """Refuse a --plot file name of a format we do not write, before any work."""
    if plot is not None:
        from pipeline.export import check_destination
        from pipeline.plot import plot_format

        check_destination(plot)  # "is a folder" says more than "no image extension"
        plot_format(plot)


# Help texts as single-line paragraphs: rich keeps a docstring's line breaks and wraps again around them.
NETWORK_HELP = (
    "Who sides with whom: an actor x actor agreement network, for Gephi or R.\n\n"
    "Nodes are the actors that take a stance at least once, with kind, camp, country, lean ((support - oppose) / "
    "stance cells, confidence-weighted, as the heatmap's), stance and articles.\n\n"
    "An edge joins two actors with: congruence, the articles (or windows) where both hold the same stance among "
    "support, oppose and neutral; conflict, those where one supports and the other opposes; shared, those where both "
    "take a stance; and the normalised weight = (congruence - conflict) / shared, from -1 (always opposed) to +1 "
    "(always on the same side). Only pairs with congruence or conflict get an edge."
)
TIMELINE_HELP = (
    "Each actor's stance per window: actor,window,stance,support,oppose,neutral,articles.\n\n"
    "window is the ISO date the window starts on (weeks start on Monday); stance is the one with the largest "
    "confidence-weighted count of the window's cells (none: only mentioned). Articles without a date are left out "
    "(date them with --meta or --default-date)."
)


@app.command(help=NETWORK_HELP)
def network(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="The network file: .graphml or .gexf (Gephi, R igraph), or .csv (edge list).")],
    window: Annotated[Optional[Window], typer.Option(
        help="Count day, week or month windows instead of articles (undated articles are left out).")] = None,
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    meta: MetaOpt = None,
    default: DefaultDateOpt = None,
    when: DateOpt = None,
    min_confidence: MinConfidenceOpt = 0.0,
    actor: ActorFilterOpt = None,
    kind: KindOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    date_field: DateFieldOpt = "date",
    jobs: JobsOpt = 1,
) -> None:
    """Who sides with whom: see :data:`NETWORK_HELP` and :mod:`pipeline.network`."""
    from pipeline.network import check_network_path, write_network

    check_network_path(output)
    _, _, batch, result = run_batch(
        paths, target, model, trust_model, default_date(default, when, quiet), level, strict, quiet, (output,),
        keep_sentences=False, jobs=jobs, meta=meta, min_confidence=min_confidence, actors=actor, kinds=kind,
        fields=record_fields(id_field, text_field, date_field))
    graph = result.network(window.value if window else None)
    write_network(output, graph)
    if not quiet:
        undated = graph.graph.get("undated", 0)
        if undated:
            typer.echo(f"stance: note: {undated} cell(s) of undated articles left out of the windows "
                       "(date them with --meta or --default-date)", err=True)
        typer.echo(f"stance: wrote {output} ({graph.number_of_nodes()} actors, {graph.number_of_edges()} edges, "
                   f"{len(batch.articles)} articles)", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command(help=TIMELINE_HELP)
def timeline(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the CSV here instead of stdout.")] = None,
    window: Annotated[Window, typer.Option(help="day, week (from Monday) or month.")] = Window.week,
    flips: Annotated[bool, typer.Option(
        "--flips", help="List each change of an actor's stance instead: actor, from, to, the two dates, "
                        "articles and evidence sentences.")] = False,
    plot: Annotated[Optional[Path], typer.Option(
        "--plot", help="Also draw one line of cells per actor over time: .png, .svg or .pdf.")] = None,
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    meta: MetaOpt = None,
    default: DefaultDateOpt = None,
    when: DateOpt = None,
    min_confidence: MinConfidenceOpt = 0.0,
    actor: ActorFilterOpt = None,
    kind: KindOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    date_field: DateFieldOpt = "date",
    jobs: JobsOpt = 1,
) -> None:
    """Each actor's stance per window: see :data:`TIMELINE_HELP` and :mod:`pipeline.timeline`."""
    from pipeline import export
    from pipeline.timeline import FLIP_COLUMNS, TIMELINE_COLUMNS, group_by_window, render_rows, timeline_rows
    from pipeline.timeline import flips as find_flips

    check_plot(plot)
    config, _, batch, result = run_batch(
        paths, target, model, trust_model, default_date(default, when, quiet), level, strict, quiet, (output, plot),
        keep_sentences=False, jobs=jobs, meta=meta, min_confidence=min_confidence, actors=actor, kinds=kind,
        fields=record_fields(id_field, text_field, date_field))
    groups, undated = group_by_window(result.cells, result.dates, window.value)
    if undated and not quiet:
        typer.echo(f"stance: note: {undated} cell(s) of undated articles left out (date them with --meta or "
                   "--default-date)", err=True)
    if flips:
        rows = render_rows(find_flips(groups, result.dates), FLIP_COLUMNS)
    else:
        rows = render_rows(timeline_rows(groups), TIMELINE_COLUMNS)
    text = export.render_csv(rows)
    if output:
        export.write_atomic(output, lambda handle: handle.write(text))
        if not quiet:
            typer.echo(f"stance: wrote {output} ({len(rows) - 1} rows)", err=True)
    else:
        sys.stdout.write(text)
    if plot:
        from pipeline.plot import write_figure
        from pipeline.timeline import timeline_figure

        write_figure(plot, timeline_figure(groups, window.value, config.description))
        if not quiet:
            typer.echo(f"stance: wrote {plot}", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def report(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[str, typer.Option("--output", "-o", help="The HTML file to write.")],
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    meta: MetaOpt = None,
    default: DefaultDateOpt = None,
    when: DateOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    date_field: DateFieldOpt = "date",
    sort: Annotated[Sort, typer.Option(
        "--sort", help="Order of the matrix rows and the actor summary: lean (supporters first), name, or "
        "articles (most found first).")] = Sort.lean,
) -> None:
    """Write one self-contained HTML report: heatmap, matrix linked to its evidence, actors, timeline, network,
    model scores."""
    from pipeline.meta import date_order
    from pipeline.report import GROUP_ABOVE, render_report

    # Every sentence of every article is kept only while the report may show them: past
    # GROUP_ABOVE articles with a date, its columns are windows whose evidence is the cells'
    # own, so the batch keeps only cells and memory stays flat however many articles come.
    full: list = []
    grouped = False

    def start(_config):
        def keep(result) -> None:
            nonlocal grouped
            if not grouped:
                full.append(result)
                if len(full) > GROUP_ABOVE and any(r.article.date for r in full):
                    grouped = True
                    full.clear()
        return keep

    config, pipeline, batch, _ = run_batch(paths, target, model, trust_model, default_date(default, when, quiet), level,
                                           strict, quiet, (output,), keep_sentences=True, meta=meta,
                                           fields=record_fields(id_field, text_field, date_field), on_start=start)
    dictionary = pipeline.dictionary
    # The same roll-up as the cells (each article's decided date), so that each cell lists
    # every sentence it was built from.
    roll_up = (lambda actor, dated: dictionary.roll_up(actor, dated)) if level == Level.country else None
    results = batch.results if grouped else date_order(full)
    html = render_report(results, config, pipeline.model.manifest, level.value, batch.skipped, roll_up,
                         sort=sort.value, dictionary=dictionary)
    write_output(output, html, batch, quiet)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def explain(
    paths: Annotated[list[str], typer.Argument(help="Article .txt file(s), folders, or - for stdin.")],
    actor: Annotated[str, typer.Option("--actor", "-a", help='Actor name or alias, e.g. "United States".')],
    top: Annotated[int, typer.Option(min=1, max=100, help="Features shown per sentence.")] = 8,
    level: Annotated[Level, typer.Option(help="country: also the people and institutions speaking for it.")] = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    default: DefaultDateOpt = None,
    when: DateOpt = None,
    strict: StrictOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    date_field: DateFieldOpt = "date",
) -> None:
    """For each sentence mentioning the actor: its label, the probability and the features that weighed most."""
    from dataclasses import replace

    from pipeline.explain import explain_actor, render_explanation, resolve_actor
    from pipeline.language import screen
    from pipeline.meta import ArticleDates
    from pipeline.read import ReadFailure, list_sources, read_articles
    from pipeline.records import is_records
    from pipeline.runner import StancePipeline

    config = load_target(target)
    dates = ArticleDates(default=default_date(default, when))
    sources = list_sources(paths)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    name = resolve_actor(pipeline.matcher, actor)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    mentioned, skipped = False, False
    fields = record_fields(id_field, text_field, date_field)
    single = len(sources) == 1 and not is_records(sources[0])
    note = lambda line: typer.echo(f"stance: {line}", err=True)  # noqa: E731
    for item in screen(read_articles(sources, fields=fields), config.languages, note):
        if isinstance(item, ReadFailure):
            if strict or single:  # one input: its own error line
                fail(item.reason)
            typer.echo(f"stance: skipped {item.reason}", err=True)
            skipped = True
            continue
        item = replace(item, date=dates(item))  # the default date only for an article without its own
        explanation = explain_actor(pipeline, item, name, level.value, None, top)
        mentioned = mentioned or explanation.cell is not None
        sys.stdout.write(render_explanation(explanation))
    if not mentioned:
        typer.echo(f"stance: {name} is not mentioned in the input", err=True)
    if skipped or not mentioned:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def evaluate(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Articles to classify against --gold.")] = None,
    gold: Annotated[Optional[Path], typer.Option(help="Gold CSV with the columns article, actor, stance.")] = None,
    cv: Annotated[bool, typer.Option("--cv", help="Grouped k-fold cross-validation on the training corpus.")] = False,
    swap: Annotated[bool, typer.Option("--swap", help="The actor-swap suite: accuracy per label x camp, flip rate.")] = False,
    agreement: Annotated[Optional[Path], typer.Option(
        help="A second annotator's labels (columns file, text, actor, stance): agreement with the corpus.")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Folds of the cross-validation.")] = 5,
    with_baselines: Annotated[bool, typer.Option("--baselines/--no-baselines", help="Score the baselines side by side.")] = True,
    level: Annotated[Level, typer.Option()] = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: Annotated[bool, typer.Option("--trust-model")] = False,
) -> None:
    """Score the model: against a gold matrix (--gold), by cross-validation (--cv), on the actor-swap suite
    (--swap); or measure how far a second annotator agrees with the training labels (--agreement).
    """
    from pipeline.evaluate import format_scores

    if not cv and not swap and gold is None and agreement is None:
        fail("give --gold FILE with articles, --cv, --swap, or --agreement FILE")
    config = load_target(target)
    if agreement is not None:
        from pipeline.evaluate import agreement as measure_agreement
        from pipeline.evaluate import cohen_kappa

        scores = measure_agreement(agreement, config.train_path)
        typer.echo(format_scores(f"second annotator vs corpus (Cohen's kappa {cohen_kappa(scores):.3f})", scores))
    if cv:
        from pipeline.corpus import Corpus
        from pipeline.evaluate import baseline_factories, cross_validate
        from pipeline.model import fit_linear
        from pipeline.training import model_targets, trainable_corpora

        configs, corpora = trainable_corpora(model_targets(config), lambda line: typer.echo(f"stance: {line}", err=True))
        corpus = Corpus.combine(corpora)
        extra = baseline_factories({c.name: c.cues for c in configs}) if with_baselines else []
        for name, scores in cross_validate(corpus, lambda c: fit_linear(c, configs), folds, extra).items():
            typer.echo(format_scores(f"cv {name}", scores))
    if swap:
        from pipeline.evaluate import run_swap
        from pipeline.runner import StancePipeline

        if config.swap is None:
            fail(f"target {config.name} has no actor-swap suite (`swap` in its configuration)")
        report = run_swap(StancePipeline(config, model_dir=model, trust_model=trust_model), config.swap)
        typer.echo(f"actor-swap suite {config.name} (accuracy per label x usual camp of the actor):\n{report.format()}")
    if gold is not None:
        from pipeline.model import load_model
        from pipeline.training import evaluate_gold

        if not paths:
            fail("--gold needs the articles to classify (a folder or files)")
        linear = load_model(model or config.model_dir, trust=trust_model, cues=config.cues)
        models = [linear]
        if with_baselines:
            from pipeline.evaluate import baselines

            models += baselines(_training_labels(linear), config.cues)
        for article_set in paths:
            for name, scores in evaluate_gold(config, Path(article_set), gold, models, level.value).items():
                typer.echo(format_scores(f"{article_set} {name}", scores))


def _training_labels(linear) -> list[str]:
    distribution = linear.manifest.get("label_distribution", {})
    return [label for label, n in distribution.items() for _ in range(n)]


@app.command()
def train(
    target: TargetOpt = None,
    C: Annotated[Optional[float], typer.Option(
        "--C", min=1e-4, help="Inverse regularisation of the logistic regression (default: the model's).")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Folds of the cross-validation.")] = 5,
    force: Annotated[bool, typer.Option("--force", help="Save the model even if it scores below the keyword baseline.")] = False,
) -> None:
    """Train the target's model from the labelled data of every target that shares it, score it on every
    evaluation set present, and write it with its model card.
    """
    from joblib import parallel_config

    from pipeline.batch import watch_parent
    from pipeline.model import DEFAULT_C
    from pipeline.training import train as run_training

    # Cross-validation runs in joblib (loky) worker processes, which would outlive a killed
    # `train` for minutes: each one watches us and ends with us. (n_jobs=1 instead: the
    # cross-validation took 157 s against 42 s with two workers, on a busy two-core machine.)
    with parallel_config(backend="loky", initializer=watch_parent, initargs=(os.getpid(),)):
        run_training(load_target(target), C=C or DEFAULT_C, folds=folds, log=typer.echo, force=force)


@actors_app.command("list")
def actors_list(
    target: TargetOpt = None,
    generated: Annotated[bool, typer.Option(
        "--generated", help="Every phrase each entry produces (aliases, demonym and country phrases, capitalised "
                            "forms), one per line under its actor.")] = False,
) -> None:
    """List the actors of the dictionary: name, kind, camp, aliases. Every error of the dictionary is reported at once."""
    from pipeline.actors import ActorDictionary
    from pipeline.dictionary_check import dictionary_errors, generated_phrases

    config = load_target(target)
    errors = dictionary_errors(config.actors_path)
    if errors:
        for error in errors:
            typer.echo(f"stance: error: {error}", err=True)
        raise typer.Exit(EXIT_ERROR)
    for actor in ActorDictionary.load(config.actors_path):
        camp = f" [{actor.camp}]" if actor.camp else ""
        if generated:
            typer.echo(f"{actor.name}\t{actor.kind}{camp}")
            for phrase in generated_phrases(actor):
                typer.echo(f"\t{phrase}")
        else:
            typer.echo(f"{actor.name}\t{actor.kind}{camp}\t{'; '.join(actor.aliases)}")


@actors_app.command("resolve")
def actors_resolve(
    text: Annotated[str, typer.Argument(help="A phrase or a few sentences.")],
    target: TargetOpt = None,
    when: Annotated[Optional[str], typer.Option("--date", help="Date YYYY-MM-DD for dated roles.")] = None,
) -> None:
    """Show which actors a text mentions, and how (alias, pronoun, group, heading)."""
    from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
    from pipeline.read import find_date
    from pipeline.segment import SentenceSplitter

    config = load_target(target)
    day = parse_date(when) or find_date(text)  # --date, else a date line in the text
    dictionary = ActorDictionary.load(config.actors_path)
    sentences = SentenceSplitter().split(text)
    matcher = ActorMatcher(dictionary)
    named = [matcher.find(s.text) for s in sentences]
    resolved = Coreference(dictionary, config.home_government).resolve(sentences, named, day)
    found = False
    for sentence, mentions in zip(sentences, resolved, strict=True):
        for m in mentions:
            found = True
            rolls = dictionary.roll_up(m.actor, day)
            extra = f"\t(speaks for {rolls})" if rolls != m.actor else ""
            typer.echo(f"{sentence.index}\t{m.text or '<heading>'!s}\t{m.actor}\t{m.via}{extra}")
    if not found:
        from pipeline.explain import near_misses

        close = near_misses(dictionary, text)
        typer.echo("no actor found" + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""), err=True)
        raise typer.Exit(EXIT_SKIPPED)


@actors_app.command("suggest")
def actors_suggest(
    paths: Annotated[list[str], typer.Argument(help="Article .txt files or folders of them.")],
    target: TargetOpt = None,
    toml: Annotated[bool, typer.Option("--toml", help="Print dictionary entries ready to paste.")] = False,
) -> None:
    """List the names the articles introduce that the dictionary lacks: count, kind, affiliation, a sentence."""
    from pipeline.actors import ActorDictionary, ActorMatcher
    from pipeline.open_world import ActorInference, suggest, suggestion_toml
    from pipeline.read import ReadFailure, list_sources, read_articles
    from pipeline.segment import SentenceSplitter

    config = load_target(target)
    dictionary = ActorDictionary.load(config.actors_path)
    matcher, splitter = ActorMatcher(dictionary), SentenceSplitter()
    documents = []
    for article in read_articles(list_sources(paths)):
        if isinstance(article, ReadFailure):
            typer.echo(f"stance: skipped {article.reason}", err=True)
            continue
        sentences = splitter.split(article.text)
        documents.append((sentences, [matcher.find(s.text) for s in sentences]))
    found = suggest(ActorInference(dictionary, config.home_government), documents)
    for s in found:
        if toml:
            typer.echo(f"# {s.count} mentions in {s.articles} articles: {s.sample.strip()[:200]}")
            typer.echo(suggestion_toml(s))
        else:
            typer.echo(f"{s.count}\t{s.name}\t{s.kind}\t{s.affiliation or '-'}\t{s.sample.strip()[:200]}")
    if not found:
        typer.echo("no unknown names", err=True)


@app.command("corpus")
def corpus_describe(
    target: TargetOpt = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Rewrite the stats block of this README.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Report every problem (actors without a row, rows whose actor is not mentioned, duplicates, "
                        "conflicts, bad labels and dates) with file and line; exit 1 if any. Without --target: "
                        "every target.")] = False,
) -> None:
    """Describe the training corpus (size, label distribution, coverage) as Markdown, or check it (--check)."""
    from pipeline.corpus import corpus_stats, load_target_corpus, stats_markdown
    from pipeline.export import write_atomic

    if check:
        from pipeline.corpus_check import check_targets

        raise typer.Exit(check_targets(target, typer.echo, lambda line: typer.echo(line, err=True)))
    config = load_target(target)
    corpus = load_target_corpus(config)
    block = stats_markdown(corpus_stats(corpus))
    if output is None:
        sys.stdout.write(block)
        return
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    begin, end = f"<!-- stats:{config.name} -->\n", f"<!-- /stats:{config.name} -->"
    if begin not in text or end not in text:
        raise StanceError(f"{output}: no {begin.strip()} ... {end} block to fill")
    head, rest = text.split(begin, 1)
    write_atomic(output, lambda h: h.write(head + begin + block + end + rest.split(end, 1)[1]))


@app.command("init")
def init(
    name: Annotated[str, typer.Argument(help="The new target's name: lower-case letters, digits, hyphens.")],
    source: Annotated[str, typer.Option("--from", help="The target whose generic cue words are copied.")] = "maduro-2024",
) -> None:
    """Start a new event: a target file, a dictionary template of its own actors, the generic cue words,
    a guidelines template and an empty training folder (see docs/new-event.md). Never overwrites."""
    from pipeline.init import init_target

    for path in init_target(name, source):
        typer.echo(f"stance: wrote {path}", err=True)


@app.command("label")
def label(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Your articles: .txt files or folders of them.")] = None,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    export: Annotated[Optional[Path], typer.Option(
        "--export", help="Write every proposal (label, probabilities) to this CSV for a spreadsheet instead.")] = None,
    import_: Annotated[Optional[Path], typer.Option(
        "--import", help="Read a corrected --export CSV back: rows with a stance join the target's corpus.")] = None,
    no_score: Annotated[bool, typer.Option(
        "--no-score", help="Do not cross-validate the target's corpus every 50 labels.")] = False,
) -> None:
    """Label pairs from your own articles: the model proposes a label for every actor of every sentence, most
    useful first; s/o/n/x answer, Enter accepts, k skips, u undoes, q quits (answers are saved at once; run
    again to resume). Labels go to data/train/NAME/labelled.csv."""
    from pipeline.labelling import label_command

    raise typer.Exit(label_command(load_target(target), paths or [], model, trust_model, export, import_, no_score,
                                   say=typer.echo, note=lambda line: typer.echo(line, err=True)))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every user error into one line on stderr."""
    code = _run(argv)
    # What is still buffered for stdout is written now, while an error can still be one
    # line: at interpreter exit a closed pipe or a full disk gives a traceback-like message.
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:  # `stance ... | head`: the reader wanted no more, not an error
        _silence_stdout()
    except OSError as exc:
        _silence_stdout()
        typer.echo(f"stance: error: cannot write to stdout ({exc.strerror or exc})", err=True)
        return code or EXIT_ERROR
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (temporary files, workers)."""


_terminated = [False]  # Typer turns the exception into a bare exit code 130: this tells which signal it was


def _on_sigterm(signum: int, frame: object) -> None:
    _terminated[0] = True
    raise _Terminated


def _run(argv: list[str] | None) -> int:
    import signal

    _terminated[0] = False
    installed = threading.current_thread() is threading.main_thread()  # only the main thread may set handlers
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if installed else None
    try:
        code = _run_command(argv)
    except _Terminated:  # between the command and here
        code = _interrupted()
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    return code


def _run_command(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    if sys.stdout is None:  # started with stdout closed (`>&-`): an error when something is printed
        sys.stdout = _ClosedStdout()
    try:
        result = command.main(args=argv, prog_name="stance", standalone_mode=False)
    except StanceError as exc:
        typer.echo(f"stance: error: {shown(str(exc))}", err=True)  # one line, whatever a file name holds
        return EXIT_ERROR
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted()
    except typer.TyperException as exc:  # usage errors: unknown option, bad value
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if message:  # an empty message follows the help text printed for a bare `stance`
            typer.echo(f"stance: error: {message}".replace("\n", " "), err=True)
        return EXIT_ERROR
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # click turns a closed pipe into exit(1)
            _silence_stdout()
            return 0
        raise
    except OSError as exc:
        if not _is_stdout_error(exc):
            raise
        _silence_stdout()
        typer.echo(f"stance: error: cannot write to stdout ({exc.strerror or exc})", err=True)
        return EXIT_ERROR
    if result == 130:  # Typer turns Ctrl-C into Exit(130) and returns it without a word
        return _interrupted()
    return result if isinstance(result, int) else 0


def _interrupted() -> int:
    if _terminated[0]:
        typer.echo("stance: terminated", err=True)
        return 143  # 128 + SIGTERM, as a shell reports a process it ended
    typer.echo("stance: interrupted", err=True)
    return 130


class _ClosedStdout(io.TextIOBase):
    """Stands for a stdout that was closed before we started: writing to it is an error."""

    def write(self, text: str) -> int:
        if text:
            raise OSError(errno.EBADF, "stdout is closed")
        return 0

    def fileno(self) -> int:
        raise ValueError("stdout is closed")


def _is_stdout_error(exc: OSError) -> bool:
    # Our own files' errors are StanceErrors already; a bare OSError here comes from
    # writing the result to stdout (a full disk, a closed descriptor).
    return exc.errno in (errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG)


if __name__ == "__main__":
    sys.exit(main())
