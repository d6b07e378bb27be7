"""The run-time stance classifiers: a trained model as NumPy arrays.

:class:`LinearStanceModel` (tf-idf and a multinomial logistic regression) and
:class:`CalibratedSvmModel` (a calibrated linear SVM) compute the probabilities of the
scikit-learn Pipelines they were exported from, without scikit-learn; both are
:class:`StanceClassifier`. :data:`KINDS` names them as a target's ``classifier`` does.

This module changes when a classifier's arithmetic does; how the arrays are written to
and read from a model folder is :mod:`pipeline.model_files`, how they are fitted is
:mod:`pipeline.model`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pipeline.errors import StanceError
from pipeline.features import Pair, PairFeatures, feature_key
from pipeline.lang import LanguagePack, get_pack

# Inverse regularisation of the logistic regression, chosen by grouped cross-validation.
DEFAULT_C = 10.0
# The calibrated linear SVM (classifier = "svm"): its C was not tuned, 1.0 is LinearSVC's default;
# SVM_FOLDS is the number of calibrated folds whose probabilities are averaged.
DEFAULT_SVM_C = 1.0
SVM_FOLDS = 3


def logistic_regression(C: float = DEFAULT_C) -> Any:
    """The scikit-learn estimator of the ``"logistic"`` kind, for fitting and for a loaded model.

    Newton-CG reaches the optimum in a handful of Newton steps where L-BFGS took about 150
    gradient steps (and stopped short of it): the same model, about ten times sooner.
    """
    from sklearn.linear_model import LogisticRegression  # training and --trust-model only

    return LogisticRegression(C=C, class_weight="balanced", solver="newton-cg", max_iter=5000)


@runtime_checkable
class StanceClassifier(Protocol):
    """What the runtime needs of a classifier of (sentence, actor) pairs.

    Implementations: :class:`LinearStanceModel` (``kind`` "logistic") and
    :class:`CalibratedSvmModel` ("svm"). They are saved by
    :func:`~pipeline.model_files.save_model` (through ``save``) and loaded by
    :func:`~pipeline.model_files.load_model`, which picks the class by the manifest's
    ``kind``. ``explain`` is optional: callers check for it with ``hasattr``.

    Attributes
    ----------
    kind : str
        The key of the classifier in :data:`KINDS`, recorded in the manifest.
    labels : tuple of str
        The classes, in the order of the columns of :meth:`predict_proba`.
    name : str
        The name of the system in score tables.
    """

    kind: str
    labels: tuple[str, ...]
    name: str

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Probabilities of shape (n_pairs, n_labels), columns in the order of ``labels``."""
        ...

    def save(self, path: Path) -> None:
        """Write the arrays of the classifier to ``path`` (a ``.npz``, no pickle)."""
        ...


