"""The stance pipeline: named components run in order over each article.

    reader -> segmenter -> matcher -> coreference -> featurizer+classifier -> aggregator

:class:`StancePipeline` holds one instance of each component, built from a target
configuration; the classifier is loaded lazily, once, on first use.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.actors import ActorDictionary, ActorInference, ActorMatcher, ArticleActors, Coreference, Mention
from pipeline.aggregate import Cell, SentencePrediction, aggregate
from pipeline.config import TargetConfig
from pipeline.corpus import check_principals
from pipeline.features import Pair, article_pairs
from pipeline.model import StanceClassifier, load_model
from pipeline.read import Article
from pipeline.segment import Sentence, SentenceSplitter

LEVELS = ("actor", "country")
VENUE_LABEL = "none"


class Cells(list):
    """An article's cells, which also carry the actors inferred from it.

    A list, so that every consumer of cells is unchanged; what it carries travels with it
    to and from worker processes (pickled with the list): ``unknown``, how often each
    inferred actor was mentioned (for the note that ends a ``classify`` run, "N mentions of
    M unknown names"), and ``inferred``, each one's kind and whom it speaks for (for the
    JSON output).
    """

    def __init__(self, cells=(), unknown: dict[str, int] | None = None,
                 inferred: dict[str, tuple[str, str]] | None = None) -> None:
        super().__init__(cells)
        self.unknown: dict[str, int] = unknown or {}
        self.inferred: dict[str, tuple[str, str]] = inferred or {}


@dataclass
class ArticleResult:
    """Everything the pipeline found in one article."""

    article: Article
    sentences: list[Sentence]
    mentions: list[list[Mention]]
    predictions: list[SentencePrediction]
    cells: list[Cell] = field(default_factory=list)
    # The article's dictionary: the target's, plus the actors the article introduced (inferred).
    dictionary: ActorDictionary | None = None


class StancePipeline:
    """Run the stance pipeline for one target.

    Parameters
    ----------
    config : TargetConfig
    model : StanceClassifier, optional
        A fitted model; by default loaded from ``config.model_dir`` on first use.
    model_dir : Path, optional
        Load the model from here instead (needs ``trust_model`` outside ``models/``).
    trust_model : bool, default False

    Attributes
    ----------
    dates : callable, optional
        Decides an article's date for dated roles (:class:`pipeline.meta.ArticleDates`:
        metadata, dateline, default); by default the article's own. Set before a batch,
        so that worker processes, which get a copy of the pipeline, decide alike.
    """

    dates: Callable[[Article], date | None] | None = None

    def __init__(self, config: TargetConfig, model: StanceClassifier | None = None,
                 model_dir: Path | None = None, trust_model: bool = False) -> None:
        self.config = config
        self.dictionary = ActorDictionary.load(config.actors_path)
        check_principals(config, self.dictionary)
        self.lang = config.lang  # the words of the target's first language, for every stage
        self.segmenter = SentenceSplitter(lang=self.lang)
        self.matcher = ActorMatcher(self.dictionary, self.lang)
        self.coreference = Coreference(self.dictionary, config.home_government, self.lang)
        self.inference = ActorInference(self.dictionary, config.home_government, self.lang)
        self._model = model
        self._model_dir = Path(model_dir) if model_dir else config.model_dir
        self._trust_model = trust_model
        # The optional principal prior (pipeline.aggregate, rule 4): each principal's side.
        sides = {"pro": "support", "anti": "oppose"}
        self.prior = {name: sides[self.dictionary[name].camp] for name in config.principals
                      if self.dictionary[name].camp in sides} if config.principal_prior else None

    def with_model(self, model: StanceClassifier) -> StancePipeline:
        """The same pipeline (dictionary, matcher, segmenter: nothing rebuilt) classifying with
        ``model``: scoring several models on the same articles builds the actor stages once."""
        other = copy.copy(self)
        other._model = model
        return other

    @property
    def model(self) -> StanceClassifier:
        if self._model is None:
            self._model = load_model(self._model_dir, trust=self._trust_model, cues=self.config.cues, lang=self.lang,
                                     event=self.config.name)
        return self._model

    def resolve(self, sentences: list[Sentence], when: date | None = None) -> list[list[Mention]]:
        """Named and coreferent mentions of the dictionary's actors in each sentence (``when``: the
        article's date); :meth:`resolve_actors` also gives the actors the article introduced."""
        mentions, _ = self.resolve_actors(sentences, when)
        known = self.dictionary.actors
        return [[m for m in found if m.actor in known] for found in mentions]

    def resolve_actors(self, sentences: list[Sentence], when: date | None = None
                       ) -> tuple[list[list[Mention]], ArticleActors]:
        """Mentions of each sentence, and the actors the article introduced with its dictionary."""
        found = self.inference.infer(sentences, [self.matcher.find(s.text) for s in sentences])
        return self.coreference.resolve(sentences, found.mentions, when, found.dictionary), found

    def pairs(self, sentences: list[Sentence], mentions: list[list[Mention]], dictionary: ActorDictionary | None = None
              ) -> list[list[Pair]]:
        """The (sentence, actor) pairs of each sentence of one article, from its resolved
        mentions (``dictionary``: the article's, with the actors it introduced; by default the
        target's); see :func:`~pipeline.features.article_pairs`."""
        return article_pairs([s.text for s in sentences], mentions, dictionary or self.dictionary,
                             self.config.principals, self.lang)

    def analyze(self, article: Article, level: str = "actor", when: date | None = None) -> ArticleResult:
        """Sentences, mentions, sentence predictions and cells of one article.

        ``level="country"`` rolls people and institutions up to whom they speak for on
        the article's date (``when`` overrides it).
        """
        day = when or (self.dates(article) if self.dates else article.date)
        sentences = self.segmenter.split(article.text)
        mentions, introduced = self.resolve_actors(sentences, day)
        dictionary = introduced.dictionary
        if dictionary is not self.dictionary:
            # Looked up by name for the rest of the run, so that whoever reads this result's mentions
            # with the pipeline's dictionary finds them; nothing else sees them (no order effects).
            self.dictionary.remember(dictionary[name] for name in introduced.counts)
        pairs: list[Pair] = []
        owners: list[Sentence] = []
        spans: list[tuple[tuple[int, int], ...]] = []  # each pair's actor's mentions, for highlighting
        for sentence, found, found_pairs in zip(sentences, mentions, self.pairs(sentences, mentions, dictionary),
                                                   strict=True):
            spans_of: dict[str, list[tuple[int, int]]] = {}
            for m in found:
                if m.start < m.end:
                    spans_of.setdefault(m.actor, []).append((m.start, m.end))
            for pair in found_pairs:
                pairs.append(pair)
                owners.append(sentence)
                spans.append(tuple(spans_of.get(pair.actor, ())))
        probabilities = self.model.predict_proba(pairs)
        labels = self.model.labels
        # argmax takes the first of equal maxima, as max() over the dict does.
        best = [labels[i] for i in probabilities.argmax(axis=1).tolist()]
        # A country named only as a place ("talks in Doha") takes no stance from the sentence.
        best = [VENUE_LABEL if pair.via == ("venue",) else label for pair, label in zip(pairs, best, strict=True)]
        predictions = [
            SentencePrediction(
                article.id, sentence.index, sentence.text, pair.actor,
                dict(zip(labels, row, strict=False)),  # rows have one column per label
                actor_spans, label,
            )
            # tolist() gives the same floats as float() of each element, in one C call.
            for pair, sentence, actor_spans, row, label in zip(pairs, owners, spans, probabilities.tolist(), best,
                                                                strict=True)
        ]
        roll_up = (lambda actor: dictionary.roll_up(actor, day)) if level == "country" else None
        inferred = {name: (dictionary[name].kind, dictionary.roll_up(name, day)) for name in introduced.counts}
        cells = Cells(aggregate(predictions, roll_up, self.prior), introduced.counts, inferred)
        return ArticleResult(article, sentences, mentions, predictions, cells, dictionary)
