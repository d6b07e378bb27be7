"""The commands that classify a batch of articles: `classify`, `network`, `timeline`, `report`.

They share their options (:data:`SHARED_OPTIONS`, given to each as one
:class:`RunOptions`), the checks and the progress bar of :func:`run_batch`; `classify`
writes each ``--format`` with an entry of :data:`WRITERS`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from pipeline.cli import (
    CLOSING_NOTES,
    EXIT_SKIPPED,
    PATHS_HELP,
    ActorFilterOpt,
    DateFieldOpt,
    DateOpt,
    DefaultDateOpt,
    IdFieldOpt,
    JobsOpt,
    Kind,
    KindOpt,
    Level,
    LevelOpt,
    MetaOpt,
    MinConfidenceOpt,
    ModelOpt,
    QuietOpt,
    Sort,
    StrictOpt,
    TargetOpt,
    TextFieldOpt,
    TrustOpt,
    Window,
    app,
    default_date,
    fail,
    load_target,
    progress_bar,
    record_fields,
    shown,
)
from pipeline.cli.writers import WRITERS, Format, quiet_dask, write_output
from pipeline.errors import StanceError


@dataclass(frozen=True)
class RunOptions:
    """The options `classify`, `network`, `timeline` and `report` share, read once.

    ``when`` dates the articles without a date of their own (``meta``, then the dateline,
    come first); ``fields`` names the id, text and date fields of JSONL and CSV records.
    """

    paths: list[str]
    target: str | None = None
    model: Path | None = None
    trust_model: bool = False
    when: date | None = None
    level: Level = Level.actor
    strict: bool = False
    quiet: bool = False
    jobs: int = 1
    scheduler: str | None = None
    meta: Path | None = None
    min_confidence: float = 0.0
    actors: list[str] | None = None
    kinds: list[Kind] | None = None
    fields: Any = None

    @classmethod
    def of(cls, given: dict[str, Any]) -> RunOptions:
        """The options of a command from its parameters, by their names in the command
        (see :data:`SHARED_OPTIONS`): ``--default-date`` (or its old name ``--date``) parsed,
        ``--actor``/``--kind`` and the record fields gathered; options the command does not
        have keep their default."""
        quiet = given.get("quiet", False)
        names = ("target", "model", "trust_model", "level", "strict", "jobs", "scheduler", "meta", "min_confidence")
        return cls(list(given["paths"]), when=default_date(given.get("default"), given.get("when"), quiet), quiet=quiet,
                   actors=given.get("actor"), kinds=given.get("kind"),
                   fields=record_fields(given.get("id_field", "id"), given.get("text_field", "text"),
                                        given.get("date_field", "date")),
                   **{name: given[name] for name in names if name in given})


# The options of RunOptions as the commands spell them, in --help order: (annotation, default).
SHARED_OPTIONS: dict[str, tuple[Any, Any]] = {
    "level": (LevelOpt, Level.actor),
    "target": (TargetOpt, None),
    "model": (ModelOpt, None),
    "trust_model": (TrustOpt, False),
    "meta": (MetaOpt, None),
    "default": (DefaultDateOpt, None),
    "when": (DateOpt, None),
    "min_confidence": (MinConfidenceOpt, 0.0),
    "actor": (ActorFilterOpt, None),
    "kind": (KindOpt, None),
    "strict": (StrictOpt, False),
    "quiet": (QuietOpt, False),
    "id_field": (IdFieldOpt, "id"),
    "text_field": (TextFieldOpt, "text"),
    "date_field": (DateFieldOpt, "date"),
    "jobs": (JobsOpt, 1),
}


def with_run_options(without: tuple[str, ...] = ()) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the shared options of :data:`SHARED_OPTIONS` (but ``without``), after
    its own; it receives them read into one ``options: RunOptions`` (with its ``paths``).

    Typer reads a command's parameters from its signature: the wrapper's is the command's
    own parameters followed by the shared ones, so that each is declared once, here.
    """
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(command).parameters.values()
               if p.name != "options"]
        shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
                  for name, (annotation, default) in SHARED_OPTIONS.items() if name not in without]
        names = {p.name for p in own}

        @functools.wraps(command)
        def run(**given: Any) -> None:
            mine = {name: value for name, value in given.items() if name in names}
            return command(**mine, options=RunOptions.of(given))

        run.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in [*own, *shared]}
        return run
    return decorate


