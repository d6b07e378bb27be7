"""The shipped events beyond Maduro's that no real articles score (Lukashenko's re-election
of 2020, Georgian Dream's victory of 2024, Castillo's victory of 2021, Ortega's re-election of
2021, Gbagbo's claimed re-election of 2010): their files load, they train the shared model,
their corpora are clean, and their dictionaries resolve each event's own phrases (bare
"Belarus", "Georgia", "Nicaragua" and "Côte d'Ivoire" are places; "official Minsk", "official
Tbilisi" and "official Managua" name the governments; "the Golf Hotel" and Abidjan are venues)."""

from __future__ import annotations

import pytest

from pipeline.actors import ActorDictionary, ActorMatcher
from pipeline.config import TargetConfig
from pipeline.corpus_check import check

# target -> (home government, the principals of the incumbent's camp)
EVENTS = {
    "belarus-2020": ("Government of Belarus", {"Alexander Lukashenko"}),
    "georgia-2024": ("Government of Georgia", {"Georgian Dream", "Irakli Kobakhidze", "Bidzina Ivanishvili"}),
    # Here the "pro" camp is the winner of the run-off, not an incumbent.
    "peru-2021": ("Government of Peru", {"Pedro Castillo", "Perú Libre"}),
    "nicaragua-2021": ("Government of Nicaragua", {"Daniel Ortega", "Rosario Murillo", "Government of Nicaragua",
                                                   "Sandinista National Liberation Front"}),
    "ivory-coast-2010": ("Government of Ivory Coast", {"Laurent Gbagbo", "Government of Ivory Coast"}),
}
PHRASES = [
    ("belarus-2020", "Tikhanovskaya said the vote was rigged.", {"Sviatlana Tsikhanouskaya"}),
    ("belarus-2020", "Riot police detained protesters in Belarus.", {"Belarusian security forces"}),
    ("belarus-2020", "Official Minsk rejected the Moscow Mechanism report.", {"Government of Belarus"}),
    ("belarus-2020", "The Seimas recognised her as the elected leader.", {"Lithuania"}),
    ("belarus-2020", "Russian state television sent crews to Minsk.", {"Government of Belarus"}),
    ("georgia-2024", "Zurabishvili said the vote was rigged.", {"Salome Zourabichvili"}),
    ("georgia-2024", "Riot police detained protesters in Georgia.", {"Georgian police"}),
    ("georgia-2024", "Official Tbilisi rejected the European Parliament resolution.",
     {"Government of Georgia", "European Parliament"}),
    ("georgia-2024", "The Seimas recognised her as the legitimate president.", {"Lithuania"}),
    ("georgia-2024", "The new president thanked the electoral college.", {"Mikheil Kavelashvili"}),
    ("georgia-2024", "The OSCE/ODIHR published its final report.", {"OSCE"}),
    ("georgia-2024", "Dinamo Tbilisi won at home.", set()),
    ("peru-2021", "Keiko said the count was rigged.", {"Keiko Fujimori"}),
    ("peru-2021", "The JNE proclaimed the rural schoolteacher.", {"National Jury of Elections", "Pedro Castillo"}),
    ("peru-2021", "Alberto Fujimori was not allowed to vote.", {"Alberto Fujimori"}),
    ("peru-2021", "Arce Córdova resigned; Luis Arce congratulated Castillo.",
     {"Luis Arce Córdova", "Luis Arce", "Pedro Castillo"}),
    ("peru-2021", "Retired officers wrote to the joint command.", {"Retired officers", "Peruvian armed forces"}),
    ("peru-2021", "The caretaker government asked for patience.", {"Government of Peru"}),
    ("peru-2021", "Voters queued in Lima and across Peru.", set()),
    ("nicaragua-2021", "Official Managua rejected the OAS resolution.",
     {"Government of Nicaragua", "Organization of American States"}),
    ("nicaragua-2021", "The Ortega-Murillo regime jailed Cristiana Chamorro.",
     {"Government of Nicaragua", "Cristiana Chamorro"}),
    ("nicaragua-2021", "The CSE proclaimed the FSLN the winner.",
     {"Supreme Electoral Council", "Sandinista National Liberation Front"}),
    ("nicaragua-2021", "Nicaragua's vice president thanked the Sandinista Youth.",
     {"Rosario Murillo", "Sandinista National Liberation Front"}),
    ("nicaragua-2021", "Urnas Abiertas put abstention above 80 percent.", {"Urnas Abiertas"}),
    ("nicaragua-2021", "Bishop Álvarez refused to board the plane.", {"Rolando Álvarez"}),
    # Bare "Nicaragua" is the place; a lake named after the capital and the former president are no one.
    ("nicaragua-2021", "Violeta Chamorro sailed on Lake Managua in Nicaragua.", set()),
    ("ivory-coast-2010", "Paul Yao N'Dre proclaimed Gbagbo the winner.", {"Paul Yao N'Dré", "Laurent Gbagbo"}),
    ("ivory-coast-2010", "The CEI said ADO had won.", {"Independent Electoral Commission", "Alassane Ouattara"}),
    ("ivory-coast-2010", "Forces loyal to Ouattara entered Yamoussoukro.", {"Republican Forces"}),
    ("ivory-coast-2010", "The Jeunes Patriotes marched on the UNOCI base.", {"Young Patriots", "UNOCI"}),
    ("ivory-coast-2010", "ECOWAS leaders met the AU panel.", {"ECOWAS", "African Union"}),
    ("ivory-coast-2010", "Voters in Côte d'Ivoire queued at the Golf Hotel in Abidjan.", set()),
]


@pytest.fixture(scope="module", params=sorted(EVENTS))
def event(request) -> tuple[TargetConfig, ActorDictionary]:
    target = TargetConfig.load(request.param)
    return target, ActorDictionary.load(target.actors_path)


def test_target_trains_the_shared_model(event, config):
    target, _ = event
    assert target.model_dir == config.model_dir
    assert target.home_government == EVENTS[target.name][0]
    assert target.cues and target.cues != config.cues
    for path in (target.actors_path, target.train_path, target.samples_path, target.samples_gold):
        assert path.exists(), path


def test_principals_have_their_camps(event):
    target, dictionary = event
    incumbent = EVENTS[target.name][1]
    camps = {name: dictionary.actors[name].camp for name in target.principals}
    assert {camps[n] for n in incumbent} == {"pro"}
    assert {camps[n] for n in target.principals if n not in incumbent} == {"anti"}


def test_corpus_is_clean(event):
    assert check(event[0]) == []


@pytest.mark.parametrize("name, text, expected", PHRASES)
def test_event_phrases_resolve(name, text, expected):
    dictionary = ActorDictionary.load(TargetConfig.load(name).actors_path)
    assert {m.actor for m in ActorMatcher(dictionary).find(text)} == expected
