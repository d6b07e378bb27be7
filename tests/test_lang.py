"""Language packs: a target's first language picks the words every stage reads.

A test pack that differs from English in two word lists (one more abbreviation, one more
speech verb) changes what the public pipeline does, with no edit anywhere else: that is
what adding a language must take.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import date

import pytest

import pipeline.lang
from pipeline.config import TargetConfig, project_root
from pipeline.errors import StanceError
from pipeline.features import PairFeatures
from pipeline.lang import LanguagePack, get_pack
from pipeline.read import Article, find_date
from pipeline.runner import StancePipeline

ROOT = project_root()
TEXT = ("Brazil's envoy met Cmdr. Rocha in Brasília on Monday.\n"
        "\"We will never accept this count,\" Chile quipped after the meeting.\n")


@pytest.fixture
def test_pack(monkeypatch: pytest.MonkeyPatch) -> LanguagePack:
    """English with "Cmdr." kept inside a sentence and "quipped" a speech verb, as language "xx"."""
    english = get_pack("en")
    pack = replace(english, code="xx", name="Test English",
                   abbreviations=english.abbreviations | {"cmdr"},
                   features=replace(english.features, speech=english.features.speech | {"quipped"}))
    monkeypatch.setitem(pipeline.lang._PACKS, "xx", pack)
    return pack


def _target(tmp_path, code: str) -> TargetConfig:
    source = (ROOT / "targets" / "maduro-2024.toml").read_text(encoding="utf-8")
    path = tmp_path / f"target-{code}.toml"
    path.write_text(source.replace('languages = ["en"]', f'languages = ["{code}"]'), encoding="utf-8")
    return TargetConfig.load(str(path))


def test_english_is_the_default_pack():
    assert TargetConfig.load().lang is get_pack("en") and get_pack("EN").code == "en"
    assert get_pack("en").sentiment_baseline == "vader"


def test_an_unknown_language_is_a_one_line_error(tmp_path):
    with pytest.raises(StanceError, match=r"no language pack for 'zz' \(known: .*en.*\): add pipeline/lang/zz.py"):
        get_pack("zz")
    with pytest.raises(StanceError) as error:
        _target(tmp_path, "zz")
    assert "'languages': no language pack for 'zz'" in str(error.value) and "\n" not in str(error.value).strip()


def test_a_new_pack_changes_the_public_pipeline(test_pack):
    config = TargetConfig.load()
    if not (config.model_dir / "manifest.json").is_file():
        pytest.skip("no trained model: run `make train`")
    article = Article(id="a", text=TEXT, source="a.txt")
    english, other = StancePipeline(config), StancePipeline(replace(config, languages=("xx",)))
    assert other.lang is test_pack
    english_result, other_result = english.analyze(article), other.analyze(article)
    # The segmenter: "Cmdr." ends a sentence in English, not in the test pack.
    assert len(english_result.sentences) == 3 and len(other_result.sentences) == 2
    # The features: "Chile quipped" makes Chile the speaker only where "quipped" is a speech verb.
    def speaker_features(pipe: StancePipeline, result) -> set[str]:
        index = next(i for i, s in enumerate(result.sentences) if "quipped" in s.text)
        pair = next(p for p in pipe.pairs(result.sentences, result.mentions)[index] if p.actor == "Chile")
        return set(pipe.model.features.transform([pair])[0])

    assert "role:speaker" not in speaker_features(english, english_result)
    assert "role:speaker" in speaker_features(other, other_result)
    # And so the probabilities of Chile's sentence, through the same trained model.
    chile = [next(p.probabilities for p in r.predictions if p.actor == "Chile" and "quipped" in p.text)
             for r in (english_result, other_result)]
    assert chile[0] != chile[1]


def test_packs_keep_their_own_token_flags(test_pack):
    """Each pack has its own token table: English features are unchanged after the test pack ran."""
    from pipeline.features import Pair

    pair = Pair("\"No,\" Chile quipped.", "Chile", ((6, 11, "Chile", None, 0),))
    before = PairFeatures().transform([pair])[0]
    assert "role:speaker" in PairFeatures(lang=test_pack).transform([pair])[0]
    assert PairFeatures().transform([pair])[0] == before and "role:speaker" not in before


def test_date_lines_read_the_packs_month_names(test_pack):
    assert find_date("CARACAS, Aug. 2, 2024 - ...") == date(2024, 8, 2)
    months = {**test_pack.months, "ago": 8}
    spanish_like = replace(test_pack, months=months, date_line=re.compile(
        r"(?P<day>[0-3]?\d) de (?P<mon>ago)\w* de (?P<year>20\d\d)"))
    assert find_date("CARACAS, 2 de agosto de 2024 - ...") is None
    assert find_date("CARACAS, 2 de agosto de 2024 - ...", spanish_like) == date(2024, 8, 2)


def test_a_pack_module_is_found_by_its_code(tmp_path, monkeypatch):
    """A language is one module ``pipeline/lang/<code>.py`` defining ``PACK``: nothing registers it."""
    (tmp_path / "yy.py").write_text("from dataclasses import replace\n\nfrom pipeline.lang import get_pack\n\n"
                                    "PACK = replace(get_pack('en'), code='yy', name='Test')\n", encoding="utf-8")
    monkeypatch.setattr(pipeline.lang, "__path__", [*pipeline.lang.__path__, str(tmp_path)])
    monkeypatch.setitem(pipeline.lang._PACKS, "yy", None)
    monkeypatch.delitem(pipeline.lang._PACKS, "yy")
    monkeypatch.delitem(sys.modules, "pipeline.lang.yy", raising=False)
    assert get_pack("yy").name == "Test" and "yy" in pipeline.lang.known_codes()
    sys.modules.pop("pipeline.lang.yy", None)
