"""Command-line interface: a thin layer over the library.

Every failure the user can fix ends as one line on stderr and a non-zero exit:
2 for an error, 1 when some inputs were skipped but the rest was written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.errors import StanceError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Who stands where: stance of actors toward a contested event, from news articles.")
actors_app = typer.Typer(no_args_is_help=True, help="Show the actor dictionary and how phrases resolve.")
app.add_typer(actors_app, name="actors")

EXIT_ERROR, EXIT_SKIPPED = 2, 1
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
        if not quiet:
            typer.echo("stance: note: --date is deprecated, use --default-date: it dates only the articles without "
                       "a date of their own", err=True)
        return parse_date(old, "--date")
    return parse_date(new, "--default-date")


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
              level: Level, strict: bool, quiet: bool, destinations: tuple[Path | None, ...], keep_sentences: bool,
              jobs: int = 1, scheduler: str | None = None, meta: Path | None = None, min_confidence: float = 0.0,
              actors: list[str] | None = None, kinds: list[Kind] | None = None, fields=None):
    """What `classify`, `report`, `network` and `timeline` share: check inputs, outputs and
    model before any work, then classify every source with notes, skips and a progress bar
    on stderr.

    ``when`` dates the articles without a date of their own (``meta``, then the dateline,
    come first). Returns the target configuration, the pipeline, the
    :class:`~pipeline.batch.BatchResult` and the :class:`~pipeline.api.Result` (the same
    results: dates decided, in date order, filtered).
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
    records = any(is_records(s) for s in sources)  # then the number of articles is known only at the end
    for destination in destinations:  # fail before the work, not after it
        if destination:
            export.check_destination(destination)
    metadata = Meta.load(meta) if meta else None
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    filters = make_filters(pipeline, min_confidence, actors or (), [k.value for k in kinds or ()])
    # Each article's own date decides its dated roles: metadata, else dateline, else `when`.
    pipeline.dates = ArticleDates(metadata.dates if metadata else {}, when)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    with progress_bar(None if records else len(sources), quiet) as (advance, say):
        batch = classify_sources(
            pipeline, sources, level.value, None, strict or (len(sources) == 1 and not records),  # one input: its own error line
            on_note=None if quiet else lambda note: say(f"stance: {note}"),
            on_skip=lambda failure: say(f"stance: skipped {failure.reason}"),
            keep_sentences=keep_sentences, jobs=jobs, scheduler=scheduler, on_progress=advance, fields=fields,
        )
    if batch.off_language:
        counts = ", ".join(f"{code} {n}" for code, n in batch.off_language.most_common())
        typer.echo(f"stance: note: {batch.off_language.total()} article(s) skipped: not in {', '.join(config.languages)} "
                   f"({counts})", err=True)
    if not batch.results:
        fail("no readable article among the inputs")
    result = finish(batch, pipeline, level.value, metadata, filters)
    batch.results = result.results
    if metadata and not quiet and not any(r.article.id in metadata.rows for r in result.results):
        typer.echo(f"stance: note: no article id of {meta} matches the inputs (ids are file names without .txt)", err=True)
    return config, pipeline, batch, result


def write_output(output: Path, text: str, batch, quiet: bool) -> None:
    """Write a batch's rendered result atomically and say so on stderr."""
    from pipeline.export import write_atomic

    write_atomic(output, lambda handle: handle.write(text))
    if not quiet:
        actors = len({c.actor for c in batch.cells})
        typer.echo(f"stance: wrote {output} ({actors} actors x {len(batch.articles)} articles)", err=True)


