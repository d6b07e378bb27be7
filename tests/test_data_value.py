"""bench/data_value.py: the two fits of a seed differ by the files under test and nothing else."""

import importlib.util
from pathlib import Path

import pytest

from pipeline.corpus import Corpus, Example

ROOT = Path(__file__).resolve().parent.parent


def _data_value():
    spec = importlib.util.spec_from_file_location("data_value", ROOT / "bench" / "data_value.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpus(tmp_path: Path) -> Corpus:
    examples = []
    for file, docs in (("tested.csv", 3), ("other.csv", 40)):
        for doc in range(docs):
            for line in range(2):  # two pairs per doc: a doc is dropped whole
                examples.append(Example(None, "none", f"t:{file}/{doc}", f"{tmp_path / file}:{2 + 2 * doc + line}"))
    return Corpus(examples, [], "")


def test_the_fit_with_the_files_adds_their_pairs_to_the_same_subsample(tmp_path):
    split_for = _data_value().split_for
    corpus = _corpus(tmp_path)
    tested = {i for i, e in enumerate(corpus.examples) if "tested.csv" in e.where}
    without, with_ = split_for(corpus, {(tmp_path / "tested.csv").resolve()}, seed=3, drop=0.25)
    assert set(with_) == set(without) | tested
    assert not set(without) & tested
    dropped_docs = {corpus.examples[i].doc for i in range(len(corpus.examples))} - {corpus.examples[i].doc for i in with_}
    assert dropped_docs and not any("tested.csv" in doc for doc in dropped_docs)
    # Docs are dropped whole, never one pair of a doc.
    kept_docs = {corpus.examples[i].doc for i in with_}
    assert all(corpus.examples[i].doc not in kept_docs for i in range(len(corpus.examples)) if i not in set(with_))


def test_seeds_drop_different_documents_and_no_drop_keeps_everything(tmp_path):
    split_for = _data_value().split_for
    corpus = _corpus(tmp_path)
    files = {(tmp_path / "tested.csv").resolve()}
    assert split_for(corpus, files, 0, 0.25) != split_for(corpus, files, 1, 0.25)
    assert split_for(corpus, files, 0, 0.25) == split_for(corpus, files, 0, 0.25)
    without, with_ = split_for(corpus, files, 0, 0.0)
    assert len(with_) == len(corpus.examples) and len(without) == len(corpus.examples) - 6


def test_a_missing_file_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        _data_value().main([str(tmp_path / "absent.csv")])
    assert stopped.value.code == 2
    assert "no such file" in capsys.readouterr().err
