import pytest
from sklearn.metrics import accuracy_score, f1_score

from pipeline.errors import StanceError
from pipeline.evaluate import read_gold, score, score_cells


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


def test_gold_file_errors(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("article,actor,stance\na,X,maybe\n")
    with pytest.raises(StanceError, match="line 2: unknown label"):
        read_gold(path)
    path.write_text("article,who\n")
    with pytest.raises(StanceError, match="missing column"):
        read_gold(path)
