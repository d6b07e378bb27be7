"""Stage 5: the stance classifier, its training, and its safe saving and loading.

Training builds a scikit-learn :class:`~sklearn.pipeline.Pipeline`::

    features   PairFeaturizer      Pair -> list of feature strings
    vectorize  TfidfVectorizer     feature strings -> sparse tf-idf rows (sublinear tf, l2)
    classify   LogisticRegression  -> P(neutral, none, oppose, support)

and saves it as plain arrays in the model folder:

* ``weights.npz``: vocabulary, feature keys, idf, coefficients, which
  :class:`LinearStanceModel` uses to classify. Loading arrays with ``allow_pickle=False``
  cannot run code, and needs neither scikit-learn nor SciPy, which keeps ``stance
  classify`` fast to start. :func:`load_pipeline` rebuilds the fitted scikit-learn
  Pipeline from them, for inspection: nothing is ever pickled.

``manifest.json`` records the sha256 of the weights, the library versions, the training
data hash, the cue phrases and the labels; every load checks it first.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import io
import json
import os
import platform
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pipeline import __version__
from pipeline.config import TargetConfig, project_root
from pipeline.corpus import Corpus
from pipeline.errors import StanceError
from pipeline.export import process_alive
from pipeline.features import Pair, PairFeatures, feature_key, passthrough
from pipeline.labels import LABELS
from pipeline.lang import LanguagePack, get_pack
from pipeline.vectors import (
    DEFAULT_VECTOR_C,
    SOURCE_DISTRIBUTION,
    BlendedModel,
    PairVectors,
    VectorClassifier,
    read_source,
)

WEIGHTS_FILE = "weights.npz"
VECTORS_FILE = "vectors.npz"  # the word-vector classifier, when the model has one
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
FORMAT = 3  # 2: feature keys stored beside the names; 3: cue phrases per target (one model, several events)
# Inverse regularisation of the logistic regression, chosen by grouped cross-validation.
DEFAULT_C = 10.0
# The calibrated linear SVM (classifier = "svm"): its C was not tuned, 1.0 is LinearSVC's default;
# SVM_FOLDS is the number of calibrated folds whose probabilities are averaged.
DEFAULT_SVM_C = 1.0
SVM_FOLDS = 3
# A pickled Pipeline is only trusted with exactly these library versions.
PINNED = ("scikit-learn", "numpy", "scipy", "joblib")  # recorded in the manifest


def build_pipeline(cues: Mapping[str, Mapping[str, Sequence[str]]] | None = None, C: float | None = None,
                   min_df: int = 2, kind: str = "logistic", language: str = "en") -> Any:
    """A fresh, unfitted stance classifier (scikit-learn Pipeline).

    Parameters
    ----------
    cues : mapping, optional
        Per target name, its cue phrases per stance class (see :class:`PairFeaturizer`).
    C : float, optional
        Inverse regularisation strength of the classifier (by default :data:`DEFAULT_C`
        for the logistic regression, :data:`DEFAULT_SVM_C` for the SVM).
    min_df : int, default 2
        Features seen in fewer training pairs are dropped.
    kind : {"logistic", "svm"}, default "logistic"
        The classifier over the tf-idf features (see :data:`KINDS`).
    language : str, default "en"
        The code of the language pack of the features (:func:`pipeline.lang.get_pack`).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    from pipeline.sklearn_features import PairFeaturizer

    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        classify = LogisticRegression(C=DEFAULT_C if C is None else C, class_weight="balanced", max_iter=5000)
    elif kind == "svm":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        classify = CalibratedClassifierCV(LinearSVC(C=DEFAULT_SVM_C if C is None else C), method="sigmoid",
                                          cv=SVM_FOLDS)
    else:
        raise StanceError(f"unknown classifier {kind!r} (known: {', '.join(KINDS)})")
    return Pipeline([
        ("features", PairFeaturizer(cues=cues, language=language)),
        ("vectorize", TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, min_df=min_df,
                                      dtype=np.float64)),
        ("classify", classify),
    ])


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    versions = {"python": platform.python_version(), "stance": __version__}
    for name in (*PINNED, "nltk"):
        versions[name] = version(name)
    return versions


