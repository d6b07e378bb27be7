"""`stance actors list|resolve|suggest`: the actor dictionary as the matcher reads it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pipeline.cli import EXIT_ERROR, EXIT_SKIPPED, TargetOpt, actors_app, load_target, parse_date


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
    """Show which actors a text mentions, and how (alias, pronoun, group, heading); names the
    text introduces that no dictionary lists are shown as classify finds them, marked "introduced"."""
    from pipeline.read import find_date
    from pipeline.runner import StancePipeline

    config = load_target(target)
    day = parse_date(when) or find_date(text, config.lang)  # --date, else a date line in the text
    pipeline = StancePipeline(config)  # its model is loaded only to classify: never here
    sentences = pipeline.segmenter.split(text)
    resolved, introduced = pipeline.resolve_actors(sentences, day)
    dictionary = introduced.dictionary
    found = False
    for sentence, mentions in zip(sentences, resolved, strict=True):
        for m in mentions:
            found = True
            rolls = dictionary.roll_up(m.actor, day)
            extra = f"\t(speaks for {rolls})" if rolls != m.actor else ""
            new = "\t(introduced)" if m.actor not in pipeline.dictionary else ""
            typer.echo(f"{sentence.index}\t{m.text or '<heading>'!s}\t{m.actor}\t{m.via}{extra}{new}")
    if not found:
        from pipeline.explain import near_misses

        close = near_misses(pipeline.dictionary, text)
        typer.echo("no actor found" + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""), err=True)
        raise typer.Exit(EXIT_SKIPPED)


@actors_app.command("suggest")
def actors_suggest(
    paths: Annotated[list[str], typer.Argument(help="Article .txt files or folders of them.")],
    target: TargetOpt = None,
    toml: Annotated[bool, typer.Option("--toml", help="Print dictionary entries ready to paste.")] = False,
) -> None:
    """List the names the articles introduce that the dictionary lacks: count, kind, affiliation, a sentence."""
    from pipeline.actors import ActorDictionary, ActorInference, ActorMatcher, suggest, suggestion_toml
    from pipeline.read import ReadFailure, list_sources, read_articles
    from pipeline.segment import SentenceSplitter

    config = load_target(target)
    dictionary = ActorDictionary.load(config.actors_path)
    lang = config.lang
    matcher, splitter = ActorMatcher(dictionary, lang), SentenceSplitter(lang=lang)
    documents = []
    for article in read_articles(list_sources(paths), lang=lang):
        if isinstance(article, ReadFailure):
            typer.echo(f"stance: skipped {article.reason}", err=True)
            continue
        sentences = splitter.split(article.text)
        documents.append((sentences, [matcher.find(s.text) for s in sentences]))
    found = suggest(ActorInference(dictionary, config.home_government, lang), documents)
    for s in found:
        if toml:
            typer.echo(f"# {s.count} mentions in {s.articles} articles: {s.sample.strip()[:200]}")
            typer.echo(suggestion_toml(s))
        else:
            typer.echo(f"{s.count}\t{s.name}\t{s.kind}\t{s.affiliation or '-'}\t{s.sample.strip()[:200]}")
    if not found:
        typer.echo("no unknown names", err=True)
