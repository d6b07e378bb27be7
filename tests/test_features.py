import os
import subprocess
import sys
import threading
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.features import (
    Pair,
    PairFeatures,
    TokenTable,
    article_pairs,
    feature_key,
    negate,
    sentence_pairs,
    tokenize_with_mentions,
)
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
    # Nothing says who the actor is or which side it usually takes: only the sentence.
    for names in (us, mexico):
        assert not any("United States" in f or "Mexico" in f or f.startswith(("camp:", "a@", "principal:")) for f in names)


def test_the_holder_is_never_a_feature(matcher, coreference, dictionary, config):
    """The same sentence with another actor gives the same features (actor-swap invariance);
    only the target's principals carry their side."""
    features = PairFeatures(config.cues)
    views = []
    for name in ("Russia", "Argentina", "Brazil", "Japan"):
        text = f"{name} congratulated Maduro on his re-election and rejected calls for an audit."
        views.append(sorted(features.transform([pairs_of(text, matcher, coreference, dictionary)[name]])[0]))
    assert all(view == views[0] for view in views)
    text = "Maduro and González both claimed victory."
    mentions = coreference.resolve([Sentence(0, text, 0, len(text), 0)], [matcher.find(text)])[0]
    pairs = {p.actor: p for p in sentence_pairs(text, mentions, dictionary, config.principals)}
    assert "principal:pro" in features.transform([pairs["Nicolás Maduro"]])[0]
    assert "principal:anti" in features.transform([pairs["Edmundo González"]])[0]


def test_camps_mask_the_other_side(matcher, coreference, dictionary):
    text = "Chile recognised González as the winner, not Maduro."
    features = PairFeatures().transform([pairs_of(text, matcher, coreference, dictionary)["Chile"]])[0]
    assert "c2:recognised ANTI" in features
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


TRICKY = [
    "The U.S. rejected the result while Mexico asked for the tally sheets.",
    "Mexico, Colombia and Brazil jointly demanded a review, but Chile did not recognize Maduro.",
    '"We will not hand over power," Cabello said, calling González\'s claim a fraud.',
    "Washington offered amnesty to Maduro; Brasília would accept the result only if an audit confirms it.",
    "According to the UN, Peru, Chile, Argentina reject the so-called victory of Maduro.",
]


def test_keys_are_the_keys_of_the_names(matcher, coreference, dictionary, config):
    """``encode`` (what classifying uses) and ``transform`` (what training uses) give the
    same features, for every pair of sentences with lists, quotes, cues and negation."""
    features = PairFeatures(config.cues)
    pairs = [p for text in TRICKY for p in pairs_of(text, matcher, coreference, dictionary).values()]
    names = features.transform(pairs)
    rows, keys = features.encode(pairs)
    assert len(pairs) >= 15
    for row, pair_names in enumerate(names):
        assert Counter(map(feature_key, pair_names)) == Counter(keys[rows == row].tolist()), pairs[row]


def test_keys_survive_the_token_table_growing_and_being_replaced(matcher, coreference, dictionary, config,
                                                                 monkeypatch):
    features = PairFeatures(config.cues)
    pairs = [p for text in TRICKY for p in pairs_of(text, matcher, coreference, dictionary).values()]
    rows, keys = features.encode(pairs)
    monkeypatch.setattr(TokenTable, "_current", None)
    monkeypatch.setattr(TokenTable, "LIMIT", 4_100)
    table = TokenTable.current()
    table.ids_of([f"filler{n}" for n in range(4_090 - len(table.tokens))])
    assert TokenTable.current() is table and len(table.flags) == 4_096
    for _ in range(2):  # the table grows while encoding, then is past the limit and replaced
        again_rows, again_keys = features.encode(pairs)
        assert np.array_equal(again_rows, rows) and np.array_equal(again_keys, keys)
    assert len(table.flags) == 8_192 and TokenTable.current() is not table


