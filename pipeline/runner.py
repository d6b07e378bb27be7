"""The stance pipeline: named components run in order over each article.

    reader -> segmenter -> matcher -> coreference -> featurizer+classifier -> aggregator

:class:`StancePipeline` holds one instance of each component, built from a target
configuration; the classifier is loaded lazily, once, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference, Mention
from pipeline.aggregate import Cell, SentencePrediction, aggregate
from pipeline.config import TargetConfig
from pipeline.corpus import check_principals
from pipeline.features import Pair, sentence_pairs
from pipeline.model import LinearStanceModel, load_model
from pipeline.read import Article
from pipeline.segment import Sentence, SentenceSplitter

LEVELS = ("actor", "country")


@dataclass
class ArticleResult:
    """Everything the pipeline found in one article."""

    article: Article
    sentences: list[Sentence]
    mentions: list[list[Mention]]
    predictions: list[SentencePrediction]
    cells: list[Cell] = field(default_factory=list)


class StancePipeline:
    """Run the stance pipeline for one target.

    Parameters
    ----------
    config : TargetConfig
    model : LinearStanceModel, optional
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

    def __init__(self, config: TargetConfig, model: LinearStanceModel | None = None,
                 model_dir: Path | None = None, trust_model: bool = False) -> None:
        self.config = config
        self.dictionary = ActorDictionary.load(config.actors_path)
        check_principals(config, self.dictionary)
        self.segmenter = SentenceSplitter()
        self.matcher = ActorMatcher(self.dictionary)
        self.coreference = Coreference(self.dictionary, config.home_government)
        self._model = model
        self._model_dir = Path(model_dir) if model_dir else config.model_dir
        self._trust_model = trust_model

    @property
    def model(self) -> LinearStanceModel:
        if self._model is None:
            self._model = load_model(self._model_dir, trust=self._trust_model, cues=self.config.cues)
        return self._model

    def resolve(self, sentences: list[Sentence], when: date | None = None) -> list[list[Mention]]:
        """Named and coreferent actor mentions of each sentence (``when``: the article's date)."""
        return self.coreference.resolve(sentences, [self.matcher.find(s.text) for s in sentences], when)

    def pairs(self, sentence: Sentence, mentions: list[Mention]) -> list[Pair]:
        """The (sentence, actor) pairs of one sentence and its resolved mentions."""
        return sentence_pairs(sentence.text, mentions, self.dictionary, self.config.principals)

    def analyze(self, article: Article, level: str = "actor", when: date | None = None) -> ArticleResult:
        """Sentences, mentions, sentence predictions and cells of one article.

        ``level="country"`` rolls people and institutions up to whom they speak for on
        the article's date (``when`` overrides it).
        """
        day = when or (self.dates(article) if self.dates else article.date)
        sentences = self.segmenter.split(article.text)
        mentions = self.resolve(sentences, day)
        pairs: list[Pair] = []
        owners: list[Sentence] = []
        spans: list[tuple[tuple[int, int], ...]] = []  # each pair's actor's mentions, for highlighting
        for sentence, found in zip(sentences, mentions, strict=True):
            spans_of: dict[str, list[tuple[int, int]]] = {}
            for m in found:
                if m.start < m.end:
                    spans_of.setdefault(m.actor, []).append((m.start, m.end))
            for pair in self.pairs(sentence, found):
                pairs.append(pair)
                owners.append(sentence)
                spans.append(tuple(spans_of.get(pair.actor, ())))
        probabilities = self.model.predict_proba(pairs)
        labels = self.model.labels
        # argmax takes the first of equal maxima, as max() over the dict does.
        best = [labels[i] for i in probabilities.argmax(axis=1).tolist()]
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
        roll_up = (lambda actor: self.dictionary.roll_up(actor, day)) if level == "country" else None
        return ArticleResult(article, sentences, mentions, predictions, aggregate(predictions, roll_up))
