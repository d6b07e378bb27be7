import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.actors import ActorDictionary, AliasTrie, _after_former, _fold_table, coordinated_lists, fold
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
    assert names(matcher, "Former Colombian President Iván Duque said so.") == []
    assert names(matcher, "a former U.S. ambassador said so.") == []


def test_fold_keeps_length():
    text = "Nicolás “González” – Brasília’s"
    assert len(fold(text)) == len(text)
    assert fold(text) == "Nicolas “Gonzalez” - Brasilia's"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("aZ .,'`´’‘\t\u00a0\u2011–—“éÉñçøßłŁ€中\U0001f600")))
def test_fold_replaces_each_character_through_the_table(text):
    assert fold(text) == text.translate(_fold_table())


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


@given(st.lists(st.sampled_from(["former", "Former", "ex-", "then-", "late", "x", "informer", " ", "\n", "Chile", "-"]),
                max_size=8).map("".join))
def test_former_looks_back_as_a_search_of_the_whole_text_before(text):
    whole_prefix = re.compile(r"(?:\b[Ff]ormer|\bex-|\bthen-|\blate)\s*$")
    for start in range(len(text) + 1):
        assert _after_former(text, start) == (whole_prefix.search(text, 0, start) is not None)