@app.command()
def classify(
    paths: Annotated[list[str], typer.Argument(help=PATHS_HELP)],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the result here instead of stdout.")] = None,
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
    plot: Annotated[Optional[Path], typer.Option(
        "--plot", help="Also draw the matrix as a heatmap here: .png, .svg or .pdf.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine (-1: one per core).")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on this Dask cluster instead: its scheduler address, tcp://host:port.")] = None,
) -> None:
    """Classify the stance of every actor in the articles; print or write the position matrix.

    Articles go in date order when dates are known (undated last). --format long: one row per article and actor.
    """
    from pipeline import export

    fmt = fmt or (Format.wide if output else Format.table)
    check_plot(plot)
    config, _, batch, result = run_batch(
        paths, target, model, trust_model, default_date(default, when, quiet), level, strict, quiet, (output, plot),
        keep_sentences=fmt == Format.json, jobs=jobs, scheduler=scheduler, meta=meta, min_confidence=min_confidence,
        actors=actor, kinds=kind, fields=record_fields(id_field, text_field, date_field))
    cells = batch.cells
    if fmt == Format.table:
        text = export.render_table(cells, batch.articles)
    elif fmt == Format.json:
        text = export.render_json(batch.results, config, level.value)
    else:
        text = export.render_csv(result.wide_csv_rows() if fmt == Format.wide else result.long_csv_rows())
    if output:
        write_output(output, text, batch, quiet)
    else:
        sys.stdout.write(text)
    if plot:
        from pipeline.plot import write_plot

        write_plot(plot, cells, batch.articles, config.description)
        if not quiet:
            typer.echo(f"stance: wrote {plot}", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def check_plot(plot: Path | None) -> None:
    """Refuse a --plot file name of a format we do not write, before any work."""
    if plot is not None:
        from pipeline.plot import plot_format

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
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine (-1: one per core).")] = 1,
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
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine (-1: one per core).")] = 1,
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
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
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
) -> None:
    """Write one self-contained HTML report: heatmap, matrix linked to its evidence, actors, model scores."""
    from pipeline.report import render_report

    config, pipeline, batch, _ = run_batch(paths, target, model, trust_model, default_date(default, when, quiet), level,
                                           strict, quiet, (output,), keep_sentences=True, meta=meta,
                                           fields=record_fields(id_field, text_field, date_field))
    dictionary = pipeline.dictionary
    # The same roll-up as the cells (each article's decided date), so that each cell lists
    # every sentence it was built from.
    roll_up = (lambda actor, dated: dictionary.roll_up(actor, dated)) if level == Level.country else None
    html = render_report(batch.results, config, pipeline.model.manifest, level.value, batch.skipped, roll_up)
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
    gold: Annotated[Optional[Path], typer.Option(help="Gold CSV: article,actor,stance.")] = None,
    cv: Annotated[bool, typer.Option("--cv", help="Grouped k-fold cross-validation on the training corpus.")] = False,
    swap: Annotated[bool, typer.Option("--swap", help="The actor-swap suite: accuracy per label x camp, flip rate.")] = False,
    agreement: Annotated[Optional[Path], typer.Option(
        help="A second annotator's labels (file,text,actor,stance): agreement with the corpus.")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    with_baselines: Annotated[bool, typer.Option("--baselines/--no-baselines", help="Score the baselines side by side.")] = True,
    level: Annotated[Level, typer.Option()] = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: Annotated[bool, typer.Option("--trust-model")] = False,
) -> None:
    """Score the model: against a gold matrix (--gold), or by cross-validation (--cv); or
    measure how far a second annotator agrees with the training labels (--agreement)."""
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
        from pipeline.corpus import Corpus, load_target_corpus
        from pipeline.evaluate import baseline_factories, cross_validate
        from pipeline.model import fit_linear
        from pipeline.training import model_targets

        configs = model_targets(config)
        corpus = Corpus.combine([load_target_corpus(c) for c in configs])
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
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    force: Annotated[bool, typer.Option("--force", help="Save the model even if it scores below the keyword baseline.")] = False,
) -> None:
    """Train the target's model from the labelled data of every target that shares it, score
    it on every evaluation set present, and write it with its model card."""
    from pipeline.model import DEFAULT_C
    from pipeline.training import train as run_training

    run_training(load_target(target), C=C or DEFAULT_C, folds=folds, log=typer.echo, force=force)


@actors_app.command("list")
def actors_list(target: TargetOpt = None) -> None:
    """List the actors of the dictionary: name, kind, camp, aliases."""
    from pipeline.actors import ActorDictionary

    config = load_target(target)
    for actor in ActorDictionary.load(config.actors_path):
        camp = f" [{actor.camp}]" if actor.camp else ""
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
        typer.echo("no actor found", err=True)
        raise typer.Exit(EXIT_SKIPPED)


@app.command("corpus")
def corpus_describe(
    target: TargetOpt = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Rewrite the stats block of this README.")] = None,
) -> None:
    """Describe the training corpus (size, label distribution, coverage) as Markdown."""
    from pipeline.corpus import corpus_stats, load_target_corpus, stats_markdown
    from pipeline.export import write_atomic

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


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every user error into one line on stderr."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="stance", standalone_mode=False)
    except StanceError as exc:
        typer.echo(f"stance: error: {exc}", err=True)
        return EXIT_ERROR
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("stance: interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: unknown option, bad value
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if message:  # an empty message follows the help text printed for a bare `stance`
            typer.echo(f"stance: error: {message}".replace("\n", " "), err=True)
        return EXIT_ERROR
    except BrokenPipeError:
        return 0
    if result == 130:  # Typer turns Ctrl-C into Exit(130) and returns it without a word
        typer.echo("stance: interrupted", err=True)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