@runtime_checkable
class StanceClassifier(Protocol):
    """What the runtime needs of a classifier of (sentence, actor) pairs.

    Implementations: :class:`LinearStanceModel` (``kind`` "logistic") and
    :class:`CalibratedSvmModel` ("svm"). They are saved by :func:`save_model` (through
    ``save``) and loaded by :func:`load_model`, which picks the class by the manifest's
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
    """

    kind = "logistic"

    def __init__(self, vocabulary: Sequence[str] | Callable[[], Sequence[str]], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, labels: Sequence[str], cues: dict[str, Sequence[str]] | None = None,
                 manifest: dict | None = None, keys: np.ndarray | None = None,
                 lang: LanguagePack | None = None) -> None:
        idf = np.asarray(idf, dtype=np.float64)
        coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = tuple(labels)
        self.features = PairFeatures(cues=cues, lang=lang)
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
                      cues: Mapping[str, Sequence[str]] | None = None) -> LinearStanceModel:
        """The run-time model of a fitted Pipeline, classifying with ``cues`` (a target's
        cue phrases; by default those of the first target it was trained on)."""
        vectorizer = pipeline.named_steps["vectorize"]
        classifier = pipeline.named_steps["classify"]
        terms = vectorizer.get_feature_names_out()
        if cues is None:
            cues = next(iter((pipeline.named_steps["features"].cues or {"": None}).values()))
        return cls(terms, vectorizer.idf_, classifier.coef_, classifier.intercept_, classifier.classes_, cues, manifest,
                   lang=_pipeline_lang(pipeline))

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
                 keys: np.ndarray | None = None, lang: LanguagePack | None = None) -> None:
        coef = np.asarray(coef, dtype=np.float64)
        fold_arrays = [np.asarray(x, dtype=np.float64) for x in (intercept, sigmoid_a, sigmoid_b)]
        if coef.ndim != 3 or any(x.shape != coef.shape[:2] for x in fold_arrays):
            raise StanceError("model weights have an unexpected shape: run `make train`")
        # The base class holds the fold-mean weights: its explain() then tells what pushed the
        # (mean) decision of the SVM; its keys, table and vectorize are shared, not copied.
        super().__init__(vocabulary, idf, coef.mean(axis=0), fold_arrays[0].mean(axis=0), labels, cues, manifest, keys,
                         lang)
        self.fold_coef = coef[:, :, self._order]
        self.fold_intercept, self.sigmoid_a, self.sigmoid_b = fold_arrays
        n_folds, n_classes = coef.shape[:2]
        # One gather per feature reads the weights of every fold and class at once:
        # columns are fold-major (fold 0's classes, fold 1's, ...), then idf.
        self._weights = np.ascontiguousarray(np.vstack([self.fold_coef.reshape(n_folds * n_classes, -1) * self.idf,
                                                        self.idf]).T)

    @classmethod
    def from_pipeline(cls, pipeline: Any, manifest: dict | None = None,
                      cues: Mapping[str, Sequence[str]] | None = None) -> CalibratedSvmModel:
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
        if cues is None:
            cues = next(iter((pipeline.named_steps["features"].cues or {"": None}).values()))
        return cls(vectorizer.get_feature_names_out(), vectorizer.idf_, np.array(coef), np.array(intercept),
                   np.array(a), np.array(b), classes, cues, manifest, lang=_pipeline_lang(pipeline))

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


