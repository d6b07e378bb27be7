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
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.config import TargetConfig, project_root
from pipeline.corpus import Corpus
from pipeline.errors import StanceError
from pipeline.export import process_alive
from pipeline.features import Pair, PairFeatures, feature_key, passthrough
from pipeline.labels import LABELS

WEIGHTS_FILE = "weights.npz"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
FORMAT = 3  # 2: feature keys stored beside the names; 3: cue phrases per target (one model, several events)
# Inverse regularisation of the logistic regression, chosen by grouped cross-validation.
DEFAULT_C = 10.0
# A pickled Pipeline is only trusted with exactly these library versions.
PINNED = ("scikit-learn", "numpy", "scipy", "joblib")  # recorded in the manifest


def build_pipeline(cues: Mapping[str, Mapping[str, Sequence[str]]] | None = None, C: float = DEFAULT_C,
                   min_df: int = 2) -> Any:
    """A fresh, unfitted stance classifier (scikit-learn Pipeline).

    Parameters
    ----------
    cues : mapping, optional
        Per target name, its cue phrases per stance class (see :class:`PairFeaturizer`).
    C : float, default 10.0
        Inverse regularisation strength of the logistic regression.
    min_df : int, default 2
        Features seen in fewer training pairs are dropped.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from pipeline.sklearn_features import PairFeaturizer

    return Pipeline([
        ("features", PairFeaturizer(cues=cues)),
        ("vectorize", TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, min_df=min_df,
                                      dtype=np.float64)),
        ("classify", LogisticRegression(C=C, class_weight="balanced", max_iter=5000)),
    ])


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    versions = {"python": platform.python_version(), "stance": __version__}
    for name in (*PINNED, "nltk"):
        versions[name] = version(name)
    return versions


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
    """

    def __init__(self, vocabulary: Sequence[str] | Callable[[], Sequence[str]], idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, labels: Sequence[str], cues: dict[str, Sequence[str]] | None = None,
                 manifest: dict | None = None, keys: np.ndarray | None = None) -> None:
        idf = np.asarray(idf, dtype=np.float64)
        coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = tuple(labels)
        self.features = PairFeatures(cues=cues)
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
        return cls(terms, vectorizer.idf_, classifier.coef_, classifier.intercept_, classifier.classes_, cues, manifest)

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
        rows, cols, tf = self.vectorize(*self.features.encode(pairs))
        scores = np.zeros((len(pairs), len(self.labels)))
        if len(rows):
            # Per entry: each class's weight times idf times tf, and tf-idf last; summed per
            # row in the order of the entries (sorted), so every process gets the same sums.
            weighted = np.take(self._weights, cols, axis=0)
            weighted *= tf[:, None]
            starts = np.flatnonzero(np.diff(rows, prepend=-1))
            norms = np.sqrt(np.add.reduceat(weighted[:, -1] ** 2, starts))
            scores[rows[starts]] = np.add.reduceat(weighted[:, :-1], starts, axis=0) / norms[:, None]
        return scores + self.intercept

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
        np.savez_compressed(
            path, vocabulary=np.asarray(self.terms, dtype=str), keys=self.keys, idf=self.idf, coef=self.coef,
            intercept=self.intercept, labels=np.asarray(self.labels, dtype=str),
        )


@dataclass
class TrainedModel:
    """A freshly fitted Pipeline and its manifest, before saving."""

    pipeline: Any
    manifest: dict = field(default_factory=dict)

    @property
    def linear(self) -> LinearStanceModel:
        return LinearStanceModel.from_pipeline(self.pipeline, self.manifest)

    def linear_for(self, config: TargetConfig) -> LinearStanceModel:
        """The run-time model classifying with the cue phrases of ``config``'s target."""
        return LinearStanceModel.from_pipeline(self.pipeline, self.manifest, config.cues)


