"""The scikit-learn face of :class:`~pipeline.features.PairFeatures`, for training.

Kept apart from ``features.py`` so that classifying never imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.features import Pair, PairFeatures


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """Transformer from n :class:`Pair` to n lists of feature strings.

    Parameters
    ----------
    cues : dict of str to sequence of str, optional
        Cue phrases per stance class.
    """

    def __init__(self, cues: dict[str, Sequence[str]] | None = None) -> None:
        self.cues = cues

    def fit(self, X: Sequence[Pair], y: object = None) -> PairFeaturizer:
        self.features_ = PairFeatures(self.cues)
        return self

    def transform(self, X: Sequence[Pair]) -> list[list[str]]:
        return self.features_.transform(X)