def test_literal_numbers_do_not_collide_across_threads():
    """A Dask worker's threads share one pipeline: literal features met for the first time
    at once must each get their own number, name and key."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for trial in range(5):
            features = PairFeatures()
            names = [f"literal:{trial}:{n}" for n in range(2_000)]
            threads = [threading.Thread(target=list, args=(map(features.literal_id, order),))
                       for order in (names, names[::-1], names, names[::-1])]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(features.literal_names) == len(features.literal_ids)
            for name in names:
                number = features.literal_ids[name]
                assert features.literal_names[number] == name
                assert features.literal_key_list[number] == feature_key(name)
    finally:
        sys.setswitchinterval(interval)


def test_heading_only_target_gets_the_whole_sentence(config):
    text = "They rejected the result."
    pair = Pair(text, "Chile", ((0, 0, "Chile", "anti", -1),), "anti", "country", ("heading",))
    names = PairFeatures(config.cues).transform([pair])[0]
    assert "role:heading" in names and "c:rejected" in names and "l1:<s>" in names and "r1::" in names
    _, keys = PairFeatures(config.cues).encode([pair])
    assert Counter(map(feature_key, names)) == Counter(keys.tolist())


def test_list_members_are_marked(matcher, coreference, dictionary):
    pairs = pairs_of("Mexico, Colombia and Brazil asked for the records.", matcher, coreference, dictionary)
    assert all("role:list" in PairFeatures().transform([pairs[a]])[0] for a in ("Mexico", "Colombia", "Brazil"))
    alone = pairs_of("Mexico asked for the records.", matcher, coreference, dictionary)["Mexico"]
    assert "role:list" not in PairFeatures().transform([alone])[0]


def test_feature_keys_are_the_same_in_every_process():
    script = "from pipeline.features import feature_key; print(feature_key('c2:recognised ANTI'), feature_key('role:speaker'))"
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outputs == {f"{feature_key('c2:recognised ANTI')} {feature_key('role:speaker')}\n"}
    assert feature_key("c2:recognised ANTI") != feature_key("c2:ANTI recognised") != feature_key("c:recognised")


def test_pairs_made_on_the_fly_get_their_own_sentence(matcher, coreference, dictionary, config):
    """Pairs dropped as soon as they are featurised free their mentions; a new sentence's
    mentions may then take the same id, and must not be mistaken for the old sentence."""
    features = PairFeatures(config.cues)
    pairs = [p for text in TRICKY for p in pairs_of(text, matcher, coreference, dictionary).values()]
    fresh = (Pair(p.text, p.actor, tuple(list(p.mentions)), p.side, p.kind, p.via) for p in pairs)
    assert features.transform(fresh) == features.transform(pairs)


# Words and chunks around the cue phrases, so that cues overlap, nest and sit side by side.
CUE_CHUNKS = ["not", "n't", "recognised", "recognize", "PRO", "ANTI", "backed", "support for", "reject",
              "rejected", "tally sheets", "the", "took note", "step down", "refused to", "recogni", "fraud",
              "fraudulent", "non-recognition", "'s victory", ",", "talks", "not recognised ANTI",
              "support for PRO", "refuse to recognise ANTI", "victory of ANTI"]


@given(st.lists(st.sampled_from(CUE_CHUNKS), max_size=15))
@settings(max_examples=300, deadline=None)
def test_cue_search_finds_what_finditer_per_label_finds(config, chunks):
    """Cues are searched once for where any starts, then per label only there: the
    matches must be those of each label's pattern scanning the whole sentence."""
    features = PairFeatures(config.cues)
    words = " ".join(chunks).split()
    tokens = negate(words)
    text = " ".join(words)
    expected = []
    for label, (_, pattern) in enumerate(features.cue_patterns_):
        expected += [(label, m.start(), m.end()) for m in pattern.finditer(text)]
    starts = [0, *accumulate(len(w) + 1 for w in words)]
    found = [(label, starts[first], starts[last] + len(words[last])) for first, last, label, _ in
             features.cue_matches(words, tokens)]
    # A match may end inside its last token (cues are word prefixes): compare by token span.
    assert [(label, bisect_right(starts, s) - 1, bisect_right(starts, e - 1) - 1) for label, s, e in expected] == \
        [(label, bisect_right(starts, s) - 1, bisect_right(starts, e - 1) - 1) for label, s, e in found]


def test_a_cue_acting_on_a_cue_is_a_feature_of_who_acts(matcher, coreference, dictionary, config):
    text = "Cuba condemned the new sanctions imposed by the U.S. on Caracas."
    pairs = pairs_of(text, matcher, coreference, dictionary)
    features = PairFeatures(config.cues)
    cuba, us = (features.transform([pairs[a]])[0] for a in ("Cuba", "United States"))
    assert "cues:oppose>oppose" in cuba  # condemning sanctions is not opposing Maduro
    assert not any(f.startswith("cues:") for f in us)  # the chain is before the U.S., not its act
    negated = pairs_of("Cuba did not reject the fraud claims.", matcher, coreference, dictionary)["Cuba"]
    assert "cues:oppose:neg>oppose" in features.transform([negated])[0]
    _, keys = features.encode([pairs["Cuba"]])
    assert feature_key("cues:oppose>oppose") in set(keys.tolist())


