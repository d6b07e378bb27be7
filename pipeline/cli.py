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
DateOpt = Annotated[Optional[str], typer.Option("--date", help="Article date YYYY-MM-DD (for dated roles).")]
StrictOpt = Annotated[bool, typer.Option(help="Stop at the first unreadable input instead of skipping it.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")]


class Level(str, Enum):
    actor = "actor"
    country = "country"


LevelOpt = Annotated[Level, typer.Option(
    help="actor, or country: people and institutions roll up to whom they speak for.")]


class Format(str, Enum):
    table = "table"
    wide = "wide"
    long = "long"
    json = "json"


def fail(message: str, code: int = EXIT_ERROR) -> None:
    typer.echo(f"stance: error: {message}", err=True)
    raise typer.Exit(code)


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise StanceError(f"--date {value!r}: use YYYY-MM-DD") from None


def load_target(target: str | None):
    from pipeline.config import TargetConfig

    return TargetConfig.load(target)


@contextmanager
def progress_bar(total: int, quiet: bool = False, label: str = "classifying") -> Iterator[tuple]:
    """A progress bar on stderr for a batch of ``total`` inputs, hidden when stderr is not a
    terminal, with ``--quiet`` or for a single input.

    Yields ``(advance, say)``: ``advance(n)`` moves the bar (None when hidden), ``say(line)``
    writes a line to stderr above the bar.
    """
    if quiet or total < 2 or not sys.stderr.isatty():
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


def run_batch(paths: list[str], target: str | None, model: Path | None, trust_model: bool, when: str | None,
              level: Level, strict: bool, quiet: bool, destinations: tuple[Path | None, ...], keep_sentences: bool,
              jobs: int = 1, scheduler: str | None = None):
    """What `classify` and `report` share: check inputs, outputs and model before any work,
    then classify every source with notes, skips and a progress bar on stderr.

    Returns the target configuration, the pipeline and the :class:`~pipeline.batch.BatchResult`.
    """
    from pipeline import export
    from pipeline.batch import classify_sources
    from pipeline.read import list_sources
    from pipeline.runner import StancePipeline

    config = load_target(target)
    day = parse_date(when)
    sources = list_sources(paths)
    for destination in destinations:  # fail before the work, not after it
        if destination:
            export.check_destination(destination)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    with progress_bar(len(sources), quiet) as (advance, say):
        batch = classify_sources(
            pipeline, sources, level.value, day, strict or len(sources) == 1,  # one input: its own error line
            on_note=None if quiet else lambda note: say(f"stance: {note}"),
            on_skip=lambda failure: say(f"stance: skipped {failure.reason}"),
            keep_sentences=keep_sentences, jobs=jobs, scheduler=scheduler, on_progress=advance,
        )
    if not batch.results:
        fail("no readable article among the inputs")
    return config, pipeline, batch


def write_output(output: Path, text: str, batch, quiet: bool) -> None:
    """Write a batch's rendered result atomically and say so on stderr."""
    from pipeline.export import write_atomic

    write_atomic(output, lambda handle: handle.write(text))
    if not quiet:
        actors = len({c.actor for c in batch.cells})
        typer.echo(f"stance: wrote {output} ({actors} actors x {len(batch.articles)} articles)", err=True)


