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


# Notes that close a run ("N mentions of M unknown names"): said once the command has
# succeeded and written its outputs, so that an error after them stays one line.
CLOSING_NOTES: list[str] = []


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


# The batch commands are defined in their own module, registered here so that --help lists
# them first, as before.
from pipeline.cli import runs  # noqa: E402, F401


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

    from pipeline.explain import UnknownActor, explain_actor, render_explanation, resolve_actor
    from pipeline.language import screen
    from pipeline.meta import ArticleDates
    from pipeline.read import ReadFailure, list_sources, read_articles
    from pipeline.records import is_records
    from pipeline.runner import StancePipeline

    config = load_target(target)
    dates = ArticleDates(default=default_date(default, when))
    sources = list_sources(paths)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    try:
        name, unknown = resolve_actor(pipeline.matcher, actor), None
    except UnknownActor as error:  # perhaps an actor an article introduces: known once it is read
        name, unknown = actor.strip(), error
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    mentioned, skipped = False, False
    fields = record_fields(id_field, text_field, date_field)
    single = len(sources) == 1 and not is_records(sources[0])
    note = lambda line: typer.echo(f"stance: {line}", err=True)  # noqa: E731
    for item in screen(read_articles(sources, fields=fields, lang=pipeline.lang), config.languages, note):
        if isinstance(item, ReadFailure):
            if strict or single:  # one input: its own error line
                fail(item.reason)
            typer.echo(f"stance: skipped {item.reason}", err=True)
            skipped = True
            continue
        item = replace(item, date=dates(item))  # the default date only for an article without its own
        explanation = explain_actor(pipeline, item, name, level.value, None, top)
        if unknown is not None and explanation.cell is None:
            continue  # not an actor of the dictionary, nor one this article introduced
        mentioned = mentioned or explanation.cell is not None
        sys.stdout.write(render_explanation(explanation))
    if unknown is not None and not mentioned:
        fail(f"{unknown}, and no article of the input introduces it")
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
        extra = baseline_factories({c.name: c.cues for c in configs}, configs[0].lang) if with_baselines else []
        for name, scores in cross_validate(corpus, lambda c: fit_linear(
                c, configs, kind=config.classifier, vector_weight=config.vector_weight), folds, extra).items():
            typer.echo(format_scores(f"cv {name}", scores))
    if swap:
        from pipeline.evaluate import run_swap
        from pipeline.runner import StancePipeline

        if config.swap is None:
            fail(f"target {config.name} has no actor-swap suite (`swap` in its configuration)")
        report = run_swap(StancePipeline(config, model_dir=model, trust_model=trust_model), config.swap)
        typer.echo(f"actor-swap suite {config.name} (accuracy per label x usual camp of the actor):\n{report.format()}")
        typer.echo(report.format_mistakes())
    if gold is not None:
        from pipeline.model import load_model
        from pipeline.training import evaluate_gold

        if not paths:
            fail("--gold needs the articles to classify (a folder or files)")
        linear = load_model(model or config.model_dir, trust=trust_model, cues=config.cues, lang=config.lang,
                            event=config.name)
        models = [linear]
        if with_baselines:
            from pipeline.evaluate import baselines

            models += baselines(_training_labels(linear), config.cues, config.lang)
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


# The `actors` subcommands are defined in their own module (registered on actors_app).
from pipeline.cli import actor_commands  # noqa: E402, F401


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
    country: Annotated[Optional[str], typer.Option(
        help="The country of the dispute, as the world base names it (Peru; also Georgia, Jordan, Chad): its "
             "government, opposition and armed forces get named entries.")] = None,
    incumbent: Annotated[Optional[str], typer.Option(
        help="Full name of the office-holder whose hold on power is at stake.")] = None,
    rival: Annotated[Optional[list[str]], typer.Option(
        help="Full name of a rival who disputes it (repeat for several).")] = None,
) -> None:
    """Start a new event: a target file, a dictionary of its own actors (filled in from --country,
    --incumbent and --rival, placeholders otherwise), the generic cue words, a guidelines template and an
    empty training folder (see docs/new-event.md). Never overwrites."""
    from pipeline.init import EventFacts, init_target

    facts = EventFacts(country, incumbent, tuple(rival or ()))
    for path in init_target(name, source, facts=facts):
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
    CLOSING_NOTES.clear()
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
    if code in (0, EXIT_SKIPPED):
        for note in CLOSING_NOTES:
            typer.echo(note, err=True)
    CLOSING_NOTES.clear()
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

