"""Coreference as a list of rule objects (issue 20): the order, a caller's list, a pack's names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.actors import Mention
from pipeline.actors.coreference import (
    DEFAULT_RULES,
    RULES,
    Context,
    Coreference,
    GovernmentRule,
    PronounRule,
    Rule,
    default_rules,
)
from pipeline.errors import StanceError
from pipeline.lang import get_pack
from pipeline.segment import Sentence, SentenceSplitter

TEXT = "Maduro met Lula in Caracas. He said the government would wait."


def resolve(matcher, coreference, text):
    sentences = SentenceSplitter().split(text)
    out = coreference.resolve(sentences, [matcher.find(s.text) for s in sentences])
    return [sorted({(m.actor, m.via) for m in mentions}) for mentions in out]


def test_the_default_list_runs_every_rule_once_in_its_order(coreference):
    assert [rule.name for rule in coreference.rules] == list(DEFAULT_RULES) == list(RULES)
    assert all(isinstance(rule, Rule) for rule in coreference.rules)


def test_a_caller_can_run_fewer_rules(matcher, dictionary, config, coreference):
    every = resolve(matcher, coreference, TEXT)[1]
    assert ("Nicolás Maduro", "pronoun") in every and any(via == "government" for _, via in every)
    only_pronouns = Coreference(dictionary, config.home_government, rules=[PronounRule()])
    assert resolve(matcher, only_pronouns, TEXT)[1] == [("Nicolás Maduro", "pronoun")]
    no_government = Coreference(dictionary, config.home_government, rules=default_rules(
        [n for n in DEFAULT_RULES if n != GovernmentRule.name]))
    assert all(via != "government" for _, via in resolve(matcher, no_government, TEXT)[1])


def test_a_caller_can_add_a_rule(matcher, dictionary, config):
    class Palace(Rule):
        """A rule of the caller's: "the palace" stands for the home government."""

        name = "palace"

        def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
            at = sentence.text.find("the palace")
            return [Mention(config.home_government, at, at + 10, "the palace", "palace")] if at >= 0 else []

    resolver = Coreference(dictionary, config.home_government, rules=[*default_rules(), Palace()])
    assert resolve(matcher, resolver, "Lula waited. Then the palace spoke.")[1] == [(config.home_government, "palace")]


def test_a_language_pack_names_its_rules(matcher, dictionary, config):
    pack = replace(get_pack("en"), code="xx", coreference_rules=("dateline", "pronoun"))
    resolver = Coreference(dictionary, config.home_government, pack)
    assert [rule.name for rule in resolver.rules] == ["dateline", "pronoun"]
    assert resolve(matcher, resolver, TEXT)[1] == [("Nicolás Maduro", "pronoun")]
    with pytest.raises(StanceError, match="unknown coreference rule"):
        Coreference(dictionary, config.home_government, replace(pack, coreference_rules=("pronouns",)))
