import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.actors import ActorDictionary, AliasTrie, after_former, coordinated_lists, fold
from pipeline.actors.text import fold_table
from pipeline.errors import StanceError
from pipeline.segment import SentenceSplitter


def names(matcher, text):
    return [m.actor for m in matcher.find(text)]


@pytest.mark.parametrize("text", ["Washington said so.", "the Biden administration said so.", "The U.S. said so.",
                                  "The United States said so.", "US officials said so.", "the USA said so."])
def test_united_states_aliases(matcher, text):
    assert names(matcher, text) == ["United States"]


@pytest.mark.parametrize("text", ["Let us wait.", "The union rejected it.", "A chilly day.",
                                  "Peruvian food is good.", "Santiago Peña spoke."])
def test_precision(matcher, text):
    assert "United States" not in names(matcher, text)
    assert "Chile" not in names(matcher, text)
    assert "Peru" not in names(matcher, text)


def test_accents_are_optional_and_offsets_kept(matcher):
    text = "Nicolas Maduro met Edmundo Gonzalez Urrutia in Bogota."
    found = matcher.find(text)
    assert [m.actor for m in found] == ["Nicolás Maduro", "Edmundo González", "Colombia"]
    assert all(text[m.start:m.end] == m.text for m in found)


def test_longest_alias_wins(matcher):
    assert names(matcher, "Chávez's successor spoke.") == ["Nicolás Maduro"]
    assert names(matcher, "Colombian President Gustavo Petro spoke.") == ["Colombia", "Gustavo Petro"]


def test_former_officials_do_not_speak_for_their_country(matcher):
    assert names(matcher, "Former Colombian President Iván Duque said so.") == ["Iván Duque"]  # himself only
    assert names(matcher, "a former U.S. ambassador said so.") == []


def test_officials_elected_but_not_in_office_do_not_speak_for_their_country(matcher):
    # A president-elect's words are his own until he takes office (the gold's convention).
    assert names(matcher, "The incoming Colombian president said so.") == []
    assert names(matcher, "The newly-elected Colombian President Iván Duque said so.") == ["Iván Duque"]
    assert names(matcher, "Newly elected Colombian President Iván Duque said so.") == ["Iván Duque"]
    assert names(matcher, "The outgoing Colombian President Iván Duque said so.") == ["Colombia", "Iván Duque"]


def test_fold_keeps_length():
    text = "Nicolás “González” – Brasília’s"
    assert len(fold(text)) == len(text)
    assert fold(text) == "Nicolas “Gonzalez” - Brasilia's"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("aZ .,'`´’‘\t\u00a0\u2011–—“éÉñçøßłŁ€中\U0001f600")))
def test_fold_replaces_each_character_through_the_table(text):
    assert fold(text) == text.translate(fold_table())


def resolve(matcher, coreference, text):
    sentences = SentenceSplitter().split(text)
    out = coreference.resolve(sentences, [matcher.find(s.text) for s in sentences])
    return [sorted({(m.actor, m.via) for m in mentions}) for mentions in out]


def test_group_references_resolve_to_every_listed_actor(matcher, coreference):
    text = ("Mexico, Colombia and Brazil issued a statement. The three governments asked for the records. "
            "They also called for calm.")
    _, second, third = resolve(matcher, coreference, text)
    expected = [("Brazil", "group"), ("Colombia", "group"), ("Mexico", "group")]
    assert second == expected and third == expected


def test_group_size_must_match(matcher, coreference):
    text = "Chile and Peru rejected it. Mexico, Colombia and Brazil waited. Both countries then spoke."
    assert resolve(matcher, coreference, text)[2] == [("Chile", "group"), ("Peru", "group")]


def test_pronouns_prefer_the_previous_subject(matcher, coreference):
    text = "Maduro met Lula in Caracas. He said the vote was clean."
    assert ("Nicolás Maduro", "pronoun") in resolve(matcher, coreference, text)[1]


def test_pronoun_gender_and_no_guessing(matcher, coreference):
    text = "Machado spoke to Maduro. She called for pressure. It rained."
    resolved = resolve(matcher, coreference, text)
    assert ("María Corina Machado", "pronoun") in resolved[1]
    assert resolved[2] == []
    assert resolve(matcher, coreference, "He said nothing.") == [[]]