def test_a_sentence_with_no_cue_no_side_and_no_word_of_the_dispute_is_off_topic(matcher, coreference, dictionary,
                                                                                   config):
    features = PairFeatures(config.cues)
    for text in ("Russia signed a rice deal with Vietnam.", "Russia warned of heavy rain along its coast.",
                 "Russia pledged money to clean up river pollution."):  # "pollution" is not "poll"
        assert "off_topic" in features.transform([pairs_of(text, matcher, coreference, dictionary)["Russia"]])[0]
    for text in ("Russia congratulated Maduro.", "Russia asked for the tally sheets.",
                 "Russia said the protests in the capital were staged.", "Russia spoke of the vote on Sunday.",
                 "Russia did not protest."):  # a negated word of the dispute is still one
        assert "off_topic" not in features.transform([pairs_of(text, matcher, coreference, dictionary)["Russia"]])[0]


def votes_of(texts, matcher, coreference, dictionary, config):
    """Each actor's ``vote:`` features, sentence by sentence, the article read as one."""
    sentences = [Sentence(i, t, 0, len(t), i) for i, t in enumerate(texts)]
    mentions = coreference.resolve(sentences, [matcher.find(t) for t in texts])
    features = PairFeatures(config.cues)
    return [{p.actor: sorted({f for f in features.transform([p])[0] if f.startswith("vote:")}) for p in pairs}
            for pairs in article_pairs(texts, mentions, dictionary)]


def test_a_vote_takes_the_stance_of_what_was_voted_on(matcher, coreference, dictionary, config):
    texts = ["The council debated a resolution that rejected the official result and called for talks.",
             "Argentina and Peru voted in favour of it, while Brazil abstained.",
             "Bolivia voted against the text.",
             "Abstaining were Mexico and Colombia.",
             "Canada voted for a draft that recognised González as the winner.",
             "Chile voted against a motion calling for talks."]
    votes = votes_of(texts, matcher, coreference, dictionary, config)
    # The resolution of the first sentence (its first cue: "rejected"): "it" and "the text" are votes on it.
    assert votes[1]["Argentina"] == votes[1]["Peru"] == ["vote:for", "vote:for:oppose"]
    assert votes[1]["Brazil"] == ["vote:abstain", "vote:abstain:oppose"]
    assert votes[2]["Bolivia"] == ["vote:against", "vote:against:oppose"]
    assert votes[3]["Mexico"] == votes[3]["Colombia"] == ["vote:abstain", "vote:abstain:oppose"]
    # What the sentence itself says was voted on comes first; the actor voted on casts no vote.
    assert votes[4]["Canada"] == ["vote:for", "vote:for:oppose"] and votes[4]["Edmundo González"] == []
    assert votes[5]["Chile"] == ["vote:against", "vote:against:neutral"]


def test_a_vote_without_a_known_motion_is_still_a_vote(matcher, coreference, dictionary, config):
    texts = ["Peru voted for the text, and Brazil said nothing."]
    votes = votes_of(texts, matcher, coreference, dictionary, config)[0]
    assert votes == {"Peru": ["vote:for"], "Brazil": []}
    # No roll call, no vote features: they cannot change a sentence that casts no vote.
    assert votes_of(["Peru rejected the result."], matcher, coreference, dictionary, config) == [{"Peru": []}]
    # A vote as a noun is no vote cast.
    assert votes_of(["Peru hailed the result as a vote for stability.",
                     "Maduro won 51 percent of the vote against 44 percent for González."],
                    matcher, coreference, dictionary, config) == [{"Peru": []},
                                                                  {"Nicolás Maduro": [], "Edmundo González": []}]


def test_an_actor_asked_to_act_is_marked_as_such(matcher, coreference, dictionary, config):
    """"X urged Y to ...": what follows is X's wish, not Y's stance (the label rules: an actor
    that is only the object of someone else's action gets nothing from the sentence)."""
    features = PairFeatures(config.cues)

    def urged(text):
        return {actor for actor, pair in pairs_of(text, matcher, coreference, dictionary).items()
                if "role:urged" in features.transform([pair])[0]}

    assert urged("The United States urged Brazil to demand the tally sheets.") == {"Brazil"}
    assert urged("Chile called on Mexico and Colombia to recognise González.") == {"Mexico", "Colombia"}
    assert urged("Washington hopes Argentina will press for new elections.") == {"Argentina"}
    assert urged("Brazil urged calm and asked for the records.") == set()


