"""Command-line interface: a thin layer over the library.

Every failure the user can fix ends as one line on stderr and a non-zero exit:
2 for an error, 1 when some inputs were skipped but the rest was written.
"""

from __future__ import annotations

import sys
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

TargetOpt = Annotated[Optional[str], typer.Option("--target", "-t", help="Target name (targets/NAME.toml) or a TOML path.")]


class Level(str, Enum):
    actor = "actor"
    country = "country"


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


@app.command()
def classify(
    paths: Annotated[list[str], typer.Argument(help="Article .txt files, folders of them, or - for stdin.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the result here instead of stdout.")] = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="table (stdout default), wide matrix CSV (file default), long CSV, json.")] = None,
    level: Annotated[Level, typer.Option(
        help="actor, or country: people and institutions roll up to whom they speak for.")] = Level.actor,
    target: TargetOpt = None,
    model: Annotated[Optional[Path], typer.Option(help="Model folder (default: the target's).")] = None,
    trust_model: Annotated[bool, typer.Option("--trust-model", help="Allow a model folder outside models/.")] = False,
    when: Annotated[Optional[str], typer.Option("--date", help="Article date YYYY-MM-DD (for dated roles).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first unreadable input instead of skipping it.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
) -> None:
    """Classify the stance of every actor in the articles; print or write the position matrix."""
    from pipeline import export
    from pipeline.batch import classify_sources
    from pipeline.read import list_sources
    from pipeline.runner import StancePipeline

    config = load_target(target)
    day = parse_date(when)
    sources = list_sources(paths)
    fmt = fmt or (Format.wide if output else Format.table)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    batch = classify_sources(
        pipeline, sources, level.value, day, strict,
        on_note=None if quiet else lambda note: typer.echo(f"stance: {note}", err=True),
        on_skip=lambda failure: typer.echo(f"stance: skipped {failure.reason}", err=True),
        keep_sentences=fmt == Format.json,
    )
    if not batch.results:
        fail("no readable article among the inputs")
    cells = batch.cells
    if fmt == Format.table:
        text = export.render_table(cells, batch.articles)
    elif fmt == Format.json:
        text = export.render_json(batch.results, config, level.value)
    else:
        rows = export.matrix_rows(cells, batch.articles) if fmt == Format.wide else export.long_rows(cells)
        text = export.render_csv(rows)
    if output:
        export.write_atomic(output, lambda handle: handle.write(text))
        if not quiet:
            actors = len({c.actor for c in cells})
            typer.echo(f"stance: wrote {output} ({actors} actors x {len(batch.articles)} articles)", err=True)
    else:
        sys.stdout.write(text)
    if batch.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def evaluate(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Articles to classify against --gold.")] = None,
    gold: Annotated[Optional[Path], typer.Option(help="Gold CSV: article,actor,stance.")] = None,
    cv: Annotated[bool, typer.Option("--cv", help="Grouped k-fold cross-validation on the training corpus.")] = False,
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    with_baselines: Annotated[bool, typer.Option("--baselines/--no-baselines", help="Score the baselines side by side.")] = True,
    level: Annotated[Level, typer.Option()] = Level.actor,
    target: TargetOpt = None,
    model: Annotated[Optional[Path], typer.Option(help="Model folder (default: the target's).")] = None,
    trust_model: Annotated[bool, typer.Option("--trust-model")] = False,
) -> None:
    """Score the model: against a gold matrix (--gold), or by cross-validation (--cv)."""
    from pipeline.evaluate import format_scores

    if not cv and gold is None:
        fail("give --gold FILE with articles, or --cv")
    config = load_target(target)
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
    C: Annotated[float, typer.Option("--C", min=1e-4, help="Inverse regularisation of the logistic regression.")] = 4.0,
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
) -> None:
    """Train the target's model from its labelled data and write it with its model card."""
    from pipeline.training import train as run_training

    run_training(load_target(target), C=C, folds=folds, log=typer.echo)


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
    from pipeline.segment import SentenceSplitter

    config = load_target(target)
    day = parse_date(when)
    dictionary = ActorDictionary.load(config.actors_path)
    sentences = SentenceSplitter().split(text)
    named = [ActorMatcher(dictionary).find(s.text) for s in sentences] if sentences else []
    resolved = Coreference(dictionary, config.home_government).resolve(sentences, named)
    found = False
    for sentence, mentions in zip(sentences, resolved, strict=True):
        for m in mentions:
            found = True
            rolls = dictionary[m.actor].speaks_for(day)
            extra = f"\t(speaks for {rolls})" if rolls != m.actor else ""
            typer.echo(f"{sentence.index}\t{m.text or '<heading>'!s}\t{m.actor}\t{m.via}{extra}")
    if not found:
        typer.echo("no actor found", err=True)
        raise typer.Exit(EXIT_SKIPPED)


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
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
