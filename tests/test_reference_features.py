"""The NumPy featuriser equals its plain-Python specification (``tests/reference_features.py``)
on sentences of every shipped training corpus: the names of ``transform`` and the keys of
``encode`` (what classifying reads), pair by pair, as multisets."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from reference_features import FAMILIES, family, reference_features

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
from pipeline.config import TargetConfig, project_root
from pipeline.corpus import doc_pairs, read_rows, training_files
from pipeline.features import Pair, PairFeatures, feature_key

TARGETS = sorted(path.stem for path in (project_root() / "targets").glob("*.toml"))
SENTENCES = 150  # per target, spread over its training files


def corpus_pairs(config: TargetConfig, limit: int = SENTENCES) -> list[Pair]:
    """Every pair of about ``limit`` sentences of the target's training corpus (labelled
    or not), read as training reads them: doc by doc, so that coreference resolves."""
    dictionary = ActorDictionary.load(config.actors_path)
    matcher = ActorMatcher(dictionary, config.lang)
    coreference = Coreference(dictionary, config.home_government, config.lang)
    docs: list[list[dict[str, str]]] = []
    for file in training_files(config.train_path):
        by_doc: dict[str, list[dict[str, str]]] = {}
        for row in read_rows(file):
            by_doc.setdefault(row["doc"], []).append(row)
        docs += by_doc.values()
    pairs: list[Pair] = []
    sentences = 0
    total = sum(len({row["text"] for row in rows}) for rows in docs)
    for rows in docs[::max(1, total // limit)]:  # spread over the corpus, not its first file
        texts = list(dict.fromkeys(row["text"] for row in rows))
        dates = [row["date"] for row in rows if row["date"]]
        found = doc_pairs(texts, date.fromisoformat(dates[0]) if dates else None, dictionary, matcher, coreference,
                          config.principals)
        pairs += [pair for text in texts for pair in found[text]]
        sentences += len(texts)
        if sentences >= limit:
            break
    return pairs


@pytest.mark.parametrize("target", TARGETS)
def test_numpy_features_equal_the_reference(target):
    config = TargetConfig.load(target)
    pairs = corpus_pairs(config)
    assert len({pair.text for pair in pairs}) >= SENTENCES * 2 // 3
    families = compare(config, pairs)
    # And the sentences exercise the families (the rare ones, cue chains and the heading
    # role, are not required of every corpus).
    assert {"kind", "via", "others", "role", "cue", "c", "c2", "g", "L", "R", "l1", "lr", "r3"} <= set(families)


@pytest.mark.parametrize("target", ["maduro-2024", "bolivia-2019"])
def test_votes_equal_the_reference(target):
    """The roll calls, whose votes read what an earlier sentence says was voted on."""
    config = TargetConfig.load(target)
    roll_calls = config.train_path / "roll-calls.csv"
    if not roll_calls.is_file():
        pytest.skip("no roll-calls.csv")
    dictionary = ActorDictionary.load(config.actors_path)
    matcher = ActorMatcher(dictionary, config.lang)
    coreference = Coreference(dictionary, config.home_government, config.lang)
    by_doc: dict[str, list[str]] = {}
    for row in read_rows(roll_calls):
        by_doc.setdefault(row["doc"], []).append(row["text"])
    pairs = []
    for texts in by_doc.values():
        texts = list(dict.fromkeys(texts))
        found = doc_pairs(texts, None, dictionary, matcher, coreference, config.principals)
        pairs += [pair for text in texts for pair in found[text]]
    families = compare(config, pairs)
    assert families["vote"] >= 20


def compare(config: TargetConfig, pairs: list[Pair]) -> Counter[str]:
    """Assert that the NumPy featuriser gives each pair the reference's names and their keys;
    return how often each family occurred."""
    cues = {label: list(phrases) for label, phrases in config.cues.items()}
    # One batch, as training featurises: pairs of a sentence share its template.
    features = PairFeatures(cues, config.lang)
    produced = features.transform(pairs)
    # The keys classifying reads (``encode``), per pair.
    rows, keys = features.encode(pairs)
    produced_keys: list[Counter[int]] = [Counter() for _ in pairs]
    for row, key in zip(rows.tolist(), keys.tolist(), strict=True):
        produced_keys[row][key] += 1
    families: Counter[str] = Counter()
    mismatches = []
    for pair, names, got_keys in zip(pairs, produced, produced_keys, strict=True):
        reference = reference_features(pair, cues, config.lang)
        expected, got = Counter(reference), Counter(names)
        families.update(map(family, got))
        if got != expected:
            mismatches.append((pair.text, pair.actor, sorted((got - expected).elements()),
                               sorted((expected - got).elements())))
        elif got_keys != Counter(map(feature_key, reference)):
            mismatches.append((pair.text, pair.actor, "keys differ from the keys of the names"))
    assert not mismatches, f"{len(mismatches)} of {len(pairs)} pairs differ; first: {mismatches[:3]}"
    # Every family the production code names is specified by the reference.
    assert set(families) <= set(FAMILIES), set(families) - set(FAMILIES)
    return families