def test_list_heading_governs_its_line(matcher, coreference):
    text = "Argentina and Uruguay: the two governments rejected the count. Milei also spoke.\nBrazil: waited."
    resolved = resolve(matcher, coreference, text)
    assert ("Argentina", "heading") in resolved[1] and ("Uruguay", "heading") in resolved[1]
    assert all(a != "Argentina" for a, _ in resolved[2])


def test_the_government_falls_back_to_the_home_government(matcher, coreference):
    assert resolve(matcher, coreference, "The government denied it.") == [[("Government of Venezuela", "government")]]
    assert ("Brazil", "government") in resolve(matcher, coreference, "Brazil spoke. The government asked.")[1]


def test_coordinated_lists(matcher):
    text = "the UN, EU, and USA demanded it while Chile and Peru"
    assert coordinated_lists(text, matcher.find(text)) == [["United Nations", "European Union", "United States"],
                                                          ["Chile", "Peru"]]


def test_roles_over_time(dictionary):
    from datetime import date

    assert dictionary["Joe Biden"].speaks_for(date(2024, 8, 1)) == "United States"
    assert dictionary["Joe Biden"].speaks_for(date(2025, 2, 1)) == "Joe Biden"
    assert dictionary["Donald Trump"].speaks_for(date(2025, 2, 1)) == "United States"
    assert dictionary["Joe Biden"].speaks_for(None) == "Joe Biden"
    assert dictionary["Nicolás Maduro"].speaks_for(None) == "Government of Venezuela"


@pytest.mark.parametrize("entries, message", [
    ([{"name": "X"}], "kind must be one of"),
    ([{"name": "X", "kind": "country", "aliases": ["us"]}], "common word"),
    ([{"name": "X", "kind": "country"}, {"name": "X", "kind": "country"}], "duplicate actor name"),
    ([{"name": "X", "kind": "country", "aliases": ["Y"]}, {"name": "Y", "kind": "country"}], "names both"),
    ([{"name": "X", "kind": "person", "roles": [{"for": "Nobody"}]}], "unknown actor 'Nobody'"),
    ([{"name": "X", "kind": "person", "colour": "red"}], "unknown key"),
    ([{"kind": "person"}], "missing 'name'"),
    ([{"name": "UN: Human Rights Council", "kind": "organisation"}], "must not contain ':'"),
])
def test_malformed_dictionary_names_the_entry(entries, message):
    with pytest.raises(StanceError, match=message):
        ActorDictionary.from_entries(entries)


def test_bad_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text("[[actors]\nname=")
    with pytest.raises(StanceError, match="not valid TOML"):
        ActorDictionary.load(path)


def test_dictionary_covers_every_gold_actor(dictionary, shared_eval):
    import csv

    with open(shared_eval / "gold.csv", encoding="utf-8") as handle:
        actors = {row["actor"] for row in csv.DictReader(handle)}
    assert actors <= set(dictionary.actors)


def test_every_gold_actor_is_found_in_its_article(shared_eval, stance_pipeline):
    import csv

    from pipeline.read import read_source

    with open(shared_eval / "gold.csv", encoding="utf-8") as handle:
        gold = [(row["article"], row["actor"]) for row in csv.DictReader(handle)]
    for article_id in {a for a, _ in gold}:
        article = read_source(str(shared_eval / "articles" / f"{article_id}.txt"))
        found = {m.actor for ms in stance_pipeline.resolve(stance_pipeline.segmenter.split(article.text)) for m in ms}
        missing = [actor for a, actor in gold if a == article_id and actor not in found]
        assert not missing, f"{article_id}: {missing}"


PHRASE_WORDS = ["the", "The", "U.S.", "Costa", "Rica", "Rican", "Hague", "bloc", "d'Ivoire", "Côte", "St.", "US", "#bloc"]
SEPARATORS = [" ", " ", ", ", "'s ", "-elect ", "non-", "O'", "s ", ".", "(", "A", "'ve "]


def regex_of_all(phrases):
    """The matcher's rule as one regex of every phrase, longest first (what AliasTrie replaces)."""
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(?<!\w')(?:" + alternation + r")(?![\w]|'\w\w|-(?:elect|designate)\b)")


