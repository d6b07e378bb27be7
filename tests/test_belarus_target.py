"""The third shipped event, Lukashenko's re-election of 2020: its files load, its corpus is
clean, and its dictionary resolves the event's own phrases (bare "Belarus" is the place)."""

from __future__ import annotations

import pytest

from pipeline.actors import ActorDictionary, ActorMatcher
from pipeline.config import TargetConfig
from pipeline.corpus_check import check

TARGET = "belarus-2020"


@pytest.fixture(scope="module")
def belarus() -> TargetConfig:
    return TargetConfig.load(TARGET)


@pytest.fixture(scope="module")
def belarus_dictionary(belarus) -> ActorDictionary:
    return ActorDictionary.load(belarus.actors_path)


def test_target_trains_the_shared_model(belarus, config):
    assert belarus.model_dir == config.model_dir
    assert belarus.home_government == "Government of Belarus"
    assert belarus.cues and belarus.cues != config.cues
    for path in (belarus.actors_path, belarus.train_path, belarus.samples_path, belarus.samples_gold):
        assert path.exists(), path


def test_principals_have_their_camps(belarus, belarus_dictionary):
    camps = {name: belarus_dictionary.actors[name].camp for name in belarus.principals}
    assert camps["Alexander Lukashenko"] == "pro"
    assert {camps[n] for n in belarus.principals if n != "Alexander Lukashenko"} == {"anti"}


def test_corpus_is_clean(belarus):
    assert check(belarus) == []


@pytest.mark.parametrize("text, expected", [
    ("Tikhanovskaya said the vote was rigged.", {"Sviatlana Tsikhanouskaya"}),
    ("Riot police detained protesters in Belarus.", {"Belarusian security forces"}),
    ("Official Minsk rejected the Moscow Mechanism report.", {"Government of Belarus"}),
    ("The Seimas recognised her as the elected leader.", {"Lithuania"}),
    ("Russian state television sent crews to Minsk.", {"Government of Belarus"}),
])
def test_event_phrases_resolve(belarus_dictionary, text, expected):
    found = {m.actor for m in ActorMatcher(belarus_dictionary).find(text)}
    assert found == expected