@app.command()
def classify(
    paths: Annotated[list[str], typer.Argument(help="Article .txt files, folders of them, or - for stdin.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the result here instead of stdout.")] = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table (stdout default), wide matrix CSV (file default), long CSV, json.")] = None,
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    when: DateOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw the matrix as a heatmap PNG here.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine (-1: one per core).")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on this Dask cluster instead: its scheduler address, tcp://host:port.")] = None,
) -> None:
    """Classify the stance of every actor in the articles; print or write the position matrix."""
    from pipeline import export

    fmt = fmt or (Format.wide if output else Format.table)
    config, _, batch = run_batch(paths, target, model, trust_model, when, level, strict, quiet, (output, plot),
                                 keep_sentences=fmt == Format.json, jobs=jobs, scheduler=scheduler)
    cells = batch.cells
    if fmt == Format.table:
        text = export.render_table(cells, batch.articles)
    elif fmt == Format.json:
        from pipeline.open_world import mark_inferred

        text = mark_inferred(export.render_json(batch.results, config, level.value), batch.results)
    else:
        rows = export.matrix_rows(cells, batch.articles) if fmt == Format.wide else export.long_rows(cells)
        text = export.render_csv(rows)
    if output:
        write_output(output, text, batch, quiet)
    else:
        sys.stdout.write(text)
    if plot:
        from pipeline.plot import write_png

        write_png(plot, cells, batch.articles, config.description)
        if not quiet:
            typer.echo(f"stance: wrote {plot}", err=True)
    if not quiet:
        unknown: dict[str, int] = {}
        for result in batch.results:
            for name, count in getattr(result.cells, "unknown", {}).items():
                unknown[name] = unknown.get(name, 0) + count
        if unknown:
            typer.echo(f"stance: {sum(unknown.values())} mentions of {len(unknown)} unknown names "
                       "(see `stance actors suggest`)", err=True)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def report(
    paths: Annotated[list[str], typer.Argument(help="Article .txt files, folders of them, or - for stdin.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    level: LevelOpt = Level.actor,
    target: TargetOpt = None,
    model: ModelOpt = None,
    trust_model: TrustOpt = False,
    when: DateOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write one self-contained HTML report: heatmap, matrix linked to its evidence, actors, model scores."""
    from pipeline.report import render_report

    config, pipeline, batch = run_batch(paths, target, model, trust_model, when, level, strict, quiet, (output,),
                                        keep_sentences=True)
    day = parse_date(when)
    dictionary = pipeline.dictionary
    # The same roll-up as the cells, so that each cell lists every sentence it was built from.
    roll_up = (lambda actor, dated: dictionary.roll_up(actor, day or dated)) if level == Level.country else None
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
    when: DateOpt = None,
    strict: StrictOpt = False,
) -> None:
    """For each sentence mentioning the actor: its label, the probability and the features that weighed most."""
    from pipeline.explain import explain_actor, render_explanation, resolve_actor
    from pipeline.read import ReadFailure, list_sources, read_articles
    from pipeline.runner import StancePipeline

    config = load_target(target)
    day = parse_date(when)
    sources = list_sources(paths)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    name = resolve_actor(pipeline.matcher, actor)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    mentioned, skipped = False, False
    for item in read_articles(sources, day):
        if isinstance(item, ReadFailure):
            if strict or len(sources) == 1:  # one input: its own error line
                fail(item.reason)
            typer.echo(f"stance: skipped {item.reason}", err=True)
            skipped = True
            continue
        explanation = explain_actor(pipeline, item, name, level.value, day, top)
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

    if not cv and gold is None and agreement is None:
        fail("give --gold FILE with articles, --cv, or --agreement FILE")
    config = load_target(target)
    if agreement is not None:
        from pipeline.evaluate import agreement as measure_agreement
        from pipeline.evaluate import cohen_kappa

        scores = measure_agreement(agreement, config.train_path)
        typer.echo(format_scores(f"second annotator vs corpus (Cohen's kappa {cohen_kappa(scores):.3f})", scores))
    if cv:
        from pipeline.actors import ActorDictionary
        from pipeline.corpus import load_corpus
        from pipeline.evaluate import baseline_factories, cross_validate
        from pipeline.model import fit_linear

        corpus = load_corpus(config.train_path, ActorDictionary.load(config.actors_path), config.home_government)
        extra = baseline_factories(config.cues) if with_baselines else []
        for name, scores in cross_validate(corpus, lambda c: fit_linear(c, config), folds, extra).items():
            typer.echo(format_scores(f"cv {name}", scores))
    if gold is not None:
        from pipeline.model import load_model
        from pipeline.training import evaluate_gold

        if not paths:
            fail("--gold needs the articles to classify (a folder or files)")
        linear = load_model(model or config.model_dir, trust=trust_model)
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
) -> None:
    """Train the target's model from its labelled data and write it with its model card."""
    from pipeline.model import DEFAULT_C
    from pipeline.training import train as run_training

    run_training(load_target(target), C=C or DEFAULT_C, folds=folds, log=typer.echo)


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
) -> None:
    """Describe the training corpus (size, label distribution, coverage) as Markdown."""
    from pipeline.actors import ActorDictionary
    from pipeline.corpus import corpus_stats, load_corpus, stats_markdown
    from pipeline.export import write_atomic

    config = load_target(target)
    corpus = load_corpus(config.train_path, ActorDictionary.load(config.actors_path), config.home_government)
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