@given(st.data())
@settings(max_examples=1000, deadline=None)
def test_alias_trie_finds_what_one_regex_of_all_phrases_finds(data):
    phrases = data.draw(st.sets(st.lists(st.sampled_from(PHRASE_WORDS), min_size=1, max_size=4).map(" ".join),
                                min_size=1, max_size=12))
    # Texts made of the phrases, their words and what may surround them, so that phrases
    # overlap, run into words and start inside each other's heads ("the Costa Rican").
    chunks = data.draw(st.lists(st.sampled_from(sorted(phrases) + PHRASE_WORDS + SEPARATORS), max_size=12))
    text = " ".join(chunks)
    expected = [(m.start(), m.end(), m.group()) for m in regex_of_all(phrases).finditer(text)]
    assert list(AliasTrie(phrases).finditer(text)) == expected


@given(st.lists(st.sampled_from(["former", "Former", "ex-", "then-", "late", "incoming", "newly-elected",
                                  "newly elected", "x", "informer", " ", "\n", "Chile", "-"]),
                max_size=8).map("".join))
def test_former_looks_back_as_a_search_of_the_whole_text_before(text):
    whole_prefix = re.compile(r"(?:\b[Ff]ormer|\bex-|\bthen-|\blate|\b[Ii]ncoming|\b[Nn]ewly[- ]elected)\s*$")
    for start in range(len(text) + 1):
        assert after_former(text, start) == (whole_prefix.search(text, 0, start) is not None)


# --- issue 17: the world base, compound names, venues, actors beyond the dictionary ----------

def test_a_target_includes_the_world_base_and_extends_its_entries(tmp_path):
    (tmp_path / "world.toml").write_text(
        'ignore = ["Washington Post"]\n'
        '[[actors]]\nname = "Peru"\nkind = "country"\ndemonym = "Peruvian"\naliases = ["Peru", "Lima"]\n'
        '[[actors]]\nname = "Venezuela"\nkind = "country"\naliases = ["Venezuela", "Caracas"]\n', encoding="utf-8")
    (tmp_path / "event.toml").write_text(
        'include = ["world.toml"]\nexclude = ["Venezuela"]\n'
        '[[actors]]\nname = "Peru"\nkind = "country"\ncamp = "anti"\naliases = ["the Peruvian capital"]\n'
        '[[actors]]\nname = "Government of Venezuela"\nkind = "institution"\naliases = ["Caracas"]\n', encoding="utf-8")
    dictionary = ActorDictionary.load(tmp_path / "event.toml")
    assert set(dictionary.actors) == {"Peru", "Government of Venezuela"}
    assert dictionary["Peru"].camp == "anti" and dictionary["Peru"].demonym == "Peruvian"
    assert set(dictionary["Peru"].aliases) == {"Peru", "Lima", "the Peruvian capital"}
    assert dictionary.ignore == ("Washington Post",)


def test_a_missing_included_file_is_one_error(tmp_path):
    (tmp_path / "event.toml").write_text('include = ["nowhere.toml"]\n[[actors]]\nname = "X"\nkind = "country"\n',
                                         encoding="utf-8")
    with pytest.raises(StanceError, match="included file"):
        ActorDictionary.load(tmp_path / "event.toml")


def test_every_target_uses_the_world_base():
    from pipeline.config import TargetConfig, project_root

    for target in sorted(path.stem for path in (project_root() / "targets").glob("*.toml")):
        dictionary = ActorDictionary.load(TargetConfig.load(target).actors_path)
        assert {"Sweden", "Holy See", "African Union", "Pope Francis", "United States"} <= set(dictionary.actors)


def test_canonical_names_of_the_training_data_are_kept(dictionary):
    for name in ("United States", "Antony Blinken", "European Union", "Recep Tayyip Erdoğan", "Organization of American States"):
        assert name in dictionary
    assert dictionary.roll_up("Joe Biden", date(2024, 8, 1)) == "United States"
    assert dictionary.roll_up("Donald Trump", date(2025, 2, 1)) == "United States"


@pytest.mark.parametrize("text, absent", [
    ("Foreign Minister Javier González-Olaechea spoke.", "Edmundo González"),
    ("Ricardo Maduro-Lopez spoke.", "Nicolás Maduro"),
    ("They met Carlos Gil on Monday.", "Yván Gil"),
])
def test_a_name_inside_a_longer_name_is_not_a_mention(matcher, text, absent):
    assert absent not in names(matcher, text)