def run_batch(options: RunOptions, destinations: tuple[str | Path | None, ...], keep_sentences: bool, on_start=None,
              keep_results: bool = True, keep_evidence: bool = True):
    """What `classify`, `report`, `network` and `timeline` share: check inputs, outputs and
    model before any work, then classify every source with notes, skips and a progress bar
    on stderr.

    ``options`` are the shared options (see :class:`RunOptions`); ``destinations`` the
    files the command will write. ``on_start(config)``, once everything is checked, returns a function that
    is handed each result as it comes, dated and filtered (see
    :func:`~pipeline.batch.classify_sources`). Returns the target configuration, the
    pipeline, the :class:`~pipeline.batch.BatchResult` and the :class:`~pipeline.api.Result`
    (the same results: dates decided, in date order, filtered). With ``keep_results=False``
    only the sink gets the results: the batch and the Result hold none, so that memory stays flat;
    with ``keep_evidence=False`` their cells hold no evidence sentence, most of what a cell weighs.
    """
    from pipeline import export
    from pipeline.api import finish, make_filters
    from pipeline.batch import classify_sources
    from pipeline.meta import ArticleDates, Meta
    from pipeline.read import list_sources
    from pipeline.records import is_records
    from pipeline.runner import StancePipeline

    o = options
    config = load_target(o.target)
    sources = list_sources(o.paths)
    if o.scheduler:
        quiet_dask()
    records = any(is_records(s) for s in sources)  # then the number of articles is known only at the end
    for destination in destinations:  # fail before the work, not after it
        if destination:
            export.check_destination(destination)
    export.check_distinct([d for d in destinations if d], sources)
    metadata = Meta.load(o.meta) if o.meta else None
    pipeline = StancePipeline(config, model_dir=o.model, trust_model=o.trust_model)
    filters = make_filters(pipeline, o.min_confidence, o.actors or (), [k.value for k in o.kinds or ()])
    # Each article's own date decides its dated roles: metadata, else dateline, else `when`.
    pipeline.dates = ArticleDates(metadata.dates if metadata else {}, o.when)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    sink = on_start(config) if on_start else None
    unknown: dict[str, int] = {}
    matched: list[bool] = [False]  # whether any article id is in the metadata
    # Articles that name none of the target's principals: about another event, most likely
    # (said of two articles or more: one article may well be about a side issue).
    principals = set(config.principals) | {pipeline.dictionary.roll_up(p, lenient=True) for p in config.principals
                                           if p in pipeline.dictionary}
    unfiltered = not (o.actors or o.kinds or o.min_confidence)
    off_target = [0, 0]  # articles without a principal's cell, articles

    def tally(results) -> None:
        for article in results:
            for name, count in getattr(article.cells, "unknown", {}).items():
                unknown[name] = unknown.get(name, 0) + count
            matched[0] = matched[0] or bool(metadata and article.article.id in metadata.rows)
            off_target[0] += not any(cell.actor in principals for cell in article.cells)
            off_target[1] += 1

    def on_result(result) -> None:  # what the rest of the run gets in `finish`, for a streamed output
        pipeline.dates.redate([result])
        filters.apply([result], pipeline.dictionary)
        if not keep_results:  # nothing is kept to tally at the end
            tally([result])
        sink(result)

    quiet = o.quiet
    strict = o.strict or (len(sources) == 1 and not records)  # one input: its own error line
    with progress_bar(None if records else len(sources), quiet) as (advance, say):
        batch = classify_sources(
            pipeline, sources, o.level.value, None, strict,
            on_note=None if quiet else lambda note: say(f"stance: {note}"),
            on_skip=lambda failure: say(f"stance: skipped {failure.reason}"),
            keep_sentences=keep_sentences, jobs=o.jobs, scheduler=o.scheduler, on_progress=advance, fields=o.fields,
            on_result=on_result if sink else None, keep_results=keep_results or not sink,
            keep_evidence=keep_evidence,
        )
    if batch.off_language:
        counts = ", ".join(f"{code} {n}" for code, n in batch.off_language.most_common())
        typer.echo(f"stance: note: {batch.off_language.total()} article(s) skipped: not in {', '.join(config.languages)} "
                   f"({counts})", err=True)
    if not batch.count:
        fail("no readable article among the inputs")
    result = finish(batch, pipeline, o.level.value, metadata, filters)
    batch.results = result.results
    tally(result.results)
    if not quiet and unknown:
        CLOSING_NOTES.append(f"stance: {sum(unknown.values())} mentions of {len(unknown)} unknown names "
                             "(see `stance actors suggest`)")
    if not quiet and unfiltered and principals and off_target[1] > 1 and 2 * off_target[0] >= off_target[1]:
        CLOSING_NOTES.append(
            f"stance: note: {off_target[0]} of {off_target[1]} article(s) name none of {config.name}'s principals "
            f"({', '.join(config.principals)}): about another event? `stance init NAME --country ... "
            f"--incumbent ... --rival ...` starts one (docs/new-event.md)")
    if metadata and not quiet and not matched[0]:
        typer.echo(f"stance: note: no article id of {o.meta} matches the inputs (ids are file names without .txt)", err=True)
    return config, pipeline, batch, result


