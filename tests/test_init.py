"""`stance init`, `stance actors list --generated`, every dictionary error in one run, and
training that skips a target without labelled data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.actors import ActorDictionary
from pipeline.cli import main
from pipeline.config import TargetConfig
from pipeline.dictionary_check import dictionary_errors, generated_phrases
from pipeline.training import trainable_corpora


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    from pipeline.config import project_root

    (tmp_path / "data" / "actors").mkdir(parents=True)
    shutil.copy(project_root() / "data" / "actors" / "world.toml", tmp_path / "data" / "actors")  # the shared base
    monkeypatch.setenv("STANCE_HOME", str(tmp_path))
    return tmp_path


def test_init_writes_a_valid_target_and_refuses_to_overwrite(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "new-2025", "--from", "maduro-2024"]) == 0
    config = TargetConfig.load("new-2025")
    assert config.model_dir == home / "models" / "general"
    assert (home / "data" / "train" / "new-2025" / "GUIDELINES.md").is_file()
    assert not list((home / "data" / "train" / "new-2025").glob("*.csv"))
    guidelines = (home / "data" / "train" / "new-2025" / "GUIDELINES.md").read_text()
    for question in ("new elections", "security forces", "interim government", "abstentions"):
        assert question in guidelines
    # Generic cue words only: nothing that names Venezuela's dispute.
    assert "reject" in config.cues["oppose"] and "third term" not in config.cues["support"]
    assert "actas" not in config.cues["neutral"]
    dictionary = ActorDictionary.load(config.actors_path)
    assert all(name in dictionary for name in config.principals)
    import tomllib

    own = tomllib.loads(config.actors_path.read_text(encoding="utf-8"))["actors"]
    assert not any(entry["kind"] == "country" for entry in own)  # countries come from the world base...
    assert "Brazil" in dictionary and dictionary["Brazil"].kind == "country"  # ...which the dictionary includes
    capsys.readouterr()
    before = (home / "targets" / "new-2025.toml").read_text()
    assert main(["init", "new-2025"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert (home / "targets" / "new-2025.toml").read_text() == before


def test_init_fills_the_dictionary_from_the_country_the_incumbent_and_the_rivals(home: Path) -> None:
    from pipeline.actors import ActorMatcher

    assert main(["init", "peru-2026", "--country", "Peru", "--incumbent", "Ana Torres", "--rival", "Luis Vega",
                 "--rival", "Rosa Quispe"]) == 0
    config = TargetConfig.load("peru-2026")
    assert list(config.principals) == ["Ana Torres", "Government of Peru", "Luis Vega", "Rosa Quispe", "Peruvian opposition"]
    assert config.home_government == "Government of Peru"
    dictionary = ActorDictionary.load(config.actors_path)
    assert dictionary_errors(config.actors_path) == []
    assert {name: dictionary[name].camp for name in config.principals} == {
        "Ana Torres": "pro", "Government of Peru": "pro", "Luis Vega": "anti", "Rosa Quispe": "anti",
        "Peruvian opposition": "anti"}
    assert "Peru" not in dictionary  # bare "Peru" is the place: its government and opposition are the actors
    matcher = ActorMatcher(dictionary)
    found = {m.text: m.actor for m in matcher.find(
        "Torres said the Peruvian government in Lima would not yield; Vega and Peruvian armed forces disagreed.")}
    assert found == {"Torres": "Ana Torres", "the Peruvian government": "Government of Peru", "Lima": "Government of Peru",
                     "Vega": "Luis Vega", "Peruvian armed forces": "Peruvian armed forces"}
    assert dictionary.roll_up("Ana Torres") == "Government of Peru"


def test_init_aliases_the_name_in_use_of_a_longer_name(home: Path) -> None:
    """"Issa Tchiroma Bakary" is "Tchiroma" in the news, "Edmundo González Urrutia" "González":
    the word before the last is an alias too, and so is a particle with the surname."""
    from pipeline.actors import ActorMatcher

    assert main(["init", "cmr-2025", "--country", "Peru", "--incumbent", "Ana María Torres Vega",
                 "--rival", "Issa Tchiroma Bakary", "--rival", "Luiz Inácio Lula da Silva"]) == 0
    dictionary = ActorDictionary.load(TargetConfig.load("cmr-2025").actors_path)
    found = {m.text: m.actor for m in ActorMatcher(dictionary).find("Tchiroma, Torres and da Silva met.")}
    assert found == {"Tchiroma": "Issa Tchiroma Bakary", "Torres": "Ana María Torres Vega",
                     "da Silva": "Luiz Inácio Lula da Silva"}
    # The wire's words for the event's own electoral body and top court name them from the start.
    found = {m.text: m.actor for m in ActorMatcher(dictionary).find(
        "Peru's electoral commission declared her the winner and the top court upheld it.")}
    assert found == {"Peru's electoral commission": "Electoral body", "the top court": "Supreme court"}


def test_the_world_base_people_of_the_event_country_speak_for_its_government(home: Path) -> None:
    """The world base has Brazil's presidents and foreign ministers speak for Brazil; an event
    in Brazil excludes the country, so init gives them the event's government, on the same
    dates (before, the dictionary did not load: a role for an unknown actor)."""
    from datetime import date

    world = ActorDictionary.load(home / "data" / "actors" / "world.toml")
    leaders = [a.name for a in world if any(r.speaks_for == "Brazil" for r in a.roles)]
    assert "Jair Bolsonaro" in leaders
    assert main(["init", "brazil-2030", "--country", "Brazil", "--incumbent", "Ana Souza"]) == 0
    config = TargetConfig.load("brazil-2030")
    assert dictionary_errors(config.actors_path) == []
    dictionary = ActorDictionary.load(config.actors_path)
    assert "Brazil" not in dictionary
    for name in leaders:
        assert [r.speaks_for for r in dictionary[name].roles] == ["Government of Brazil"]
        assert dictionary[name].aliases == world[name].aliases  # extended, not re-declared
    assert dictionary.roll_up("Jair Bolsonaro", date(2020, 5, 1)) == "Government of Brazil"
    assert dictionary.roll_up("Jair Bolsonaro", date(2024, 5, 1)) == "Jair Bolsonaro"  # out of office


def test_excluding_a_country_drops_the_base_roles_for_it(tmp_path: Path) -> None:
    import shutil

    from pipeline.config import project_root

    shutil.copy(project_root() / "data" / "actors" / "world.toml", tmp_path)
    (tmp_path / "event.toml").write_text('include = ["world.toml"]\nexclude = ["Brazil"]\n\n[[actors]]\n'
                                         'name = "Government of Brazil"\nkind = "institution"\naliases = ["Brasília"]\n')
    dictionary = ActorDictionary.load(tmp_path / "event.toml")
    assert dictionary["Jair Bolsonaro"].roles == ()  # he speaks for himself unless the file says otherwise
    assert dictionary["Alberto Fernández"].roles  # other countries' people keep theirs


def test_init_knows_the_countries_the_world_base_leaves_out(home: Path) -> None:
    """Georgia is not in the world base (bare "Georgia" is also the US state), but an event
    there still gets its government, opposition and armed forces, and nothing is excluded."""
    from pipeline.actors import ActorMatcher

    assert "Georgia" not in ActorDictionary.load(home / "data" / "actors" / "world.toml")
    assert main(["init", "georgia-2028", "--country", "Georgia", "--incumbent", "Nino Beridze"]) == 0
    config = TargetConfig.load("georgia-2028")
    assert dictionary_errors(config.actors_path) == []
    dictionary = ActorDictionary.load(config.actors_path)
    assert "Georgia" not in dictionary and "Government of Georgia" in config.principals
    found = {m.text: m.actor for m in ActorMatcher(dictionary).find(
        "Tbilisi said the Georgian opposition was wrong, and Georgian armed forces stayed in barracks in Georgia.")}
    assert found == {"Tbilisi": "Government of Georgia", "the Georgian opposition": "Georgian opposition",
                     "Georgian armed forces": "Georgian armed forces"}


def test_init_refuses_a_country_the_world_base_lacks(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "x-2026", "--country", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Atlantis" in err and "world base" in err
    assert not (home / "targets").exists() and not (home / "data" / "actors" / "x-2026.toml").exists()


def test_init_refuses_a_bad_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "New Event"]) == 2
    assert "lower-case" in capsys.readouterr().err
    assert not (home / "targets").exists()


def test_training_skips_a_target_without_labels(home: Path) -> None:
    assert main(["init", "new-2025"]) == 0
    notes: list[str] = []
    with pytest.raises(Exception, match="no labelled data"):
        trainable_corpora([TargetConfig.load("new-2025")], notes.append)
    assert notes and "skipped" in notes[0]


def test_generated_phrases_show_demonyms_and_capitalised_forms() -> None:
    dictionary = ActorDictionary.from_entries([
        {"name": "Chile", "kind": "country", "demonym": "Chilean"},
        {"name": "Electoral body", "kind": "institution", "aliases": ["the electoral council"]},
    ])
    chile = generated_phrases(dictionary["Chile"])
    assert "Chilean officials" in chile and "the Chilean government" in chile and "The Chilean government" in chile
    assert "Chile's president" in chile
    assert generated_phrases(dictionary["Electoral body"]) == ["Electoral body", "the electoral council",
                                                               "The electoral council"]


def test_every_dictionary_error_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('''
[[actors]]
name = "A"
kind = "nation"

[[actors]]
name = "B"
kind = "person"
aliases = ["us"]

[[actors]]
name = "C"
kind = "person"
aliases = ["Cee"]
roles = [{ for = "Nobody" }]

[[actors]]
name = "D"
kind = "person"
aliases = ["Cee"]
''', encoding="utf-8")
    errors = dictionary_errors(path)
    assert len(errors) == 4
    assert any("entry 1" in e and "kind" in e for e in errors)
    assert any("common word" in e for e in errors)
    assert any("Nobody" in e for e in errors)
    assert any("'Cee' names both" in e for e in errors)


def test_actors_list_reports_all_errors(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "new-2025"]) == 0
    path = home / "data" / "actors" / "new-2025.toml"
    path.write_text(path.read_text().replace('kind = "group"', 'kind = "crowd"').replace('camp = "anti"\ngender',
                                                                                         'camp = "left"\ngender'))
    capsys.readouterr()
    assert main(["actors", "list", "--target", "new-2025"]) == 2
    assert capsys.readouterr().err.count("stance: error:") == 2
    path.write_text(path.read_text().replace('"crowd"', '"group"').replace('"left"', '"anti"'))
    assert main(["actors", "list", "--target", "new-2025", "--generated"]) == 0
    assert "\tThe incumbent\n" in capsys.readouterr().out