def test_us_before_a_hyphenated_country_is_still_a_mention(matcher):
    assert names(matcher, "U.S.-Venezuela talks resumed.") == ["United States"]


@pytest.mark.parametrize("text, via", [
    ("Speaking from the Dominican Republic, he called for calm.", "venue"),
    ("The talks in Doha ended.", "venue"),
    ("Officials in Peru agreed.", "name"),
    ("In Brazil's view, the records must be published.", "name"),
    ("Mexico said in a statement that it would wait.", "name"),
])
def test_a_place_where_something_happens_is_a_venue(matcher, text, via):
    assert [m.via for m in matcher.find(text)] == [via]


@pytest.mark.parametrize("text, vias", [
    ("The U.S. embassy in Caracas closed.", [("United States", "name"), ("Government of Venezuela", "venue")]),
    ("Russia's ambassador in Lima said so.", [("Russia", "name"), ("Peru", "venue")]),
    ("The embassy in Caracas closed.", [("Government of Venezuela", "name")]),  # whose embassy? Venezuela's, maybe
    ("Officials in Peru agreed.", [("Peru", "name")]),
])
def test_where_another_states_embassy_is_is_a_venue(matcher, text, vias):
    assert [(m.actor, m.via) for m in matcher.find(text)] == vias


def test_inferred_people_get_a_name_an_affiliation_and_later_mentions(config):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    text = ("Chilean Foreign Minister Alberto van Klaveren said Chile would wait.\n"
            "Van Klaveren's colleague, Treasury Secretary Scott Bessent, disagreed.\n"
            "Later van Klaveren said he expected the records.")
    sentences = pipeline.segmenter.split(text)
    mentions, found = pipeline.resolve_actors(sentences)
    person = found.dictionary["Alberto van Klaveren"]
    assert person.inferred and person.kind == "person" and person.camp is None
    assert found.dictionary.roll_up("Alberto van Klaveren") == "Chile"
    assert "Alberto van Klaveren" not in pipeline.dictionary  # the target's dictionary is untouched
    assert [(m.text, m.via) for m in mentions[2] if m.actor == "Alberto van Klaveren"] == [
        ("van Klaveren", "name"), ("he", "pronoun")]
    assert found.counts == {"Alberto van Klaveren": 3, "Scott Bessent": 1}  # "Van Klaveren's" is one too


def test_inferred_bodies_are_named_after_their_country(config):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    sentences = pipeline.segmenter.split("Peru's Congress voted. The European People's Party (EPP) agreed. The EPP said so.")
    mentions, found = pipeline.resolve_actors(sentences)
    assert found.dictionary["Congress of Peru"].kind == "institution"
    assert found.dictionary.roll_up("Congress of Peru") == "Peru"
    assert found.dictionary["European People's Party"].kind == "group"
    assert [m.actor for m in mentions[2]] == ["European People's Party"]


def test_an_electoral_jury_is_a_body(config):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    _, found = pipeline.resolve_actors(pipeline.segmenter.split("Peru's National Jury of Elections proclaimed him."))
    assert found.dictionary["National Jury of Elections"].kind == "institution"  # " of Elections" names it already
    assert found.dictionary.roll_up("National Jury of Elections") == "Peru"

@pytest.mark.parametrize("text, body", [
    ("Peru's Constitutional Tribunal on Monday upheld the count.", "Constitutional Tribunal of Peru"),
    ("Peru's Electoral Commission in October certified him.", "Electoral Commission of Peru"),
    ("Peru's Electoral Commission on June 2 certified him.", "Electoral Commission of Peru"),
    ("The Council on Hemispheric Affairs criticised the count.", "Council on Hemispheric Affairs"),
])
def test_a_date_after_a_body_is_not_part_of_its_name(config, text, body):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    _, found = pipeline.resolve_actors(pipeline.segmenter.split(text))
    assert [i.name for i in found.introductions] == [body]



