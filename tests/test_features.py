from pipeline.features import PairFeatures, sentence_pairs, tokenize_with_mentions
from pipeline.segment import Sentence


def pairs_of(text, matcher, coreference, dictionary):
    mentions = coreference.resolve([Sentence(0, text, 0, len(text), 0)], [matcher.find(text)])[0]
    return {p.actor: p for p in sentence_pairs(text, mentions, dictionary)}


def test_one_sentence_gives_each_actor_its_own_view(matcher, coreference, dictionary, config):
    text = "The U.S. rejected the result while Mexico asked for the tally sheets."
    pairs = pairs_of(text, matcher, coreference, dictionary)
    features = PairFeatures(config.cues)
    us, mexico = (set(features.transform([pairs[a]])[0]) for a in ("United States", "Mexico"))
    assert "r1:rejected" in us and "r1:asked" in mexico
    assert "cue:oppose:R" in us and "cue:oppose:R" not in mexico
    assert "cue:neutral:R" in mexico


def test_camps_mask_the_other_side(matcher, coreference, dictionary):
    text = "Chile recognised González as the winner, not Maduro."
    features = PairFeatures().transform([pairs_of(text, matcher, coreference, dictionary)["Chile"]])[0]
    assert "c2:recognised_ANTI" in features
    assert any(f.endswith("PRO") for f in features)


def test_lists_collapse_into_the_target(matcher, coreference, dictionary):
    text = "Mexico, Colombia and Brazil jointly demanded a review."
    pairs = pairs_of(text, matcher, coreference, dictionary)
    for actor in ("Mexico", "Colombia", "Brazil"):
        features = PairFeatures().transform([pairs[actor]])[0]
        assert "r1:jointly" in features and "role:clause_start" in features


def test_negation_scope(matcher, coreference, dictionary):
    text = "Peru did not recognize the result."
    features = PairFeatures().transform([pairs_of(text, matcher, coreference, dictionary)["Peru"]])[0]
    assert "c:not_recognize" in features and "c:recognize" not in features


def test_roles(matcher, coreference, dictionary):
    cases = {
        "The result was rejected by Chile.": ("Chile", "role:by_agent"),
        "According to the UN, seven million people left.": ("United Nations", "role:source"),
        "Brazil's envoy travelled.": ("Brazil", "role:possessive"),
        "Washington offered amnesty to Maduro.": ("Nicolás Maduro", "role:prep_object"),
        '"We will not hand over power," Cabello said.': ("Diosdado Cabello", "role:speaker"),
    }
    for text, (actor, role) in cases.items():
        features = PairFeatures().transform([pairs_of(text, matcher, coreference, dictionary)[actor]])[0]
        assert role in features, (text, role)


def test_tokens_keep_placeholders():
    tokens = tokenize_with_mentions("Chile's view", ((0, 5, "Chile", None, 0),))
    assert tokens == ["\x000\x00", "'s", "view"]
