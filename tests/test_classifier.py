"""The classifier interface: the calibrated SVM as arrays, saved and loaded without pickle."""

import json
import shutil

import numpy as np
import pytest

from pipeline.config import TargetConfig, schema_errors
from pipeline.corpus import load_corpus
from pipeline.errors import StanceError
from pipeline.model import (
    MANIFEST_FILE,
    WEIGHTS_FILE,
    CalibratedSvmModel,
    LinearStanceModel,
    StanceClassifier,
    fit,
    load_model,
    load_pipeline,
    save_model,
)
from pipeline.read import Article
from pipeline.runner import StancePipeline


@pytest.fixture(scope="module")
def svm(tmp_path_factory, dictionary, config):
    """An SVM fitted on two of the project's smaller training files (some 800 pairs: enough
    for three stratified calibration folds of every label)."""
    folder = tmp_path_factory.mktemp("train")
    for name in ("audit-additions.csv", "background-requests.csv"):
        shutil.copy(config.train_path / name, folder / name)
    corpus = load_corpus(folder, dictionary, config.home_government, config.principals, config.name)
    return corpus, fit(corpus, config, kind="svm")


def test_svm_arrays_match_scikit_learn(svm):
    corpus, trained = svm
    model = trained.linear
    assert isinstance(model, CalibratedSvmModel) and model.kind == "svm" and trained.manifest["kind"] == "svm"
    assert len(corpus.pairs) >= 300
    assert model.fold_coef.shape == (3, 4, model.n_features) and model.sigmoid_a.shape == (3, 4)
    ours = model.predict_proba(corpus.pairs)
    theirs = trained.pipeline.predict_proba(corpus.pairs)
    assert list(model.labels) == [str(c) for c in trained.pipeline.classes_]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_svm_saved_as_arrays_and_loaded_without_pickle(svm, tmp_path, config):
    corpus, trained = svm
    save_model(trained, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [MANIFEST_FILE, WEIGHTS_FILE]
    assert json.loads((tmp_path / "m" / MANIFEST_FILE).read_text())["kind"] == "svm"
    with np.load(tmp_path / "m" / WEIGHTS_FILE, allow_pickle=False) as npz:  # plain arrays only
        assert {"coef", "intercept", "sigmoid_a", "sigmoid_b"} <= set(npz.files)
    loaded = load_model(tmp_path / "m", trust=True)
    assert isinstance(loaded, CalibratedSvmModel)
    np.testing.assert_allclose(loaded.predict_proba(corpus.pairs), trained.pipeline.predict_proba(corpus.pairs),
                               rtol=0, atol=1e-9)
    assert loaded.explain(corpus.pairs[0], "oppose", top=3)
    # The runtime takes any StanceClassifier.
    pipeline = StancePipeline(config, model=loaded)
    assert pipeline.model is loaded and isinstance(loaded, StanceClassifier)


def test_with_model_classifies_with_that_model_and_rebuilds_nothing(svm, config, stance_pipeline):
    """Scoring several models on the same articles (training's evaluation) shares the actor
    stages: the copy classifies as a pipeline built for that model would."""
    model = svm[1].linear
    other = stance_pipeline.with_model(model)
    assert other.model is model and stance_pipeline.model is not model
    assert other.matcher is stance_pipeline.matcher and other.dictionary is stance_pipeline.dictionary
    article = Article("t", "Argentina rejected the result, and Russia congratulated Maduro on his victory.", "t.txt")
    cells = [(c.actor, c.stance, round(c.confidence, 9)) for c in other.analyze(article).cells]
    built = StancePipeline(config, model=model).analyze(article).cells
    assert cells == [(c.actor, c.stance, round(c.confidence, 9)) for c in built]
    assert cells != [(c.actor, c.stance, round(c.confidence, 9)) for c in stance_pipeline.analyze(article).cells]


def test_svm_pipeline_is_rebuilt_without_pickle(svm, tmp_path):
    """load_pipeline rebuilds the calibrated SVM as a fitted CalibratedClassifierCV whose
    probabilities are the run-time model's (and the trained Pipeline's)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    corpus, trained = svm
    save_model(trained, tmp_path / "m")
    loaded = load_model(tmp_path / "m", trust=True)
    pipeline = load_pipeline(tmp_path / "m", trust=True)
    classify = pipeline.named_steps["classify"]
    assert isinstance(classify, CalibratedClassifierCV) and len(classify.calibrated_classifiers_) == 3
    assert all(isinstance(fold.estimator, LinearSVC) for fold in classify.calibrated_classifiers_)
    assert pipeline.classes_.tolist() == list(loaded.labels)
    ours = pipeline.predict_proba(corpus.pairs)
    np.testing.assert_allclose(ours, loaded.predict_proba(corpus.pairs), rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours, trained.pipeline.predict_proba(corpus.pairs), rtol=0, atol=1e-9)
    assert pipeline.predict(corpus.pairs).tolist() == trained.pipeline.predict(corpus.pairs).tolist()


def test_logistic_manifest_records_its_kind(svm, tmp_path, config):
    corpus, _ = svm
    trained = fit(corpus, config, C=1.0)
    assert trained.manifest["kind"] == "logistic" and type(trained.linear) is LinearStanceModel
    assert isinstance(trained.linear, StanceClassifier)


def test_unknown_kind_is_refused(svm, tmp_path):
    _, trained = svm
    save_model(trained, tmp_path / "m")
    path = tmp_path / "m" / MANIFEST_FILE
    path.write_text(json.dumps(dict(json.loads(path.read_text()), kind="forest")))
    with pytest.raises(StanceError, match="unknown classifier kind 'forest'"):
        load_model(tmp_path / "m", trust=True)


def test_classifier_key_is_validated(tmp_path):
    base = {"name": "t", "actors": "a.toml", "train": "t", "model": "m"}
    assert schema_errors(dict(base, classifier="svm")) == []
    assert any("'classifier' must be one of" in e for e in schema_errors(dict(base, classifier="forest")))
    assert any("'classifier' must be a string" in e for e in schema_errors(dict(base, classifier=1)))
    target = tmp_path / "t.toml"
    target.write_text('name = "t"\nactors = "a.toml"\ntrain = "t"\nmodel = "m"\nclassifier = "svm"\n')
    assert TargetConfig.load(target).classifier == "svm"
    target.write_text('name = "t"\nactors = "a.toml"\ntrain = "t"\nmodel = "m"\n')
    assert TargetConfig.load(target).classifier == "logistic"


def test_svm_needs_three_pairs_of_every_label(svm, config):
    corpus, _ = svm
    keep = [i for i, label in enumerate(corpus.labels) if label != "neutral"]
    keep += [i for i, label in enumerate(corpus.labels) if label == "neutral"][:2]
    with pytest.raises(StanceError, match="at least 3 training pairs of every label"):
        fit(corpus.subset(keep), config, kind="svm")