def test_people_named_without_a_title_who_speak_or_act_are_inferred(config):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    text = ("Keiko Fujimori told reporters that the count was flawed.\n"
            "Luis Galarreta, her running mate, rejected the result.\n"
            "Fujimori said she would appeal, and Paraguay's Santiago Peña said he would wait.\n"
            "Opposition Leader Ana Ruiz welcomed it, while Human Rights Watch said little and the White House said nothing.")
    sentences = pipeline.segmenter.split(text)
    mentions, found = pipeline.resolve_actors(sentences)
    inferred = {i.name: (i.kind, i.cue) for i in found.introductions}
    assert inferred == {"Keiko Fujimori": ("person", "speaks"), "Luis Galarreta": ("person", "speaks"),
                        "Ana Ruiz": ("person", "Opposition Leader"),  # by its title, not "Opposition Leader Ana Ruiz"
                        "Human Rights Watch": ("organisation", "Human Rights Watch")}  # a body, not a person
    person = found.dictionary["Keiko Fujimori"]
    assert person.inferred and person.kind == "person" and found.dictionary.roll_up("Keiko Fujimori") == "Keiko Fujimori"
    assert [(m.text, m.actor) for m in mentions[2] if m.via != "name" or m.actor != "Santiago Peña"][:2] == [
        ("Fujimori", "Keiko Fujimori"), ("she", "Keiko Fujimori")]
    assert "Santiago Peña" in {m.actor for m in mentions[2]}  # the dictionary's, not "Paraguay's Santiago Peña"


def test_places_bodies_and_titles_are_not_taken_for_speakers(config):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    text = ("Its correspondent in Santa Cruz said shops were shut, and relations with South America called for calm.\n"
            "The Frente Amplio said so, and the Catholic Church said nothing.\n"
            "Minister of the Presidency Juan Quintana said no; Barbados's Mia Mottley said yes.")
    _, found = pipeline.resolve_actors(pipeline.segmenter.split(text))
    assert {i.name: i.cue for i in found.introductions if i.kind == "person"} == {
        "Juan Quintana": "Minister of the Presidency", "Mia Mottley": "speaks"}
    assert found.dictionary.roll_up("Mia Mottley") == "Barbados"  # her country is the owner before her name


def test_venue_only_pairs_are_none_and_inferred_actors_get_cells(config):
    from pipeline.evaluate import MajorityBaseline
    from pipeline.read import Article
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config, model=MajorityBaseline(["oppose"]))
    article = Article("a1", "Speaking from Panama, Uruguayan Foreign Minister Omar Paganini rejected the result.",
                      "a1.txt", date(2024, 8, 1))
    cells = {c.actor: c.stance for c in pipeline.analyze(article).cells}
    assert cells == {"Panama": "none", "Uruguay": "oppose", "Omar Paganini": "oppose"}
    assert pipeline.analyze(article).cells.unknown == {"Omar Paganini": 1}
    country = {c.actor: c.stance for c in pipeline.analyze(article, level="country").cells}
    assert country == {"Panama": "none", "Uruguay": "oppose"}


