import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from pipeline.corpus import LABELS
from pipeline.errors import StanceError
from pipeline.evaluate import agreement, cohen_kappa, format_scores, read_gold, score, score_cells


def test_score_agrees_with_scikit_learn():
    gold = ["support", "oppose", "neutral", "none", "oppose", "oppose", "neutral"]
    pred = ["support", "neutral", "neutral", "oppose", "oppose", "none", "support"]
    scores = score(gold, pred)
    assert scores.accuracy == pytest.approx(accuracy_score(gold, pred))
    assert scores.macro_f1 == pytest.approx(f1_score(gold, pred, labels=["support", "oppose", "neutral"], average="macro"))
    assert sum(map(sum, scores.confusion)) == len(gold)


def test_missing_cells_count_as_none():
    gold = {("a", "X"): "none", ("a", "Y"): "oppose"}
    assert score_cells(gold, {}).accuracy == 0.5


def test_gold_names_match_whatever_their_accents_and_case():
    gold = {("a", "Stephane Dujarric"): "neutral", ("a", "NICOLAS MADURO"): "support", ("b", "Lula"): "oppose"}
    cells = {("a", "Stéphane Dujarric"): "neutral", ("a", "Nicolás Maduro"): "support", ("a", "Lula"): "oppose"}
    scores = score_cells(gold, cells)
    assert scores.accuracy == pytest.approx(2 / 3)  # the article still has to match
    assert scores.actors_found == (2, 3)


def test_gold_file_errors(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("article,actor,stance\na,X,maybe\n")
    with pytest.raises(StanceError, match="line 2: unknown label"):
        read_gold(path)
    path.write_text("article,who\n")
    with pytest.raises(StanceError, match="missing column"):
        read_gold(path)


TRAIN = "text,actor,stance,doc,date\nChile rejected the result.,Chile,oppose,d1,\nPeru took note.,Peru,neutral,d2,\n"


def test_agreement_scores_the_second_annotator_against_the_corpus(tmp_path):
    (tmp_path / "a.csv").write_text(TRAIN)
    second = tmp_path / "second.csv"
    second.write_text("file,text,actor,stance\na.csv,Chile rejected the result.,Chile,oppose\n"
                      "a.csv,Peru took note.,Peru,none\n")
    scores = agreement(second, tmp_path)
    assert scores.n == 2 and scores.accuracy == 0.5
    assert scores.confusion[LABELS.index("neutral")][LABELS.index("none")] == 1
    # Kappa corrects raw agreement for chance: the same as scikit-learn's.
    gold, pred = ["oppose", "neutral"], ["oppose", "none"]
    assert cohen_kappa(scores) == pytest.approx(cohen_kappa_score(gold, pred))


@pytest.mark.parametrize(("row", "message"), [
    ("b.csv,Chile rejected the result.,Chile,oppose", "no training file 'b.csv'"),
    ("../a.csv,Chile rejected the result.,Chile,oppose", "no training file"),
    ("a.csv,Chile accepted the result.,Chile,oppose", "line 2: no such \\(text, actor\\) pair in a.csv"),
    ("a.csv,Chile rejected the result.,Chile,against", "line 2: unknown label 'against'"),
])
def test_agreement_errors_name_the_line(tmp_path, row, message):
    (tmp_path / "a.csv").write_text(TRAIN)
    second = tmp_path / "second.csv"
    second.write_text(f"file,text,actor,stance\n{row}\n")
    with pytest.raises(StanceError, match=message):
        agreement(second, tmp_path)


def test_cross_validation_also_scores_the_pairs_against_each_actors_usual_label():
    from pipeline.corpus import Corpus, Example
    from pipeline.evaluate import AGAINST_USUAL, cross_validate
    from pipeline.features import Pair

    class ActorPrior:  # predicts each actor's most frequent training label
        labels = LABELS

        def __init__(self, corpus):
            counts = {}
            for e in corpus.examples:
                counts.setdefault(e.pair.actor, []).append(e.label)
            self.usual = {a: max(set(ls), key=ls.count) for a, ls in counts.items()}

        def predict_proba(self, pairs):
            import numpy as np

            return np.array([[float(self.usual.get(p.actor, "none") == label) for label in LABELS] for p in pairs])

    rows = [("Chile", "oppose")] * 3 + [("Chile", "neutral")] + [("Cuba", "support")] * 3 + [("Cuba", "none")]
    corpus = Corpus([Example(Pair(f"s{i}", actor, ()), label, f"d{i}", "") for i, (actor, label) in enumerate(rows)],
                    [], "")
    scores = cross_validate(corpus, ActorPrior, folds=4, n_jobs=1)
    assert scores["model"].accuracy == 0.75  # right on the six usual pairs, wrong on the two others
    against = scores["model" + AGAINST_USUAL]
    assert against.n == 2 and against.accuracy == 0.0


def test_cell_scores_count_the_gold_actors_that_get_a_row():
    gold = {("a", "Chile"): "oppose", ("a", "Peru"): "neutral", ("a", "Qatar"): "none", ("b", "Chile"): "support"}
    cells = {("a", "Chile"): "oppose", ("a", "Peru"): "none", ("a", "Qatar"): "none"}  # no row for Chile in b
    scores = score_cells(gold, cells)
    assert scores.actors_found == (2, 3)  # Peru has a row (a wrong one); Qatar's gold is none: not counted
    assert scores.accuracy == 0.5 and scores.as_dict()["actors_found"] == [2, 3]
    assert "actor recall (gold actors with a stance that get a row): 0.667 (2/3)" in format_scores("set", scores)
