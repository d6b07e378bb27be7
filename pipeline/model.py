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

The classifiers themselves are :mod:`pipeline.classifiers`, the model folder
:mod:`pipeline.model_files`; their public names are importable from here too.
"""

from __future__ import annotations

import functools
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.classifiers import (
    DEFAULT_C,
    DEFAULT_SVM_C,
    KINDS,
    SVM_FOLDS,
    CalibratedSvmModel,
    LinearStanceModel,
    StanceClassifier,
    logistic_regression,
    runtime_class,
)
from pipeline.config import TargetConfig
from pipeline.corpus import Corpus
from pipeline.errors import StanceError
from pipeline.features import Pair, passthrough
from pipeline.labels import LABELS
from pipeline.model_files import (
    CARD_FILE,
    FORMAT,
    MANIFEST_FILE,
    STAGING_SUFFIX,
    VECTORS_FILE,
    WEIGHTS_FILE,
    load_model,
    load_pipeline,
    read_manifest,
    save_model,
)
from pipeline.vectors import (
    DEFAULT_VECTOR_C,
    SOURCE_DISTRIBUTION,
    BlendedModel,
    PairVectors,
    VectorClassifier,
    read_source,
)

# Re-exported: callers import the classifiers and the model folder's functions from here.
__all__ = [
    "CARD_FILE", "DEFAULT_C", "DEFAULT_SVM_C", "FORMAT", "KINDS", "MANIFEST_FILE", "PINNED", "STAGING_SUFFIX",
    "SVM_FOLDS", "VECTORS_FILE", "WEIGHTS_FILE", "CalibratedSvmModel", "LinearStanceModel", "PipelineModel",
    "StanceClassifier", "TrainedModel", "build_pipeline", "fit", "fit_linear", "library_versions", "load_model",
    "load_pipeline", "read_manifest", "runtime_class", "save_model",
]

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

    from pipeline.features.featurizer import PairFeaturizer

    if kind == "logistic":
        classify = logistic_regression(DEFAULT_C if C is None else C)
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
        return self.blended(runtime_class(self.kind).from_pipeline(self.pipeline, self.manifest, config.cues,
                                                                   config.name))

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
        # The targets whose n-grams have their own copies (see PairFeaturizer).
        "event_copies": pipeline.named_steps["features"].events_,
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
