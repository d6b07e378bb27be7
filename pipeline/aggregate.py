"""Stage 6: combine sentence predictions into one stance per (article, actor) cell.

Rule, per article and actor:

1. A sentence is *evidence* when its most probable label is a stance (support, oppose,
   neutral), not ``none``.
2. Without evidence the cell is ``none`` (mentioned, no stance), with confidence the
   mean P(none) of its sentences.
3. With evidence, each evidence sentence votes with its probabilities; the cell takes
   the stance with the largest summed probability. Its confidence is that sum divided by
   the summed stance probability of the evidence, i.e. how much of the stance mass
   agrees. The evidence kept for the cell is the (at most three) sentences with the
   highest probability of the winning stance, in article order.

4. Optionally (``principal_prior = true`` in the target file, off by default), a cell of
   one of the target's principals left ``none`` by rule 2 takes the principal's side
   (``support`` for the incumbent's camp, ``oppose`` for his rivals'): the incumbent does
   not need to say in every article that he stands by his own re-election. Such a cell is
   marked ``prior`` and keeps the confidence of rule 2 (how sure the model was of ``none``),
   so a reader can tell it from a stance read in the text. It is outside the classifier,
   which never sees who the actor is.

The result does not depend on the order in which articles are processed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pipeline.labels import STANCES

MAX_EVIDENCE = 3


@dataclass(slots=True)
class SentencePrediction:
    """The classifier's view of one (sentence, actor) pair.

    ``spans`` are the actor's mentions in the sentence (offsets into ``text``), for
    highlighting; ``probabilities`` maps every label to its probability; ``label`` is the
    most probable one (the first in ``probabilities`` order on a tie), computed from
    ``probabilities`` when not given.
    """

    article: str
    sentence: int
    text: str
    actor: str
    probabilities: dict[str, float]
    spans: tuple[tuple[int, int], ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            self.label = max(self.probabilities, key=self.probabilities.__getitem__)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence supporting a cell: its index, text, label and the label's probability."""

    sentence: int
    text: str
    label: str
    probability: float
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the position matrix."""

    article: str
    actor: str
    stance: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    prior: bool = False  # the stance is the principal's side (rule 4), not read in a sentence


def aggregate(predictions: Iterable[SentencePrediction], roll_up: Callable[[str], str] | None = None,
              prior: Mapping[str, str] | None = None) -> list[Cell]:
    """Cells from sentence predictions, one per (article, actor), sorted by article then actor.

    Parameters
    ----------
    predictions : iterable of SentencePrediction
    roll_up : callable, optional
        Maps an actor to the actor it speaks for (country-level view); the cell then
        combines the evidence of every actor that rolls up to the same name.
    prior : mapping of str to str, optional
        The side of each principal (actor -> ``support`` or ``oppose``), for rule 4.
    """
    groups: dict[tuple[str, str], list[SentencePrediction]] = {}
    for prediction in predictions:
        actor = roll_up(prediction.actor) if roll_up else prediction.actor
        groups.setdefault((prediction.article, actor), []).append(prediction)
    return [combine(article, actor, preds, (prior or {}).get(actor)) for (article, actor), preds in sorted(groups.items())]


def combine(article: str, actor: str, predictions: list[SentencePrediction], side: str | None = None) -> Cell:
    """The cell of one actor in one article (see the module docstring for the rule; ``side``:
    the actor's side under rule 4, if it is a principal and the prior is on)."""
    evidence = [p for p in predictions if p.label in STANCES]
    if not evidence:
        confidence = sum([p.probabilities.get("none", 0.0) for p in predictions]) / len(predictions)
        return Cell(article, actor, side or "none", round(confidence, 4), prior=side is not None)
    mass = {s: sum([p.probabilities.get(s, 0.0) for p in evidence]) for s in STANCES}
    stance = max(STANCES, key=mass.__getitem__)  # the first of equal masses
    if len(evidence) > 1:
        evidence.sort(key=lambda p: (-p.probabilities[stance], p.sentence))
        # At country level a person and the country may share a sentence: keep it once.
        seen: set[int] = set()
        evidence = [p for p in evidence if not (p.sentence in seen or seen.add(p.sentence))][:MAX_EVIDENCE]
        evidence.sort(key=lambda p: p.sentence)
    kept = tuple(Evidence(p.sentence, p.text, p.label, round(p.probabilities[p.label], 4), p.spans) for p in evidence)
    return Cell(article, actor, stance, round(mass[stance] / sum(mass.values()), 4), kept)