class LinearStanceModel:
    """The trained classifier as arrays: features -> tf-idf -> softmax of a linear model.

    Gives the same probabilities as the scikit-learn Pipeline it was exported from.

    Parameters
    ----------
    vocabulary : sequence of str, length n_features
    idf : ndarray of shape (n_features,)
    coef : ndarray of shape (n_classes, n_features)
    intercept : ndarray of shape (n_classes,)
    labels : sequence of str, length n_classes
    cues : dict, optional
        Cue phrases for :class:`PairFeatures`.
    lang : LanguagePack, optional
        The language of :class:`PairFeatures` (English by default).
    event : str, optional
        The target whose copies of the n-grams are read (see :class:`PairFeatures`); none
        for a target the model was not trained on.
    """

    kind = "logistic"

    def __init__(self, vocabulary: Sequence[str] | Callable[[], Sequence[str]], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, labels: Sequence[str], cues: dict[str, Sequence[str]] | None = None,
                 manifest: dict | None = None, keys: np.ndarray | None = None,
                 lang: LanguagePack | None = None, event: str = "") -> None:
        idf = np.asarray(idf, dtype=np.float64)
        coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = tuple(labels)
        self.features = PairFeatures(cues=cues, lang=lang, event=event)
        self.manifest = manifest or {}
        self.name = "model"
        if callable(vocabulary):  # names are only read to explain: classifying needs the keys
            if keys is None:
                raise StanceError("a model without feature names in memory needs their keys")
            self._vocabulary, self._terms = vocabulary, None
        else:
            self._vocabulary, self._terms = None, list(vocabulary)
            if keys is None:
                keys = [feature_key(t) for t in self._terms]
        keys = np.asarray(keys, dtype=np.uint64)
        self.n_features = len(keys)
        # Binary logistic regression stores one row; we only support the multinomial case.
        if (keys.shape != (self.n_features,) or coef.shape != (len(self.labels), self.n_features)
                or idf.shape != (self.n_features,)
                or (self._terms is not None and len(self._terms) != self.n_features)):
            raise StanceError("model weights have an unexpected shape: run `make train`")
        # Features are numbered in the order of their keys: a pair's sorted keys then find
        # their columns (and weights) in ascending order, which the CPU cache favours.
        self._order = np.argsort(keys, kind="stable")
        self.keys, self.idf, self.coef = keys[self._order], idf[self._order], coef[:, self._order]
        if self._terms is not None:
            self._terms = [self._terms[i] for i in self._order]
        if self.n_features > 1 and not (self.keys[1:] != self.keys[:-1]).all():
            raise StanceError("two features of the model share a key: rename a feature family")
        # (n_features, n_classes + 1): each class's weight times idf, then idf; a row per feature
        # so that one gather reads all of a feature's weights.
        self._weights = np.ascontiguousarray(np.vstack([self.coef * self.idf, self.idf]).T)
        self._table_keys, self._table_columns, self._home_shift, self._probes = _key_table(self.keys)

    @property
    def terms(self) -> list[str]:
        """The feature names, in the order of the columns of ``coef``."""
        if self._terms is None:
            names = list(self._vocabulary())
            if len(names) != self.n_features:
                raise StanceError("model feature names do not match its weights: run `make train`")
            self._terms = [names[i] for i in self._order]
        return self._terms

    @classmethod
    def from_pipeline(cls, pipeline: Any, manifest: dict | None = None,
                      cues: Mapping[str, Sequence[str]] | None = None, event: str = "") -> LinearStanceModel:
        """The run-time model of a fitted Pipeline, classifying with ``cues`` (a target's
        cue phrases; by default those of the first target it was trained on) and the
        n-gram copies of ``event`` (by default that first target's)."""
        vectorizer = pipeline.named_steps["vectorize"]
        classifier = pipeline.named_steps["classify"]
        terms = vectorizer.get_feature_names_out()
        cues, event = _target_of(pipeline, cues, event)
        return cls(terms, vectorizer.idf_, classifier.coef_, classifier.intercept_, classifier.classes_, cues, manifest,
                   lang=_pipeline_lang(pipeline), event=event)

    def vectorize(self, rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sparse rows as (row ids, feature ids, tf-idf values before normalisation).

        Parameters
        ----------
        rows, keys : ndarray of shape (n,)
            Pair index and key of each feature, as :meth:`PairFeatures.encode` gives them.

        Entries are sorted by row, then feature id, whatever order the features came in:
        floating-point sums in :meth:`decision_function` depend on the order of their terms,
        so sorted, the probabilities are the same to the last bit in every process
        (``--jobs``, Dask workers, two runs).
        """
        columns = self.columns(keys)
        known = columns >= 0
        unique, counts = np.unique(rows[known] * self.n_features + columns[known], return_counts=True)
        tf = 1.0 + np.log(counts.astype(np.float64))
        pair_rows, feature_ids = np.divmod(unique, self.n_features)
        return pair_rows, feature_ids, tf

    def columns(self, keys: np.ndarray) -> np.ndarray:
        """The feature id of each key, -1 for keys the model does not know.

        Parameters
        ----------
        keys : ndarray of shape (n,), uint64

        Returns
        -------
        ndarray of shape (n,), int64
        """
        table_keys, table_columns = self._table_keys, self._table_columns
        home = (keys >> self._home_shift).astype(np.intp)
        found = table_columns[home]
        # An empty slot's column is -1, so it answers "unknown" whatever key it compares with.
        columns = np.where(table_keys[home] == keys, found, -1)
        # Linear probing: a key is in the first slot from its home that holds it, before the
        # first empty one; only the few keys whose home holds another key probe further.
        pending = np.flatnonzero((columns < 0) & (found >= 0))
        for probe in range(1, self._probes + 1):
            if not len(pending):
                break
            slots = (home[pending] + probe) & (len(table_keys) - 1)
            found = table_columns[slots]
            hit = table_keys[slots] == keys[pending]
            columns[pending[hit]] = found[hit]
            pending = pending[~hit & (found >= 0)]
        return columns

    def decision_function(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Linear scores, shape (n_pairs, n_classes)."""
        return self._products(pairs) + self.intercept

    def _products(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Each pair's l2-normalised tf-idf row times every weight column of ``_weights``
        but the last (idf), without intercept: shape (n_pairs, n_columns)."""
        rows, cols, tf = self.vectorize(*self.features.encode(pairs))
        scores = np.zeros((len(pairs), self._weights.shape[1] - 1))
        if len(rows):
            # Per entry: each class's weight times idf times tf, and tf-idf last; summed per
            # row in the order of the entries (sorted), so every process gets the same sums.
            weighted = np.take(self._weights, cols, axis=0)
            weighted *= tf[:, None]
            starts = np.flatnonzero(np.diff(rows, prepend=-1))
            norms = np.sqrt(np.add.reduceat(weighted[:, -1] ** 2, starts))
            scores[rows[starts]] = np.add.reduceat(weighted[:, :-1], starts, axis=0) / norms[:, None]
        return scores

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Probabilities, shape (n_pairs, n_classes), columns in the order of ``labels``."""
        if not len(pairs):
            return np.zeros((0, len(self.labels)))
        scores = self.decision_function(pairs)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def explain(self, pair: Pair, label: str, top: int = 8) -> list[tuple[str, float]]:
        """The features that weighed most for ``label`` in this pair: (feature, contribution).

        A contribution is the feature's value times its weight for ``label`` minus its mean
        weight over all labels: what pushed this label rather than the others (a feature
        that raises every label equally explains nothing).
        """
        _, cols, tf = self.vectorize(*self.features.encode([pair]))
        weighted = tf * self.idf[cols]
        norm = float(np.sqrt((weighted**2).sum())) or 1.0
        k = self.labels.index(label)
        contributions = (self.coef[k, cols] - self.coef[:, cols].mean(axis=0)) * weighted / norm
        order = np.argsort(-np.abs(contributions))[:top]
        return [(self.terms[cols[i]], float(contributions[i])) for i in order]

    def save(self, path: Path) -> None:
        """Write vocabulary, keys, idf, coefficients, intercept and labels to ``path`` (``.npz``)."""
        np.savez_compressed(
            path, vocabulary=np.asarray(self.terms, dtype=str), keys=self.keys, idf=self.idf, coef=self.coef,
            intercept=self.intercept, labels=np.asarray(self.labels, dtype=str),
        )


class CalibratedSvmModel(LinearStanceModel):
    """A calibrated linear SVM as arrays: the same features and tf-idf as
    :class:`LinearStanceModel`, then scikit-learn's ``CalibratedClassifierCV(LinearSVC,
    method="sigmoid")`` computed with NumPy.

    For each calibrated fold ``f``: ``d = tfidf · coef[f]ᵀ + intercept[f]`` (one-vs-rest),
    ``p_c = 1 / (1 + exp(a[f, c] d_c + b[f, c]))``, normalised per row (uniform if every
    ``p_c`` is 0); the probabilities are the mean over the folds, as scikit-learn's
    ``predict_proba``.

    Parameters
    ----------
    vocabulary : sequence of str or callable, length n_features
    idf : ndarray of shape (n_features,)
    coef : ndarray of shape (n_folds, n_classes, n_features)
    intercept, sigmoid_a, sigmoid_b : ndarray of shape (n_folds, n_classes)
    labels : sequence of str, length n_classes
    cues : dict, optional
        Cue phrases for :class:`PairFeatures`.
    manifest : dict, optional
    keys : ndarray of shape (n_features,), optional
        The feature keys (computed from ``vocabulary`` when absent).
    lang : LanguagePack, optional
        The language of :class:`PairFeatures` (English by default).
    """

    kind = "svm"

    def __init__(self, vocabulary: Sequence[str] | Callable[[], Sequence[str]], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, sigmoid_a: np.ndarray, sigmoid_b: np.ndarray, labels: Sequence[str],
                 cues: dict[str, Sequence[str]] | None = None, manifest: dict | None = None,
                 keys: np.ndarray | None = None, lang: LanguagePack | None = None, event: str = "") -> None:
        coef = np.asarray(coef, dtype=np.float64)
        fold_arrays = [np.asarray(x, dtype=np.float64) for x in (intercept, sigmoid_a, sigmoid_b)]
        if coef.ndim != 3 or any(x.shape != coef.shape[:2] for x in fold_arrays):
            raise StanceError("model weights have an unexpected shape: run `make train`")
        # The base class holds the fold-mean weights: its explain() then tells what pushed the
        # (mean) decision of the SVM; its keys, table and vectorize are shared, not copied.
        super().__init__(vocabulary, idf, coef.mean(axis=0), fold_arrays[0].mean(axis=0), labels, cues, manifest, keys,
                         lang, event)
        self.fold_coef = coef[:, :, self._order]
        self.fold_intercept, self.sigmoid_a, self.sigmoid_b = fold_arrays
        n_folds, n_classes = coef.shape[:2]
        # One gather per feature reads the weights of every fold and class at once:
        # columns are fold-major (fold 0's classes, fold 1's, ...), then idf.
        self._weights = np.ascontiguousarray(np.vstack([self.fold_coef.reshape(n_folds * n_classes, -1) * self.idf,
                                                        self.idf]).T)

    @classmethod
    def from_pipeline(cls, pipeline: Any, manifest: dict | None = None,
                      cues: Mapping[str, Sequence[str]] | None = None, event: str = "") -> CalibratedSvmModel:
        """The run-time model of a fitted Pipeline whose last step is a CalibratedClassifierCV."""
        vectorizer = pipeline.named_steps["vectorize"]
        classifier = pipeline.named_steps["classify"]
        classes = [str(c) for c in classifier.classes_]
        coef, intercept, a, b = [], [], [], []
        for calibrated in classifier.calibrated_classifiers_:
            svm = calibrated.estimator
            # A fold that missed a class would give it probability 0 there: not representable
            # with one (a, b) per class, and never the case with stratified folds of our corpus.
            if [str(c) for c in svm.classes_] != classes or len(calibrated.calibrators) != len(classes):
                raise StanceError("a calibration fold of the SVM lacks a class: more training data is needed")
            coef.append(svm.coef_)
            intercept.append(svm.intercept_)
            a.append([c.a_ for c in calibrated.calibrators])
            b.append([c.b_ for c in calibrated.calibrators])
        cues, event = _target_of(pipeline, cues, event)
        return cls(vectorizer.get_feature_names_out(), vectorizer.idf_, np.array(coef), np.array(intercept),
                   np.array(a), np.array(b), classes, cues, manifest, lang=_pipeline_lang(pipeline), event=event)

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Probabilities, shape (n_pairs, n_classes), columns in the order of ``labels``."""
        n_folds, n_classes = self.fold_intercept.shape
        if not len(pairs):
            return np.zeros((0, n_classes))
        decision = self._products(pairs).reshape(len(pairs), n_folds, n_classes) + self.fold_intercept
        # expit(-(a d + b)), written as scikit-learn's _SigmoidCalibration computes it.
        proba = 1.0 / (1.0 + np.exp(self.sigmoid_a * decision + self.sigmoid_b))
        total = proba.sum(axis=2, keepdims=True)
        proba = np.divide(proba, total, out=np.full_like(proba, 1.0 / n_classes), where=total != 0)
        # Summed fold by fold in order, as CalibratedClassifierCV does, then divided.
        mean = np.zeros((len(pairs), n_classes))
        for fold in range(n_folds):
            mean += proba[:, fold]
        return mean / n_folds

    def save(self, path: Path) -> None:
        """Write vocabulary, keys, idf, per-fold coefficients, intercepts and sigmoid
        parameters, and labels to ``path`` (``.npz``)."""
        np.savez_compressed(
            path, vocabulary=np.asarray(self.terms, dtype=str), keys=self.keys, idf=self.idf, coef=self.fold_coef,
            intercept=self.fold_intercept, sigmoid_a=self.sigmoid_a, sigmoid_b=self.sigmoid_b,
            labels=np.asarray(self.labels, dtype=str),
        )


# The classifiers a target can name (``classifier`` in its TOML), by kind.
KINDS: dict[str, type[LinearStanceModel]] = {"logistic": LinearStanceModel, "svm": CalibratedSvmModel}


def runtime_class(kind: str) -> type[LinearStanceModel]:
    """The run-time class of a classifier kind; unknown kinds name the known ones."""
    if kind not in KINDS:
        raise StanceError(f"unknown classifier kind {kind!r} (known: {', '.join(KINDS)}): run `make train`")
    return KINDS[kind]


def _target_of(pipeline: Any, cues: Mapping[str, Sequence[str]] | None, event: str
               ) -> tuple[Mapping[str, Sequence[str]] | None, str]:
    """``cues`` and ``event``, or when no cues are given, those of the first target the
    Pipeline was trained on."""
    if cues is not None:
        return cues, event
    first, phrases = next(iter((pipeline.named_steps["features"].cues or {"": None}).items()))
    return phrases, first


def _pipeline_lang(pipeline: Any) -> LanguagePack:
    """The language pack of a fitted Pipeline's featuriser."""
    return get_pack(getattr(pipeline.named_steps["features"], "language", "en"))


def _key_table(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.uint64, int]:
    """An open-addressing hash table of distinct uint64 ``keys`` (linear probing).

    Returns the slots' keys, the slots' feature ids (-1 when empty), the shift that gives a
    key's home slot, and the longest probe.
    The table has at least four slots per key, and a key's home slot is its top bits:
    keys are products of an odd multiplier, well mixed there. Filled in rounds, with
    NumPy: in round ``p`` every key still unplaced tries slot ``home + p``; a slot once
    filled stays filled, so lookups that stop at the first empty slot find every key.
    """
    bits = max(int(4 * len(keys)).bit_length(), 4)
    size = 1 << bits
    table_keys = np.zeros(size, dtype=np.uint64)
    table_columns = np.full(size, -1, dtype=np.int64)
    shift = np.uint64(64 - bits)
    home = (keys >> shift).astype(np.int64)
    pending = np.arange(len(keys))
    probe = 0
    while len(pending):
        slots = (home[pending] + probe) & (size - 1)
        free = table_columns[slots] < 0
        candidates, wanted = pending[free], slots[free]
        taken, first = np.unique(wanted, return_index=True)  # one key per slot and round
        table_columns[taken] = candidates[first]
        table_keys[taken] = keys[candidates[first]]
        placed = np.zeros(len(keys), dtype=bool)
        placed[candidates[first]] = True
        pending = pending[~placed[pending]]
        probe += 1
    return table_keys, table_columns, shift, max(probe - 1, 0)
