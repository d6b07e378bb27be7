"""A second target (Evo Morales's disputed re-election, Bolivia 2019) runs end to end from
its own configuration: dictionary, training data, cues, samples. Nothing about the Maduro
dispute is hard-wired. The model is trained here, into a temporary folder."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pipeline.actors import ActorDictionary
from pipeline.cli import main
from pipeline.config import TargetConfig
from pipeline.corpus import load_corpus
from pipeline.evaluate import read_gold, score_cells
from pipeline.model import MANIFEST_FILE, fit, save_model

TARGET = "bolivia-2019"


@pytest.fixture(scope="module")
def bolivia() -> TargetConfig:
    return TargetConfig.load(TARGET)


@pytest.fixture(scope="module")
def bolivia_dictionary(bolivia) -> ActorDictionary:
    return ActorDictionary.load(bolivia.actors_path)


@pytest.fixture(scope="module")
def bolivia_model(bolivia, bolivia_dictionary, tmp_path_factory):
    corpus = load_corpus(bolivia.train_path, bolivia_dictionary, bolivia.home_government)
    folder = tmp_path_factory.mktemp("models") / TARGET
    save_model(fit(corpus, bolivia), folder)
    return folder, corpus


def test_target_has_its_own_files(bolivia, config):
    assert bolivia.name == TARGET and config.name != TARGET
    for path in (bolivia.actors_path, bolivia.train_path, bolivia.samples_path, bolivia.samples_gold):
        assert path.exists() and TARGET in str(path)
    assert bolivia.model_dir == config.model_dir  # one model learns from both events
    assert bolivia.cues and bolivia.cues != config.cues
    assert bolivia.home_government == "Government of Bolivia"


def test_training_data_is_large_enough_and_resolvable(bolivia_model):
    _, corpus = bolivia_model
    assert len(corpus.examples) >= 300
    assert min(corpus.distribution().values()) >= 40
    assert len({e.doc for e in corpus.examples}) >= 50


def classify(folder, *extra) -> tuple[int, list[list[str]]]:
    bolivia = TargetConfig.load(TARGET)
    out = folder.parent / f"matrix-{len(extra)}.csv"
    code = main(["classify", str(bolivia.samples_path), "--target", TARGET, "--model", str(folder),
                 "--trust-model", "-q", "-o", str(out), *extra])
    with open(out, newline="", encoding="utf-8") as handle:
        return code, list(csv.reader(handle))


def test_cli_classifies_the_samples_with_the_targets_actors(bolivia, bolivia_dictionary, bolivia_model, dictionary):
    folder, _ = bolivia_model
    assert json.loads((folder / MANIFEST_FILE).read_text())["targets"] == [TARGET]
    code, rows = classify(folder)
    assert code == 0
    assert rows[0] == ["actor", "count-dispute", "resignation", "interim-government"]  # date order
    actors = {row[0] for row in rows[1:]}
    assert actors <= set(bolivia_dictionary.actors)
    assert {"Evo Morales", "Carlos Mesa", "Supreme Electoral Tribunal", "Organization of American States",
            "Jeanine Áñez", "Interim government of Bolivia", "Bolivian armed forces"} <= actors
    assert not actors & (set(dictionary.actors) - set(bolivia_dictionary.actors))  # no Maduro-only actor
    cells = {(article, row[0]): value for row in rows[1:] for article, value in zip(rows[0][1:], row[1:], strict=True)
             if value}
    gold = read_gold(bolivia.samples_gold)
    scores = score_cells(gold, cells)
    assert scores.accuracy >= 0.6, scores


def test_country_level_follows_the_dated_roles_of_the_target(bolivia_model, capsys):
    folder, _ = bolivia_model
    capsys.readouterr()
    bolivia = TargetConfig.load(TARGET)
    code = main(["classify", str(bolivia.samples_path), "--target", TARGET, "--model", str(folder), "--trust-model",
                 "-q", "--level", "country", "--format", "long"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_article = {}
    for row in rows:
        by_article.setdefault(row["article"], set()).add(row["actor"])
    # Oct 26 (date line): Morales and the tribunal speak for his government.
    assert "Government of Bolivia" in by_article["count-dispute"]
    assert not by_article["count-dispute"] & {"Evo Morales", "Supreme Electoral Tribunal", "Carlos Mesa"}
    # Nov 14: he has resigned and speaks for himself; Áñez speaks for the interim government.
    assert "Evo Morales" in by_article["interim-government"]
    assert "Interim government of Bolivia" in by_article["interim-government"]
    assert not by_article["interim-government"] & {"Jeanine Áñez", "Mike Pompeo"}


def test_actors_commands_take_the_target(capsys):
    assert main(["actors", "list", "--target", TARGET]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("Evo Morales\tperson [pro]") and "Nicolás Maduro\tperson" in listed
    assert main(["actors", "resolve", "--target", TARGET, "The electoral body declared Morales the winner."]) == 0
    assert "Supreme Electoral Tribunal" in capsys.readouterr().out