@dataclass
class TrainedModel:
    """A freshly fitted Pipeline and its manifest, before saving."""

    pipeline: Any
    manifest: dict = field(default_factory=dict)
    vectors: VectorClassifier | None = None  # the word-vector classifier blended in, if any

    @property
    def kind(self) -> str:
        """The classifier kind (``"logistic"`` for manifests written before kinds existed)."""
        return self.manifest.get("kind", "logistic")

    @property
    def linear(self) -> LinearStanceModel:
        """The run-time n-gram model (of the class of :attr:`kind`), without word vectors."""
        return runtime_class(self.kind).from_pipeline(self.pipeline, self.manifest)

    def linear_for(self, config: TargetConfig) -> LinearStanceModel | BlendedModel:
        """The run-time model classifying with the cue phrases of ``config``'s target, with
        the word-vector classifier blended in when it was trained with one."""
        return self.blended(runtime_class(self.kind).from_pipeline(self.pipeline, self.manifest, config.cues))

    def blended(self, base: LinearStanceModel) -> LinearStanceModel | BlendedModel:
        """``base`` with the word-vector classifier blended in, when there is one."""
        if self.vectors is None:
            return base
        return BlendedModel(base, self.vectors, self.manifest["vectors"]["weight"])


def fit(corpus: Corpus, configs: TargetConfig | Sequence[TargetConfig], C: float | None = None,
        kind: str = "logistic", vector_weight: float = 0.0) -> TrainedModel:
    """Fit the classifier on every example of ``corpus``, whose pairs come from the
    targets ``configs`` (each pair featurised with its own target's cue phrases).

    Parameters
    ----------
    corpus : Corpus
    configs : TargetConfig or sequence of TargetConfig
    C : float, optional
        Inverse regularisation (by default that of ``kind``: see :func:`build_pipeline`).
    kind : {"logistic", "svm"}, default "logistic"
    vector_weight : float in [0, 1), default 0
        The weight of a word-vector classifier fitted beside the n-gram model and blended
        with it (:mod:`pipeline.vectors`); 0 fits none.
    """
    configs = [configs] if isinstance(configs, TargetConfig) else list(configs)
    missing = [label for label in LABELS if label not in set(corpus.labels)]
    if missing:
        raise StanceError(f"training data has no example of {', '.join(missing)}")
    if kind == "svm":
        # Each calibration fold needs every label (scikit-learn raises a bare ValueError otherwise).
        fewest = min(corpus.labels.count(label) for label in LABELS)
        if fewest < SVM_FOLDS:
            raise StanceError(f"the SVM needs at least {SVM_FOLDS} training pairs of every label "
                              f"(one per calibration fold); this corpus has {fewest} of one")
    C = (DEFAULT_SVM_C if kind == "svm" else DEFAULT_C) if C is None else C
    cues = {config.name: {k: list(v) for k, v in config.cues.items()} for config in configs}
    # One model reads one language: the first of the first target's.
    language = configs[0].languages[0]
    pipeline = build_pipeline(cues, C=C, kind=kind, language=language).fit(corpus.pairs, corpus.labels)
    manifest = {
        "format": FORMAT,
        "kind": kind,
        "targets": [config.name for config in configs],
        "labels": [str(c) for c in pipeline.classes_],
        "cues": cues,
        "language": language,
        "versions": library_versions(),
        "training_data_sha256": corpus.sha256,
        "training_files": [f.name for f in corpus.files],
        "examples": len(corpus.examples),
        "label_distribution": corpus.distribution(),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {"C": C},
    }
    vectors = None
    if vector_weight > 0:
        features = PairVectors(*_vector_source())
        vectors = VectorClassifier.fit(features, corpus.pairs, corpus.labels)
        manifest["vectors"] = {"weight": vector_weight, "window": features.window, "C": DEFAULT_VECTOR_C,
                               "source": f"{SOURCE_DISTRIBUTION} {_source_version()}", "dim": features.dim}
    return TrainedModel(pipeline, manifest, vectors)


@functools.cache
def _vector_source() -> tuple[list[str], np.ndarray]:
    """The encoder's word pieces and vectors, read once per process (cross-validation
    fits the model several times)."""
    return read_source()