def test_actors_suggest_lists_unknown_names(tmp_path, capsys):
    from pipeline.cli import main

    (tmp_path / "a.txt").write_text("Uruguayan Foreign Minister Omar Paganini spoke. Paganini said no.\n"
                                    "Peru's Congress voted.", encoding="utf-8")
    assert main(["actors", "suggest", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2\tOmar Paganini\tperson\tUruguay\t" in out
    assert "1\tCongress of Peru\tinstitution\tPeru\t" in out
    assert main(["actors", "suggest", str(tmp_path), "--toml"]) == 0
    out = capsys.readouterr().out
    assert ('name = "Omar Paganini"\nkind = "person"\naliases = ["Omar Paganini", "Paganini"]\n'
            'roles = [{ for = "Uruguay" }]') in out
    import tomllib

    assert len(tomllib.loads(out)["actors"]) == 2


def test_classify_marks_inferred_actors_and_ends_with_a_note(tmp_path, capsys):
    import json

    from pipeline.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Uruguayan Foreign Minister Omar Paganini rejected the result. Paganini called it a fraud.",
                       encoding="utf-8")
    assert main(["classify", str(article), "--format", "json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)["articles"][0]
    assert document["inferred_actors"] == [{"name": "Omar Paganini", "kind": "person", "speaks_for": "Uruguay"}]
    assert {c["actor"]: c["inferred"] for c in document["cells"]} == {"Omar Paganini": True, "Uruguay": False}
    assert "stance: 2 mentions of 1 unknown names (see `stance actors suggest`)" in captured.err
    assert main(["classify", str(article), "--quiet"]) == 0
    assert "unknown names" not in capsys.readouterr().err



def test_the_long_table_gives_an_inferred_actor_its_kind_and_country(tmp_path, capsys):
    """As the JSON's inferred_actors: the long CSV (spooled by the command line, or built by
    the library) does not leave an introduced actor's kind and country empty."""
    import csv
    import io

    from pipeline.api import classify
    from pipeline.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Uruguayan Foreign Minister Omar Paganini rejected the result.\n"
                       "The Council on Hemispheric Affairs said the count was opaque.\n", encoding="utf-8")
    assert main(["classify", str(article), "--format", "long", "--quiet"]) == 0
    rows = {r["actor"]: (r["kind"], r["country"], r["camp"]) for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["Omar Paganini"] == ("person", "Uruguay", "")
    assert rows["Council on Hemispheric Affairs"] == ("institution", "Council on Hemispheric Affairs", "")
    library = {r["actor"]: (r["kind"], r["country"], r["camp"]) for r in classify([str(article)]).rows}
    assert library == rows
    # --kind reads the same kinds: an introduced person is a person.
    assert main(["classify", str(article), "--format", "long", "--quiet", "--kind", "person"]) == 0
    assert [r["actor"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))] == ["Omar Paganini"]


@pytest.mark.parametrize("text, bloc", [
    # No bloc named before: the world base's "the bloc" names nobody (it used to be the EU).
    ("Leaders of the Andean countries met in Lima. The bloc said the vote fell short.", None),
    # The bloc named earlier in the article, beyond the two previous sentences.
    ("The EU said the count was opaque. Chile agreed. Peru agreed. Mexico waited. The bloc then asked for the records.",
     "European Union"),
    # Someone speaking for it: Borrell for the EU.
    ("Josep Borrell said the bloc would not recognise the result.", "European Union"),
    ("SADC leaders met in Luanda. The bloc said the vote fell short of its principles.",
     "Southern African Development Community"),
])
def test_a_shared_reference_needs_an_actor_the_article_named(config, text, bloc):
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    sentences = pipeline.segmenter.split(text)
    mentions, _ = pipeline.resolve_actors(sentences)
    found = {m.actor for m in mentions[-1] if m.text.lower().startswith("the bloc")}
    assert found == ({bloc} if bloc else set())


def test_an_events_own_reference_keeps_its_default():
    """Ivory Coast's dictionary lists "the council" for its Constitutional Council (and a
    second body): with neither named before, it is the event's first, as that dictionary means."""
    from pipeline.config import TargetConfig
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(TargetConfig.load("ivory-coast-2010"))
    mentions, _ = pipeline.resolve_actors(pipeline.segmenter.split("Gbagbo's lawyers said the council had applied the law."))
    assert "Constitutional Council" in {m.actor for m in mentions[0]}


def test_a_name_keeps_its_arabic_article(config):
    """"Bashar al-Assad", "Abdel Fattah el-Sisi": the lower-case article is part of the surname,
    and the surname without it names the person later ("Assad said")."""
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(config)
    sentences = pipeline.segmenter.split("Syria's President Bashar al-Assad congratulated Maduro. Assad said so.\n"
                                         "Egyptian President Abdel Fattah el-Sisi called too.")
    mentions, found = pipeline.resolve_actors(sentences)
    assert {(i.name, i.affiliation) for i in found.introductions} == {("Bashar al-Assad", "Syria"),
                                                                      ("Abdel Fattah el-Sisi", "Egypt")}
    assert [m.actor for m in mentions[1] if m.text == "Assad"] == ["Bashar al-Assad"]


def test_an_official_of_the_events_own_country_speaks_for_its_government():
    """The event's country is no actor (its government and opposition are): "Bolivia's
    health minister Ana Ruiz" is introduced speaking for the Government of Bolivia."""
    from pipeline.config import TargetConfig
    from pipeline.runner import StancePipeline

    pipeline = StancePipeline(TargetConfig.load("bolivia-2019"))
    _, found = pipeline.resolve_actors(pipeline.segmenter.split("Bolivia's health minister Ana Ruiz said the count was fair."))
    assert [(i.name, i.affiliation) for i in found.introductions] == [("Ana Ruiz", "Government of Bolivia")]