@app.command()
@with_run_options()
def classify(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    # str, not Path: Path() drops the slash of `-o dir/`, which must be refused, not written as a file "dir".
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the result here instead of stdout.")] = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table (stdout default), wide matrix CSV (file default), long CSV, json.")] = None,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", help="Also draw the matrix as a heatmap here: .png, .svg or .pdf.")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on this Dask cluster instead: its scheduler address, tcp://host:port.")] = None,
    *,
    options: RunOptions,
) -> None:
    """Classify the stance of every actor in the articles; print or write the position matrix.

    Articles go in date order when dates are known (undated last). --format long: one row per article and actor.
    """
    fmt = fmt or (Format.wide if output else Format.table)
    writer = WRITERS[fmt.value]
    check_plot(plot)
    quiet = options.quiet
    if writer.streamed:
        return classify_json(options, output, plot)
    if fmt in (Format.wide, Format.long) and not plot:
        return classify_spooled(options, output, fmt)
    # The wide matrix and the heatmap show no sentence: with them alone, cells keep no evidence.
    config, _, batch, result = run_batch(options, (output, plot), keep_sentences=False,
                                         keep_evidence=fmt is not Format.wide)
    cells = batch.cells
    text = writer.render(batch, result)
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


def classify_spooled(options: RunOptions, output: str | None, fmt: Format) -> None:
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
        _, pipeline, batch, result = run_batch(options, (output,), keep_sentences=False, on_start=start,
                                               keep_results=False)
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
        from pipeline.cli import _is_stdout_error  # defined after this module is imported

        if not output and (isinstance(exc, BrokenPipeError) or _is_stdout_error(exc)):
            raise  # writing to stdout: main() reports it
        raise StanceError(f"cannot write {shown(output or '')} ({exc.strerror or exc})") from None
    finally:
        if staged is not None:
            staged.discard()
        if "spool" in state:
            state["spool"].close()
    if output and not options.quiet:
        typer.echo(f"stance: wrote {shown(output)} ({len(spool.actors)} actors x {spool.count} articles)", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def classify_json(options: RunOptions, output: str | None, plot: str | None) -> None:
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
        state["stream"] = stream = export.JsonStream(handle, config, options.level.value)
        seen = state["actors"] = set()  # for the closing line: the batch keeps no cells without a plot

        def write(result) -> None:
            seen.update(c.actor for c in result.cells)
            stream.write(result)

        return write

    try:
        config, _, batch, _ = run_batch(options, (output, plot), keep_sentences=True, on_start=start,
                                        keep_results=bool(plot))
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
        from pipeline.cli import _is_stdout_error  # defined after this module is imported

        if not output and (isinstance(exc, BrokenPipeError) or _is_stdout_error(exc)):
            raise  # writing to stdout: main() reports it
        raise StanceError(f"cannot write {shown(output or plot or '')} ({exc.strerror or exc})") from None
    finally:
        for item in staged:
            item.discard()
        if "spool" in state:
            state["spool"].close()
    if not options.quiet:
        if output:
            typer.echo(f"stance: wrote {shown(output)} ({len(state['actors'])} actors x {batch.count} articles)", err=True)
        if plot:
            typer.echo(f"stance: wrote {shown(plot)}", err=True)


def check_plot(plot: Path | str | None) -> None:
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
@with_run_options()
def network(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    # str, not Path, as for classify: `-o dir/` is refused even when dir does not exist.
    output: Annotated[str, typer.Option(
        "--output", "-o", help="The network file: .graphml or .gexf (Gephi, R igraph), or .csv (edge list).")],
    window: Annotated[Optional[Window], typer.Option(
        help="Count day, week or month windows instead of articles (undated articles are left out).")] = None,
    *,
    options: RunOptions,
) -> None:
    """Who sides with whom: see :data:`NETWORK_HELP` and :mod:`pipeline.network`."""
    from pipeline.export import check_destination
    from pipeline.network import check_network_path, write_network

    check_destination(output)  # "is a folder" says more than "no network extension"
    check_network_path(output)
    quiet = options.quiet
    _, _, batch, result = run_batch(options, (output,), keep_sentences=False, keep_evidence=False)
    graph = result.network(window.value if window else None)
    write_network(output, graph)
    if not quiet:
        undated = graph.graph.get("undated", 0)
        if undated:
            typer.echo(f"stance: note: {undated} cell(s) of undated articles left out of the windows "
                       "(date them with --meta or --default-date)", err=True)
        typer.echo(f"stance: wrote {shown(output)} ({graph.number_of_nodes()} actors, {graph.number_of_edges()} edges, "
                   f"{len(batch.articles)} articles)", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command(help=TIMELINE_HELP)
@with_run_options()
def timeline(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the CSV here instead of stdout.")] = None,
    window: Annotated[Window, typer.Option(help="day, week (from Monday) or month.")] = Window.week,
    flips: Annotated[bool, typer.Option(
        "--flips", help="List each change of an actor's stance instead: actor, from, to, the two dates, "
                        "articles and evidence sentences.")] = False,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", help="Also draw one line of cells per actor over time: .png, .svg or .pdf.")] = None,
    *,
    options: RunOptions,
) -> None:
    """Each actor's stance per window: see :data:`TIMELINE_HELP` and :mod:`pipeline.timeline`."""
    from pipeline import export
    from pipeline.timeline import FLIP_COLUMNS, TIMELINE_COLUMNS, group_by_window, render_rows, timeline_rows
    from pipeline.timeline import flips as find_flips

    check_plot(plot)
    quiet = options.quiet
    # Only the flips quote sentences: without them the cells need no evidence.
    config, _, batch, result = run_batch(options, (output, plot), keep_sentences=False, keep_evidence=flips)
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
            typer.echo(f"stance: wrote {shown(output)} ({len(rows) - 1} rows)", err=True)
    else:
        sys.stdout.write(text)
    if plot:
        from pipeline.plot import write_figure
        from pipeline.timeline import timeline_figure

        write_figure(plot, timeline_figure(groups, window.value, config.description))
        if not quiet:
            typer.echo(f"stance: wrote {shown(plot)}", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
@with_run_options(without=("min_confidence", "actor", "kind", "jobs"))
def report(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[str, typer.Option("--output", "-o", help="The HTML file to write.")],
    sort: Annotated[Sort, typer.Option(
        "--sort", help="Order of the matrix rows and the actor summary: lean (supporters first), name, or "
        "articles (most found first).")] = Sort.lean,
    *,
    options: RunOptions,
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

    config, pipeline, batch, _ = run_batch(options, (output,), keep_sentences=True, on_start=start)
    dictionary = pipeline.dictionary
    # The same roll-up as the cells (each article's decided date), so that each cell lists
    # every sentence it was built from.
    level = options.level
    roll_up = (lambda actor, dated: dictionary.roll_up(actor, dated)) if level == Level.country else None
    results = batch.results if grouped else date_order(full)
    html = render_report(results, config, pipeline.model.manifest, level.value, batch.skipped, roll_up,
                         sort=sort.value, dictionary=dictionary)
    write_output(output, html, batch, options.quiet)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)
