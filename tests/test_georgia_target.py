"""The fourth shipped event, Georgian Dream's disputed victory of 2024: its files load, its
corpus is clean, and its dictionary resolves the event's own phrases (bare "Georgia" is the
place, "Tbilisi" names the government, "the new president" is Kavelashvili)."""

from __future__ import annotations

import pytest

from pipeline.actors import ActorDictionary, ActorMatcher
from pipeline.config import TargetConfig
from pipeline.corpus_check import check

TARGET = "georgia-2024"


@pytest.fixture(scope="module")
def georgia() -> TargetConfig:
    return TargetConfig.load(TARGET)


@pytest.fixture(scope="module")
def georgia_dictionary(georgia) -> ActorDictionary:
    return ActorDictionary.load(georgia.actors_path)


def test_target_trains_the_shared_model(georgia, config):
    assert georgia.model_dir == config.model_dir
    assert georgia.home_government == "Government of Georgia"
    assert georgia.cues and georgia.cues != config.cues
    for path in (georgia.actors_path, georgia.train_path, georgia.samples_path, georgia.samples_gold):
        assert path.exists(), path


def test_principals_have_their_camps(georgia, georgia_dictionary):
    camps = {name: georgia_dictionary.actors[name].camp for name in georgia.principals}
    pro = {"Georgian Dream", "Irakli Kobakhidze", "Bidzina Ivanishvili"}
    assert {camps[n] for n in pro} == {"pro"}
    assert {camps[n] for n in georgia.principals if n not in pro} == {"anti"}


def test_corpus_is_clean(georgia):
    assert check(georgia) == []


@pytest.mark.parametrize("text, expected", [
    ("Zurabishvili said the vote was rigged.", {"Salome Zourabichvili"}),
    ("Riot police detained protesters in Georgia.", {"Georgian police"}),
    ("Official Tbilisi rejected the European Parliament resolution.", {"Government of Georgia", "European Parliament"}),
    ("The Seimas recognised her as the legitimate president.", {"Lithuania"}),
    ("The new president thanked the electoral college.", {"Mikheil Kavelashvili"}),
    ("The OSCE/ODIHR published its final report.", {"OSCE"}),
    ("Dinamo Tbilisi won at home.", set()),
])
def test_event_phrases_resolve(georgia_dictionary, text, expected):
    found = {m.actor for m in ActorMatcher(georgia_dictionary).find(text)}
    assert found == expected
