"""Actor resolution as a careful reader would do it: the table of tricky cases in
tests/data/resolution_cases.tsv (see its header), plus roll-up and dictionary checks."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
from pipeline.aggregate import Cell
from pipeline.config import DEFAULT_TARGET, TargetConfig
from pipeline.errors import StanceError
from pipeline.read import Article, find_date
from pipeline.segment import SentenceSplitter

CASES_FILE = Path(__file__).parent / "data" / "resolution_cases.tsv"
VIAS = ("name", "reference", "pronoun", "group", "government", "heading", "venue")
INFERRED = "+"  # "+Mauro Vieira": an actor the dictionary lacks, inferred from the text


@dataclass(frozen=True)
class Case:
    line: int
    target: str
    level: str
    when: date | None
    sentence: int | None
    text: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    note: str

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.note[:40]}"


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if line.strip() and not line.startswith("#")]
    rows = csv.DictReader((line for _, line in lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    cases = []
    for (number, _), row in zip(lines[1:], rows, strict=True):
        assert None not in row and all(v is not None for v in row.values()), f"line {number}: wrong number of fields"
        cases.append(Case(
            line=number,
            target=row["target"] or DEFAULT_TARGET,
            level=row["level"] or "actor",
            when=date.fromisoformat(row["date"]) if row["date"] else None,
            sentence=int(row["sentence"]) if row["sentence"] else None,
            text=row["text"].replace("\\n", "\n"),
            must=tuple(a for a in row["must"].split(";") if a),
            must_not=tuple(a for a in row["must_not"].split(";") if a),
            note=row["note"],
        ))
    return cases


CASES = read_cases()


@cache
def resolver(target: str) -> tuple[ActorDictionary, ActorMatcher, Coreference]:
    config = TargetConfig.load(target)
    dictionary = ActorDictionary.load(config.actors_path)
    return dictionary, ActorMatcher(dictionary), Coreference(dictionary, config.home_government)


@cache
def pipeline_for(target: str):
    from pipeline.runner import StancePipeline

    return StancePipeline(TargetConfig.load(target))  # the model is loaded only when used: never here


def resolve_case(case: Case) -> set[tuple[str, str]]:
    """``{(actor, via)}`` found in the case's sentence (or text), rolled up at country level, as
    the pipeline resolves them (with the actors the text introduces, written ``+Name``)."""
    sentences = SentenceSplitter().split(case.text)
    when = case.when or find_date(case.text)
    mentions, introduced = pipeline_for(case.target).resolve_actors(sentences, when)
    dictionary = introduced.dictionary
    chosen = mentions if case.sentence is None else [mentions[case.sentence]]
    found = {(m.actor, m.via) for ms in chosen for m in ms}
    if case.level == "country":
        found = {(dictionary.roll_up(actor, when), via) for actor, via in found}
    return {(INFERRED + actor if actor in dictionary and dictionary[actor].inferred else actor, via)
            for actor, via in found}


def test_there_are_enough_cases():
    assert len(CASES) >= 150
    assert {c.target for c in CASES} >= {"maduro-2024", "bolivia-2019"}


def test_cases_name_real_actors():
    for case in CASES:
        dictionary = resolver(case.target)[0]
        names = [m.split("@")[0] for m in case.must] + [m for m in case.must_not if m != "*"]
        unknown = [n for n in names if n not in dictionary and not n.startswith(INFERRED)]
        assert not unknown, f"line {case.line}: not in the {case.target} dictionary: {unknown}"
        vias = [m.split("@")[1] for m in case.must if "@" in m]
        assert set(vias) <= set(VIAS), f"line {case.line}: unknown via in {case.must}"
        assert case.must or case.must_not, f"line {case.line}: nothing to check"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_resolution_case(case: Case):
    found = resolve_case(case)
    actors = {actor for actor, _ in found}
    for expected in case.must:
        actor, _, via = expected.partition("@")
        assert (actor, via) in found if via else actor in actors, f"{expected!r} not found in {sorted(found)}"
    if "*" in case.must_not:
        assert not actors, f"expected no actor, found {sorted(found)}"
    else:
        wrong = actors & set(case.must_not)
        assert not wrong, f"must not find {sorted(wrong)} (found {sorted(found)})"


# --- roll-up -----------------------------------------------------------------------------

def test_roll_up_follows_chains_on_the_date(dictionary):
    assert dictionary.roll_up("Tarek William Saab") == "Government of Venezuela"
    assert dictionary["Tarek William Saab"].speaks_for(None) == "Attorney General of Venezuela"
    assert dictionary.roll_up("Joe Biden", date(2024, 8, 1)) == "United States"
    assert dictionary.roll_up("Joe Biden", date(2025, 2, 1)) == "Joe Biden"
    assert dictionary.roll_up("Joe Biden", None) == "Joe Biden"
    assert dictionary.roll_up("Joe Biden", None, lenient=True) == "United States"
    assert dictionary.roll_up("Colombia") == "Colombia"


@pytest.mark.parametrize("entries, message", [
    ([{"name": "A", "kind": "person", "roles": [{"for": "B"}]}, {"name": "B", "kind": "institution",
                                                                   "roles": [{"for": "A"}]}], "lead back to itself"),
    ([{"name": "A", "kind": "group", "roles": [{"for": "A"}]}], "lead back to itself"),
])
def test_role_cycles_are_refused(entries, message):
    with pytest.raises(StanceError, match=message):
        ActorDictionary.from_entries(entries)


def test_ignore_phrases_are_validated(tmp_path):
    entries = [{"name": "United States", "kind": "country", "aliases": ["Washington"]}]
    with pytest.raises(StanceError, match="also an alias"):
        ActorDictionary.from_entries(entries, ignore=["Washington"])
    with pytest.raises(StanceError, match="'ignore' must be a list"):
        ActorDictionary.from_entries(entries, ignore="Washington Post")
    path = tmp_path / "a.toml"
    path.write_text('ignores = ["x"]\n[[actors]]\nname = "X"\nkind = "country"\n', encoding="utf-8")
    with pytest.raises(StanceError, match="unknown top-level key"):
        ActorDictionary.load(path)


def test_petro_and_colombia_share_one_cell_at_country_level(config):
    """"Colombian President Gustavo Petro": a person and a country, one cell at country level."""
    from pipeline.evaluate import MajorityBaseline
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config, model=MajorityBaseline(["neutral"]))
    article = Article("a1", "Colombian President Gustavo Petro called for the tally sheets.", "a1.txt",
                      date(2024, 8, 1))
    actor_cells = pipeline.analyze(article, level="actor").cells
    country_cells = pipeline.analyze(article, level="country").cells
    assert {c.actor for c in actor_cells} == {"Colombia", "Gustavo Petro"}
    assert [(c.actor, c.stance) for c in country_cells] == [("Colombia", "neutral")]
    assert isinstance(country_cells[0], Cell) and {e.sentence for e in country_cells[0].evidence} == {0}


def test_actors_resolve_command_shows_roll_up_and_date_line(capsys):
    from pipeline.cli import main

    assert main(["actors", "resolve", "Colombian President Gustavo Petro spoke.", "--date", "2024-08-01"]) == 0
    out = capsys.readouterr().out
    assert "Colombian President\tColombia\tname" in out
    assert "Gustavo Petro\tGustavo Petro\tname\t(speaks for Colombia)" in out
    assert main(["actors", "resolve", "Aug 5, 2024\nTarek William Saab spoke. Biden too."]) == 0
    out = capsys.readouterr().out
    assert "Tarek William Saab\tname\t(speaks for Government of Venezuela)" in out
    assert "Joe Biden\tname\t(speaks for United States)" in out


def test_actors_resolve_shows_the_names_classify_would_introduce(capsys):
    """`actors resolve` is how a user checks what a sentence names: a name that classify
    would find without a dictionary entry is shown too, marked, with whom it speaks for."""
    from pipeline.cli import main

    assert main(["actors", "resolve", "Kenyan President William Ruto said the vote was fair."]) == 0
    out = capsys.readouterr().out
    assert "William Ruto\tWilliam Ruto\tname\t(speaks for Kenya)\t(introduced)" in out
    assert "Kenyan President\tKenya\tname\n" in out  # a dictionary actor is not marked
