"""Why the model says what it says about one actor: per sentence, label, probability, features.

For each sentence of an article that mentions the actor (at country level: an actor that
speaks for it), :func:`explain_actor` gives the predicted label, its probability and
the features that weighed most for that label (:meth:`LinearStanceModel.explain`), and
the cell the sentences add up to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.actors import ActorDictionary, ActorMatcher, fold
from pipeline.aggregate import Cell, SentencePrediction
from pipeline.errors import StanceError
from pipeline.read import Article, shown
from pipeline.report import mark_spans, probabilities_text
from pipeline.runner import StancePipeline


@dataclass(frozen=True)
class SentenceExplanation:
    """One (sentence, actor) prediction and the features that weighed most for its label."""

    prediction: SentencePrediction
    features: list[tuple[str, float]]


@dataclass(frozen=True)
class ActorExplanation:
    """The explained sentences of one actor in one article, and the cell they give."""

    article: Article
    actor: str
    sentences: list[SentenceExplanation]
    cell: Cell | None


class UnknownActor(StanceError):
    """No actor of the dictionary has this name or alias (it may still be one an article introduces)."""


def resolve_actor(matcher: ActorMatcher, name: str) -> str:
    """The canonical name of ``name``: a canonical name, or any alias the matcher knows ("the U.S.")."""
    if name in matcher.dictionary:
        return name
    found = {m.actor for m in matcher.find(name.strip())}
    if len(found) == 1:
        return found.pop()
    if found:
        raise StanceError(f"--actor {name!r}: not one actor of the dictionary ({'; '.join(sorted(found))})")
    close = near_misses(matcher.dictionary, name)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "see `stance actors list`"
    raise UnknownActor(f"--actor {name!r}: no actor of the dictionary ({hint})")


def introduced_name(dictionary: ActorDictionary, name: str) -> str:
    """``name`` as an article's dictionary spells it, whatever its accents and case: an actor
    the article introduced ("Cameroon People's Democratic Movement") is in no target's
    dictionary, so the command line cannot resolve it before reading the article."""
    if name in dictionary:
        return name
    wanted = fold(name).casefold().strip()
    return next((a.name for a in dictionary if a.inferred and fold(a.name).casefold() == wanted), name)


def near_misses(dictionary, phrase: str, limit: int = 3) -> list[str]:
    """Canonical names of the actors whose name or alias is spelt close to ``phrase``
    ("Unted States"), or that contain it as a word ("Venezuela": its government, its
    opposition), best first."""
    import difflib

    wanted = fold(phrase).lower().strip()
    if not wanted:
        return []
    names: dict[str, str] = {}
    for actor in dictionary:
        for surface in (actor.name, *actor.aliases):
            names.setdefault(fold(surface).lower(), actor.name)
    out = [names[m] for m in difflib.get_close_matches(wanted, list(names), n=limit * 3, cutoff=0.75)]
    words = set(wanted.split())
    out += [actor.name for actor in dictionary if words <= set(fold(actor.name).lower().split())]
    return list(dict.fromkeys(out))[:limit]


def explain_actor(pipeline: StancePipeline, article: Article, actor: str, level: str = "actor",
                  when: date | None = None, top: int = 8) -> ActorExplanation:
    """Explain every prediction about ``actor`` (a canonical name) in ``article``.

    Parameters
    ----------
    pipeline : StancePipeline
    article : Article
    actor : str
    level : str, default "actor"
        "country" also explains the sentences of actors that speak for ``actor``.
    when : date, optional
        Overrides the article date for dated roles.
    top : int, default 8
        Features per sentence.
    """
    result = pipeline.analyze(article, level=level, when=when)
    day = when or article.date
    dictionary = result.dictionary  # the article's: with the actors it introduced by title or affiliation
    actor = introduced_name(dictionary, actor)

    def counts_for(name: str) -> str:
        return dictionary.roll_up(name, day) if level == "country" else name

    # The runner does not keep its pairs; rebuilding the article's pairs is cheap.
    pairs_of = {s.index: found for s, found in
                zip(result.sentences, pipeline.pairs(result.sentences, result.mentions, dictionary), strict=True)}
    explained = []
    for prediction in result.predictions:
        if counts_for(prediction.actor) != actor:
            continue
        pair = next(p for p in pairs_of[prediction.sentence] if p.actor == prediction.actor)
        explained.append(SentenceExplanation(prediction, pipeline.model.explain(pair, prediction.label, top)))
    cell = next((c for c in result.cells if c.actor == actor), None)
    return ActorExplanation(article, actor, explained, cell)


def render_explanation(explanation: ActorExplanation) -> str:
    """Plain text: the cell, then per sentence the text (actor in [brackets]), label, probabilities, features."""
    cell = explanation.cell
    head = f"== {shown(explanation.article.id)}: {explanation.actor}"  # a file name may hold an escape sequence
    if cell is None:
        return f"{head}: not mentioned\n"
    lines = [f"{head}: {cell.stance} (confidence {cell.confidence:.2f}, {len(explanation.sentences)} sentence"
             f"{'s' * (len(explanation.sentences) != 1)})"]
    evidence = {(e.sentence, e.spans) for e in cell.evidence}
    for item in explanation.sentences:
        p = item.prediction
        marker = " *" if (p.sentence, p.spans) in evidence else ""
        who = f" (as {p.actor})" if p.actor != explanation.actor else ""
        lines.append(f"[{p.sentence + 1}]{marker} {mark_spans(p.text, p.spans, '[', ']')}")
        lines.append(f"    {p.label} {p.probabilities[p.label]:.2f}{who}   ({probabilities_text(p.probabilities)})")
        lines.append(f"    features that weighed most for {p.label} (contribution to its score):")
        lines += [f"      {weight:+.3f}  {feature}" for feature, weight in item.features]
    if cell.evidence:
        lines.append("  * evidence kept for the cell")
    return "\n".join(lines) + "\n"
