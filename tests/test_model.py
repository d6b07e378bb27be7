"""The model machinery, on a tiny corpus written here (not the project's data)."""

import pickle

import numpy as np
import pytest
from tiny import csv_rows

from pipeline.corpus import load_corpus
from pipeline.errors import StanceError
from pipeline.features import feature_key
from pipeline.model import WEIGHTS_FILE, LinearStanceModel, fit, load_model, load_pipeline, save_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, dictionary, config):
    folder = tmp_path_factory.mktemp("train")
    (folder / "tiny.csv").write_text(csv_rows())
    corpus = load_corpus(folder, dictionary)
    trained = fit(corpus, config, C=1.0)
    return corpus, trained


def test_array_model_matches_scikit_learn(tiny):
    corpus, trained = tiny
    ours = trained.linear.predict_proba(corpus.pairs)
    theirs = trained.pipeline.predict_proba(corpus.pairs)
    assert list(trained.linear.labels) == list(trained.pipeline.classes_)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_save_load_roundtrip_and_trust(tiny, tmp_path):
    corpus, trained = tiny
    save_model(trained, tmp_path / "m")
    with pytest.raises(StanceError, match="--trust-model"):
        load_model(tmp_path / "m")
    loaded = load_model(tmp_path / "m", trust=True)
    np.testing.assert_allclose(loaded.predict_proba(corpus.pairs), trained.pipeline.predict_proba(corpus.pairs))
    assert load_pipeline(tmp_path / "m", trust=True).classes_.tolist() == list(loaded.labels)
    # The names are the Pipeline's, in the order of the run-time columns, read on demand.
    names = trained.pipeline.named_steps["vectorize"].get_feature_names_out().tolist()
    assert loaded._terms is None
    assert sorted(loaded.terms) == sorted(names) and loaded.terms == trained.linear.terms
    assert [feature_key(t) for t in loaded.terms] == loaded.keys.tolist()


def test_model_goes_to_worker_processes_whole(tiny, tmp_path):
    corpus, trained = tiny
    save_model(trained, tmp_path / "m")
    copy = pickle.loads(pickle.dumps(load_model(tmp_path / "m", trust=True)))
    np.testing.assert_array_equal(copy.predict_proba(corpus.pairs), trained.linear.predict_proba(corpus.pairs))
    assert copy.terms == trained.linear.terms


def test_altered_model_is_refused(tiny, tmp_path):
    _, trained = tiny
    save_model(trained, tmp_path / "m")
    with open(tmp_path / "m" / WEIGHTS_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(StanceError, match="does not match its manifest"):
        load_model(tmp_path / "m", trust=True)


def test_the_inspectable_pipeline_is_rebuilt_without_pickle(tiny, tmp_path):
    corpus, trained = tiny
    save_model(trained, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["manifest.json", "weights.npz"]
    pipeline = load_pipeline(tmp_path / "m", trust=True)
    np.testing.assert_allclose(pipeline.predict_proba(corpus.pairs), trained.pipeline.predict_proba(corpus.pairs),
                               atol=1e-12)


def test_missing_model_says_train(tmp_path):
    with pytest.raises(StanceError, match="make train"):
        load_model(tmp_path / "nothing", trust=True)


def test_model_explains_itself(tiny):
    corpus, trained = tiny
    top = trained.linear.explain(corpus.pairs[0], "oppose", top=3)
    assert len(top) == 3 and all(isinstance(f, str) and isinstance(w, float) for f, w in top)


def test_key_lookup_finds_every_key_when_homes_collide():
    """Keys that share their top bits share a home slot: linear probing must still find each
    one, and answer -1 for keys the model does not know, wherever their probe ends."""
    rng = np.random.default_rng(0)
    crowded = [(7 << 58) + i for i in range(40)]  # one home slot for all forty
    scattered = rng.integers(0, 2**63, size=200, dtype=np.uint64).tolist()
    keys = np.array(crowded + scattered + [2**64 - 1, 0], dtype=np.uint64)
    model = LinearStanceModel(lambda: [], np.ones(len(keys)), np.zeros((4, len(keys))), np.zeros(4),
                              ["neutral", "none", "oppose", "support"], keys=keys)
    found = model.columns(keys)
    assert (model.keys[found] == keys).all()
    unknown = np.array([(7 << 58) + 40, (7 << 58) + 1000, 12345, 2**64 - 2], dtype=np.uint64)
    assert (model.columns(unknown) == -1).all()