def test_the_predicate_of_a_copula_reads_the_cues_before_it_as_its_own(matcher, coreference, dictionary, config):
    """"Countries that do not recognise Maduro are Chile and Peru": the words before the copula
    describe the actors after it, as "Chile and Peru do not recognise Maduro" would; an actor
    with no copula before it keeps its cues on the side where they are."""
    features = PairFeatures(config.cues)

    def cue_sides(text, actor):
        names = features.transform([pairs_of(text, matcher, coreference, dictionary)[actor]])[0]
        return "role:predicate" in names, sorted({n for n in names if n in ("cue:oppose:L", "cue:oppose:R")})

    assert cue_sides("Countries that do not recognise Maduro are Chile and Peru.", "Chile") == (True, ["cue:oppose:R"])
    assert cue_sides("Those that rejected the result included Peru.", "Peru") == (True, ["cue:oppose:R"])
    assert cue_sides("After rejecting the result, Peru recalled its envoy.", "Peru") == (False, ["cue:oppose:L"])


def test_each_ngram_has_a_copy_for_its_event(matcher, coreference, dictionary, config):
    """With an event, every n-gram comes twice: shared by all events, and as the event's own
    copy (where what a word means in that event only is learnt); literals come once. The keys
    classifying reads are those of the names."""
    pair = pairs_of("Chile rejected the result, and Cuba called it a coup.", matcher, coreference, dictionary)["Chile"]
    shared = PairFeatures(config.cues).transform([pair])[0]
    features = PairFeatures(config.cues, event="maduro-2024")
    names = features.transform([pair])[0]
    ngrams = [n for n in shared if n.split(":", 1)[0] in {"c", "c2", "g", "L", "R", "l1", "l2", "r1", "r2", "lr", "r3"}]
    assert Counter(names) == Counter(shared) + Counter(f"ev:maduro-2024/{n}" for n in ngrams)
    assert ngrams and len(ngrams) < len(shared)
    _, keys = features.encode([pair])
    assert Counter(keys.tolist()) == Counter(map(feature_key, names))
    assert feature_key("ev:maduro-2024/c:coup") != feature_key("ev:bolivia-2019/c:coup") != feature_key("c:coup")


def test_an_event_gets_its_copies_only_from_enough_pairs():
    """A new event with a few hundred labels reads the shared n-grams only: copies fitted on
    so few pairs would learn those pairs' words as the event's."""
    from types import SimpleNamespace

    from pipeline.features.featurizer import MIN_EVENT_PAIRS, PairFeaturizer

    pairs = ([SimpleNamespace(target="large")] * MIN_EVENT_PAIRS
             + [SimpleNamespace(target="small")] * (MIN_EVENT_PAIRS - 1))
    assert PairFeaturizer({"large": {}, "small": {}}).fit(pairs).events_ == ["large"]
    assert PairFeaturizer({"large": {}, "small": {}}, events=["small"]).fit(pairs).events_ == ["small"]


def test_training_featurises_a_pair_once_per_featurisation(matcher, coreference, dictionary, config):
    """The featuriser keeps each pair's names for the next fit (cross-validation refits the
    same pairs): what it returns is what the pair's features give, and under other cue
    phrases or without copies it is computed again."""
    from dataclasses import replace

    from pipeline.features.featurizer import PairFeaturizer

    pairs = [replace(p, target="maduro-2024") for p in pairs_of(
        "Chile rejected the result, and Cuba called it a coup.", matcher, coreference, dictionary).values()]
    fresh = PairFeatures(config.cues, event="maduro-2024").transform(pairs)
    first = PairFeaturizer({"maduro-2024": config.cues}, events=["maduro-2024"]).fit(pairs).transform(pairs)
    again = PairFeaturizer({"maduro-2024": config.cues}, events=["maduro-2024"]).fit(pairs).transform(pairs)
    assert first == again == fresh
    assert all(a is not b for a, b in zip(first, again, strict=True))  # a caller may change its lists
    without_copies = PairFeaturizer({"maduro-2024": config.cues}, events=[]).fit(pairs).transform(pairs)
    assert without_copies == PairFeatures(config.cues).transform(pairs) != fresh
    cues = {"support": ["called it a coup"]}
    assert PairFeaturizer({"maduro-2024": cues}, events=[]).fit(pairs).transform(pairs) == PairFeatures(
        cues).transform(pairs) != without_copies