def fit(corpus: Corpus, configs: TargetConfig | Sequence[TargetConfig], C: float = DEFAULT_C) -> TrainedModel:
    """Fit the classifier on every example of ``corpus``, whose pairs come from the
    targets ``configs`` (each pair featurised with its own target's cue phrases)."""
    configs = [configs] if isinstance(configs, TargetConfig) else list(configs)
    missing = [label for label in LABELS if label not in set(corpus.labels)]
    if missing:
        raise StanceError(f"training data has no example of {', '.join(missing)}")
    cues = {config.name: {k: list(v) for k, v in config.cues.items()} for config in configs}
    pipeline = build_pipeline(cues, C=C).fit(corpus.pairs, corpus.labels)
    manifest = {
        "format": FORMAT,
        "targets": [config.name for config in configs],
        "labels": [str(c) for c in pipeline.classes_],
        "cues": cues,
        "versions": library_versions(),
        "training_data_sha256": corpus.sha256,
        "training_files": [f.name for f in corpus.files],
        "examples": len(corpus.examples),
        "label_distribution": corpus.distribution(),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {"C": C},
    }
    return TrainedModel(pipeline, manifest)


def fit_linear(corpus: Corpus, configs: TargetConfig | Sequence[TargetConfig], C: float = DEFAULT_C) -> PipelineModel:
    """Fit on ``corpus`` and return a model that classifies pairs of any of ``configs``'
    targets with their own cue phrases, named "model" in score tables."""
    return PipelineModel(fit(corpus, configs, C).pipeline)


class PipelineModel:
    """A fitted scikit-learn Pipeline with the interface of the run-time model
    (``labels``, ``predict_proba(pairs)``), for cross-validation over several targets."""

    name = "model"

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
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
        manifest = dict(model.manifest, sha256={WEIGHTS_FILE: _sha256(staging / WEIGHTS_FILE)})
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


def load_model(directory: Path, trust: bool = False, cues: Mapping[str, Sequence[str]] | None = None) -> LinearStanceModel:
    """Load the classifier used at run time, after checking the manifest and hash.

    ``cues`` are the cue phrases of the target to classify (by default those of the
    first target the model was trained on). The file is read once, hashed, and parsed
    from memory, so what is checked is what is used; the feature names (most of its
    bytes) are only decompressed if asked for.
    """
    manifest = read_manifest(directory, trust)
    path = Path(directory) / WEIGHTS_FILE
    data = _verified(directory, manifest, WEIGHTS_FILE)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in ("idf", "coef", "intercept", "labels", "keys")}
        _check_weights(arrays)
        model = LinearStanceModel(
            _NpzMember(data, "vocabulary"), arrays["idf"], arrays["coef"], arrays["intercept"],
            arrays["labels"].tolist(), cues if cues is not None else next(iter(manifest.get("cues", {}).values()), None),
            manifest, arrays["keys"],
        )
    except (KeyError, ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        # The hash only says the file is the one the manifest names, not that it is sane.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StanceError(f"{path}: unreadable weights ({reason}): run `make train`") from None
    if list(model.labels) != manifest.get("labels"):
        raise StanceError(f"{path}: labels differ from the manifest: run `make train`")
    return model


def _check_weights(arrays: dict[str, np.ndarray]) -> None:
    """Raise ValueError unless the arrays have the kinds, shapes and finite values of a model."""
    kinds = {"idf": "f", "coef": "f", "intercept": "f", "labels": "U", "keys": "ui"}
    for name, kind in kinds.items():
        if arrays[name].dtype.kind not in kind:
            raise ValueError(f"{name} has dtype {arrays[name].dtype}")
    n_classes, n_features = len(arrays["labels"]), len(arrays["keys"])
    shapes = {"idf": (n_features,), "coef": (n_classes, n_features), "intercept": (n_classes,),
              "labels": (n_classes,), "keys": (n_features,)}
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{name} has shape {arrays[name].shape}, expected {shape}")
    for name in ("idf", "coef", "intercept"):
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
    terms = model.terms
    vectorize = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, dtype=np.float64)
    vectorize.vocabulary_ = {term: column for column, term in enumerate(terms)}
    vectorize.idf_ = model.idf
    classify = LogisticRegression(C=model.manifest.get("params", {}).get("C", DEFAULT_C))
    classify.coef_, classify.intercept_ = model.coef, model.intercept
    classify.classes_, classify.n_features_in_ = np.array(model.labels), len(terms)
    cues = model.manifest.get("cues") or {"": dict(model.features.cues or {})}
    return Pipeline([("features", PairFeaturizer(cues).fit([])), ("vectorize", vectorize), ("classify", classify)])


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