def _source_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(SOURCE_DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def fit_linear(corpus: Corpus, configs: TargetConfig | Sequence[TargetConfig], C: float | None = None,
               kind: str = "logistic", name: str = "model", vector_weight: float = 0.0
               ) -> PipelineModel | BlendedModel:
    """Fit on ``corpus`` and return a model that classifies pairs of any of ``configs``'
    targets with their own cue phrases, named ``name`` in score tables (with the
    word-vector classifier blended in when ``vector_weight`` > 0)."""
    trained = fit(corpus, configs, C, kind, vector_weight)
    model = PipelineModel(trained.pipeline, name, kind)
    if trained.vectors is None:
        return model
    blended = BlendedModel(model, trained.vectors, vector_weight)
    blended.name = name
    return blended


class PipelineModel:
    """A fitted scikit-learn Pipeline with the interface of the run-time model
    (``labels``, ``predict_proba(pairs)``), for cross-validation over several targets."""

    def __init__(self, pipeline: Any, name: str = "model", kind: str = "logistic") -> None:
        self.pipeline = pipeline
        self.name = name
        self.kind = kind
        self.labels = tuple(str(c) for c in pipeline.classes_)

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        return self.pipeline.predict_proba(pairs) if len(pairs) else np.zeros((0, len(self.labels)))


def save_model(model: TrainedModel, directory: Path, card: str | None = None) -> dict:
    """Write Pipeline, weights, manifest (and card) into ``directory``, replacing it at once.

    Everything is written into a temporary sibling folder (``.<name>.<pid>.XXXX.staging``)
    that is renamed into place, so a crash never leaves a model beside the manifest of
    another. Two renames swap the folders: the old model to ``.<name>.old``, the new one
    to ``directory``; at every instant one of them holds a model, and ``.old`` is only
    deleted once the new model is in place. A run killed between the two renames leaves
    ``.old`` alone: loading falls back to it and the next save puts it back first.
    Staging folders of killed runs are removed by the next save. Returns the manifest.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    old = _old_model(directory)
    _restore_old_model(directory)
    _remove_stale_staging(directory)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.{os.getpid()}.", suffix=STAGING_SUFFIX,
                                    dir=directory.parent))
    try:
        model.linear.save(staging / WEIGHTS_FILE)
        hashes = {WEIGHTS_FILE: _sha256(staging / WEIGHTS_FILE)}
        if model.vectors is not None:
            model.vectors.save(staging / VECTORS_FILE)
            hashes[VECTORS_FILE] = _sha256(staging / VECTORS_FILE)
        manifest = dict(model.manifest, sha256=hashes)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        if card is not None:
            (staging / CARD_FILE).write_text(card)
        if directory.exists():  # a model is in place: an .old beside it is a finished swap's
            shutil.rmtree(old, ignore_errors=True)
            directory.rename(old)
        try:
            staging.rename(directory)
        except BaseException:
            _restore_old_model(directory)
            raise
        shutil.rmtree(old, ignore_errors=True)
        model.manifest = manifest
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


STAGING_SUFFIX = ".staging"


def _old_model(directory: Path) -> Path:
    return directory.with_name(f".{directory.name}.old")


def _restore_old_model(directory: Path) -> None:
    """Put back the model a killed save moved aside, when nothing took its place."""
    old = _old_model(directory)
    if not directory.exists() and old.is_dir():
        old.rename(directory)


def _remove_stale_staging(directory: Path) -> None:
    """Remove the staging folders of saves whose process is gone (killed while writing)."""
    prefix = f".{directory.name}."
    for path in directory.parent.glob(f"{glob.escape(prefix)}*{STAGING_SUFFIX}"):
        pid = path.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def read_manifest(directory: Path, trust: bool = False) -> dict:
    """The verified-to-exist manifest of a model folder (see :func:`load_model`)."""
    directory = _in_place(Path(directory))
    manifest_path = directory / MANIFEST_FILE
    models_root = (project_root() / "models").resolve()
    if not trust and not directory.resolve().is_relative_to(models_root):
        raise StanceError(f"model folder {directory} is outside {models_root}: pass --trust-model to load it anyway")
    if not manifest_path.is_file() or not (directory / WEIGHTS_FILE).is_file():
        raise StanceError(f"no trained model in {directory}: run `make train`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise StanceError(f"{manifest_path}: unreadable manifest: run `make train`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("sha256"), dict):
        raise StanceError(f"{manifest_path}: unknown model format: run `make train`")
    return manifest


@dataclass(frozen=True)
class _NpzMember:
    """One array of verified ``.npz`` bytes, read when called (and picklable, for workers)."""

    data: bytes
    name: str

    def __call__(self) -> list:
        with np.load(io.BytesIO(self.data), allow_pickle=False) as arrays:
            return arrays[self.name].tolist()


def _in_place(directory: Path) -> Path:
    """``directory``, or the old model a killed ``train`` left beside it (read, not moved:
    a ``train`` running now may be between its two renames)."""
    old = _old_model(directory)
    return old if not directory.exists() and (old / MANIFEST_FILE).is_file() else directory


def _verified(directory: Path, manifest: dict, name: str) -> bytes:
    """The bytes of a model file, if their sha256 is the manifest's."""
    path = _in_place(Path(directory)) / name
    data = path.read_bytes() if path.is_file() else b""
    if manifest["sha256"].get(name) != hashlib.sha256(data).hexdigest():
        raise StanceError(f"{path} does not match its manifest (altered or corrupt): run `make train`")
    return data


def load_model(directory: Path, trust: bool = False, cues: Mapping[str, Sequence[str]] | None = None,
               lang: LanguagePack | None = None) -> LinearStanceModel | BlendedModel:
    """Load the classifier used at run time, after checking the manifest and hash.

    Its class is the manifest's ``kind`` (:class:`LinearStanceModel` or
    :class:`CalibratedSvmModel`, both :class:`StanceClassifier`), wrapped in a
    :class:`~pipeline.vectors.BlendedModel` when the manifest has ``vectors``.

    ``cues`` are the cue phrases of the target to classify (by default those of the
    first target the model was trained on); ``lang`` is the language pack of its features
    (English by default). The file is read once, hashed, and parsed
    from memory, so what is checked is what is used; the feature names (most of its
    bytes) are only decompressed if asked for.
    """
    manifest = read_manifest(directory, trust)
    path = Path(directory) / WEIGHTS_FILE
    kind = manifest.get("kind", "logistic")  # models saved before kinds existed are logistic
    if kind not in KINDS:
        raise StanceError(f"{Path(directory) / MANIFEST_FILE}: unknown classifier kind {kind!r}: run `make train`")
    data = _verified(directory, manifest, WEIGHTS_FILE)
    if cues is None:
        cues = next(iter(manifest.get("cues", {}).values()), None)
    if lang is None:  # models saved before packs existed read English
        lang = get_pack(str(manifest.get("language", "en")))
    try:
        names = ("idf", "coef", "intercept", "labels", "keys") + (("sigmoid_a", "sigmoid_b") if kind == "svm" else ())
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in names}
        _check_weights(arrays, kind)
        vocabulary = _NpzMember(data, "vocabulary")
        if kind == "svm":
            model: LinearStanceModel = CalibratedSvmModel(
                vocabulary, arrays["idf"], arrays["coef"], arrays["intercept"], arrays["sigmoid_a"], arrays["sigmoid_b"],
                arrays["labels"].tolist(), cues, manifest, arrays["keys"], lang)
        else:
            model = LinearStanceModel(vocabulary, arrays["idf"], arrays["coef"], arrays["intercept"],
                                      arrays["labels"].tolist(), cues, manifest, arrays["keys"], lang)
    except (KeyError, ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        # The hash only says the file is the one the manifest names, not that it is sane.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StanceError(f"{path}: unreadable weights ({reason}): run `make train`") from None
    if list(model.labels) != manifest.get("labels"):
        raise StanceError(f"{path}: labels differ from the manifest: run `make train`")
    if not manifest.get("vectors"):
        return model
    vectors_path = Path(directory) / VECTORS_FILE
    try:
        vectors = VectorClassifier.load(_verified(directory, manifest, VECTORS_FILE))
        weight = float(manifest["vectors"]["weight"])
    except (KeyError, ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StanceError(f"{vectors_path}: unreadable word vectors ({reason}): run `make train`") from None
    if not 0 < weight < 1:
        raise StanceError(f"{Path(directory) / MANIFEST_FILE}: vector weight {weight} is not between 0 and 1")
    return BlendedModel(model, vectors, weight)


def _pipeline_lang(pipeline: Any) -> LanguagePack:
    """The language pack of a fitted Pipeline's featuriser."""
    return get_pack(getattr(pipeline.named_steps["features"], "language", "en"))


def _check_weights(arrays: dict[str, np.ndarray], kind: str = "logistic") -> None:
    """Raise ValueError unless the arrays have the kinds, shapes and finite values of a
    model of ``kind`` (an SVM has a leading fold axis and sigmoid parameters)."""
    dtypes = {"idf": "f", "coef": "f", "intercept": "f", "labels": "U", "keys": "ui", "sigmoid_a": "f", "sigmoid_b": "f"}
    for name in arrays:
        if arrays[name].dtype.kind not in dtypes[name]:
            raise ValueError(f"{name} has dtype {arrays[name].dtype}")
    n_classes, n_features = len(arrays["labels"]), len(arrays["keys"])
    folds: tuple[int, ...] = ()
    if kind == "svm":
        if arrays["coef"].ndim != 3:
            raise ValueError(f"coef has shape {arrays['coef'].shape}, expected (folds, classes, features)")
        folds = arrays["coef"].shape[:1]
    shapes = {"idf": (n_features,), "coef": (*folds, n_classes, n_features), "intercept": (*folds, n_classes),
              "labels": (n_classes,), "keys": (n_features,), "sigmoid_a": (*folds, n_classes),
              "sigmoid_b": (*folds, n_classes)}
    for name in arrays:
        if arrays[name].shape != shapes[name]:
            raise ValueError(f"{name} has shape {arrays[name].shape}, expected {shapes[name]}")
    for name in set(arrays) - {"labels", "keys"}:
        if not np.isfinite(arrays[name]).all():
            raise ValueError(f"{name} holds NaN or infinite values")
    if n_classes < 2 or (arrays["idf"] < 1).any():  # smoothed idf is 1 + log(...) >= 1
        raise ValueError("not the weights of a trained model")


def load_pipeline(directory: Path, trust: bool = False) -> Any:
    """The trained model as a fitted scikit-learn Pipeline, for inspection and research.

    It is rebuilt from the verified arrays of ``weights.npz`` (vocabulary, idf,
    coefficients) and the cue phrases of the manifest, so no pickle is ever loaded: a model
    folder cannot run code, whoever wrote it. Its probabilities are those of the run-time
    model (a test checks it). Its featuriser classifies with the first training target's cues.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from pipeline.sklearn_features import PairFeaturizer

    model = load_model(directory, trust)
    if model.kind != "logistic":  # rebuilding a CalibratedClassifierCV from arrays is not written yet
        raise StanceError(f"load_pipeline rebuilds logistic models only; this one is {model.kind!r}")
    terms = model.terms
    vectorize = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, dtype=np.float64)
    vectorize.vocabulary_ = {term: column for column, term in enumerate(terms)}
    vectorize.idf_ = model.idf
    classify = LogisticRegression(C=model.manifest.get("params", {}).get("C", DEFAULT_C))
    classify.coef_, classify.intercept_ = model.coef, model.intercept
    classify.classes_, classify.n_features_in_ = np.array(model.labels), len(terms)
    cues = model.manifest.get("cues") or {"": dict(model.features.cues or {})}
    featurizer = PairFeaturizer(cues, str(model.manifest.get("language", "en"))).fit([])
    return Pipeline([("features", featurizer), ("vectorize", vectorize), ("classify", classify)])


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
