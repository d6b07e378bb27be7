"""The scikit-learn face of :class:`~pipeline.features.pairs.PairFeatures`, for training.

Not imported by the package's ``__init__``, so that classifying never imports scikit-learn.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.features.pairs import Pair, PairFeatures
from pipeline.lang import get_pack

# Training pairs an event needs before its n-grams get their own copies. Copies fitted on a few
# hundred pairs learn those pairs' words as the event's: on Bolivia's real articles, random draws of
# 150-600 of its pairs scored 21 cells fewer (of 378) with copies from 100 pairs than from 1,000
# (`python bench/learning_curve.py shipped`, docs/new-event.md). Every shipped event has more.
MIN_EVENT_PAIRS = 1000

# Training fits the same pairs many times (five cross-validation folds, the comparison SVM's,
# a model per held-out event, the final fit; a labelling session every 50 labels): a pair's
# feature names under one featurisation are computed once per process and kept here, keyed by
# that featurisation (language, cue phrases, copies) and the pair. Names are interned, so a
# pair costs its list; when full, the store starts again.
_NAMES: dict[tuple[Hashable, Pair], list[str]] = {}
NAMES_KEPT = 400_000


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """Transformer from n :class:`Pair` to n lists of feature strings.

    One model may learn from the corpora of several targets: each pair is featurised with
    the cue phrases of its own target (``Pair.target``). The cue features are named by
    label, not by phrase, so they mean the same for every target.

    Parameters
    ----------
    cues : mapping of str to mapping of str to sequence of str, optional
        Per target name, its cue phrases per stance class. A pair whose target is not a
        key (a pair built at run time has none) takes the first target's cues.
    language : str, default "en"
        The code of the language pack (:func:`pipeline.lang.get_pack`) of the features.
    events : sequence of str, optional
        The targets whose n-grams also get their own copies ("ev:<target>/c:coup"); by
        default those with at least :data:`MIN_EVENT_PAIRS` pairs in ``fit``'s ``X``.

    Attributes
    ----------
    events_ : list of str
        The targets given copies.
    """

    def __init__(self, cues: Mapping[str, Mapping[str, Sequence[str]]] | None = None, language: str = "en",
                 events: Sequence[str] | None = None) -> None:
        self.cues = cues
        self.language = language
        self.events = events

    def fit(self, X: Sequence[Pair], y: object = None) -> PairFeaturizer:
        cues = dict(self.cues or {"": {}})
        lang = get_pack(self.language)
        # Each n-gram also gets a copy of its target's own ("ev:<target>/c:coup"): what a word means in
        # one event goes there, and the shared n-gram keeps what holds across events. Not for an event
        # with a few labels yet: copies fitted on 25 pairs read those pairs' words as the event's.
        if self.events is None:
            sizes = Counter(pair.target for pair in X)
            events = {target for target in cues if target and sizes[target] >= MIN_EVENT_PAIRS}
        else:
            events = set(self.events)
        self.events_ = sorted(events)
        self.features_ = {target: PairFeatures(dict(phrases), lang, event=target if target in events else "")
                          for target, phrases in cues.items()}
        self._keys = {target: (self.language, target, target in events,
                               tuple((label, tuple(words)) for label, words in sorted(phrases.items())))
                      for target, phrases in cues.items()}
        return self

    def transform(self, X: Sequence[Pair]) -> list[list[str]]:
        X = list(X)
        default = next(iter(self.features_))
        groups: dict[str, list[int]] = {}
        for row, pair in enumerate(X):
            groups.setdefault(pair.target if pair.target in self.features_ else default, []).append(row)
        out: list[list[str]] = [[] for _ in X]
        for target, rows in groups.items():
            key = self._keys[target]
            known = {row: _NAMES.get((key, X[row])) for row in rows}
            new = [row for row, names in known.items() if names is None]
            for row, names in zip(new, self.features_[target].transform([X[i] for i in new]), strict=True):
                if len(_NAMES) >= NAMES_KEPT:
                    _NAMES.clear()
                _NAMES[(key, X[row])] = known[row] = [sys.intern(name) for name in names]
            for row in rows:
                out[row] = list(known[row])  # a copy: the caller may change it
        return out
