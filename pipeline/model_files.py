"""The model folder: saving and loading a trained model safely.

A model folder holds ``weights.npz`` (the arrays of a :class:`~pipeline.classifiers.StanceClassifier`),
``vectors.npz`` when a word-vector classifier is blended in, ``manifest.json`` (with the
sha256 of each array file, checked before any is read) and ``MODEL_CARD.md``. Arrays are
loaded with ``allow_pickle=False``: a model folder cannot run code, whoever wrote it.

This module changes when the files or their checks do; the classifiers are
:mod:`pipeline.classifiers`, training is :mod:`pipeline.model` (which re-exports these names).
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.classifiers import DEFAULT_C, DEFAULT_SVM_C, KINDS, CalibratedSvmModel, LinearStanceModel, logistic_regression
from pipeline.config import project_root
from pipeline.errors import StanceError
from pipeline.export import process_alive
from pipeline.features import passthrough
from pipeline.lang import LanguagePack, get_pack
from pipeline.vectors import BlendedModel, VectorClassifier

if TYPE_CHECKING:  # only for the annotation: pipeline.model imports this module
    from pipeline.model import TrainedModel

WEIGHTS_FILE = "weights.npz"
VECTORS_FILE = "vectors.npz"  # the word-vector classifier, when the model has one
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
# 2: feature keys stored beside the names; 3: cue phrases per target (one model, several events);
# 4: literal features counted twice (pipeline.features.pairs.LITERAL_COUNT)
FORMAT = 4


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
               lang: LanguagePack | None = None, event: str | None = None) -> LinearStanceModel | BlendedModel:
    """Load the classifier used at run time, after checking the manifest and hash.

    Its class is the manifest's ``kind`` (:class:`LinearStanceModel` or
    :class:`CalibratedSvmModel`, both :class:`StanceClassifier`), wrapped in a
    :class:`~pipeline.vectors.BlendedModel` when the manifest has ``vectors``.

    ``cues`` are the cue phrases of the target to classify and ``event`` its name, whose
    copies of the n-grams it reads (by default those of the first target the model was
    trained on; an event the model was not trained on reads the shared n-grams only);
    ``lang`` is the language pack of its features (English by default). The file is read once, hashed, and parsed
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
        event, cues = next(iter(manifest.get("cues", {}).items()), ("", None))
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
                arrays["labels"].tolist(), cues, manifest, arrays["keys"], lang, event or "")
        else:
            model = LinearStanceModel(vocabulary, arrays["idf"], arrays["coef"], arrays["intercept"],
                                      arrays["labels"].tolist(), cues, manifest, arrays["keys"], lang, event or "")
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
    coefficients, and for the SVM each calibration fold's sigmoid parameters) and the cue
    phrases of the manifest, so no pickle is ever loaded: a model folder cannot run code,
    whoever wrote it. Its last step is the classifier of the manifest's ``kind``: a
    ``LogisticRegression``, or a ``CalibratedClassifierCV`` over ``LinearSVC`` (see
    :func:`_calibrated_svm`). Its probabilities are those of the run-time model (tests
    check both kinds). Its featuriser classifies with the first training target's cues.
    When word vectors are blended in (``vector_weight``), it is the n-gram model alone.

    Parameters
    ----------
    directory : Path
        The model folder.
    trust : bool, default False
        Load a folder outside ``models/`` (see :func:`read_manifest`).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``features`` (:class:`~pipeline.features.featurizer.PairFeaturizer`),
        ``vectorize`` (``TfidfVectorizer``) and ``classify``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    from pipeline.features.featurizer import PairFeaturizer

    loaded = load_model(directory, trust)
    # Word vectors blended in have no step here: the Pipeline is the n-gram model alone.
    model = loaded.base if isinstance(loaded, BlendedModel) else loaded
    terms = model.terms
    vectorize = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, dtype=np.float64)
    vectorize.vocabulary_ = {term: column for column, term in enumerate(terms)}
    vectorize.idf_ = model.idf
    if isinstance(model, CalibratedSvmModel):
        classify = _calibrated_svm(model)
    else:
        classify = logistic_regression(model.manifest.get("params", {}).get("C", DEFAULT_C))
        classify.coef_, classify.intercept_ = model.coef, model.intercept
        classify.classes_, classify.n_features_in_ = np.array(model.labels), len(terms)
    cues = model.manifest.get("cues") or {"": dict(model.features.cues or {})}
    featurizer = PairFeaturizer(cues, str(model.manifest.get("language", "en")),
                                events=model.manifest.get("event_copies", [])).fit([])
    return Pipeline([("features", featurizer), ("vectorize", vectorize), ("classify", classify)])


def _calibrated_svm(model: CalibratedSvmModel) -> Any:
    """A fitted ``CalibratedClassifierCV(LinearSVC, method="sigmoid")`` holding the arrays of
    ``model``: per calibration fold, a ``LinearSVC`` with the fold's one-vs-rest coefficients
    and intercepts, and one sigmoid calibrator per label with its ``a`` and ``b``.

    It is what ``CalibratedClassifierCV.fit`` leaves, so its ``predict_proba`` is scikit-learn's
    own (the mean over the folds of the normalised sigmoids), and its folds can be read as
    after training (``calibrated_classifiers_[f].estimator.coef_``).
    """
    # scikit-learn has no public constructor for a fitted fold: _CalibratedClassifier and
    # _SigmoidCalibration, private, are what ``fit`` builds. The version is pinned (PINNED,
    # recorded in the manifest), and a test checks the rebuilt probabilities against the
    # run-time model's.
    from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier, _SigmoidCalibration
    from sklearn.svm import LinearSVC

    C = model.manifest.get("params", {}).get("C", DEFAULT_SVM_C)
    classes = np.array(model.labels)
    n_features = len(model.idf)
    folds = []
    for coef, intercept, a, b in zip(model.fold_coef, model.fold_intercept, model.sigmoid_a, model.sigmoid_b,
                                     strict=True):
        svm = LinearSVC(C=C)
        svm.coef_, svm.intercept_, svm.classes_, svm.n_features_in_ = coef, intercept, classes, n_features
        calibrators = []
        for a_label, b_label in zip(a.tolist(), b.tolist(), strict=True):
            sigmoid = _SigmoidCalibration()
            sigmoid.a_, sigmoid.b_ = a_label, b_label
            calibrators.append(sigmoid)
        folds.append(_CalibratedClassifier(svm, calibrators, classes=classes, method="sigmoid"))
    calibrated = CalibratedClassifierCV(LinearSVC(C=C), method="sigmoid", cv=len(folds))
    calibrated.calibrated_classifiers_, calibrated.classes_, calibrated.n_features_in_ = folds, classes, n_features
    return calibrated


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
