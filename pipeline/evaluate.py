"""Scores: against a gold matrix (cells), by grouped cross-validation (pairs), and the
same measures for simple baselines, so that every figure can be compared side by side.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.corpus import LABELS, STANCE_LABELS, Corpus
from pipeline.errors import StanceError
from pipeline.features import Pair


@dataclass(frozen=True)
class Scores:
    """Accuracy, macro-F1 over the stance labels, per-class P/R/F1 and the confusion matrix.

    ``confusion[i][j]`` counts gold ``LABELS[i]`` predicted as ``LABELS[j]``.
    """

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]
    confusion: list[list[int]]

    def as_dict(self) -> dict:
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
                "per_class": {k: {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": s}
                              for k, (p, r, f, s) in self.per_class.items()},
                "confusion": self.confusion, "labels": list(LABELS)}


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Scores of ``predicted`` against ``gold`` (equal-length label sequences)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    index = {label: i for i, label in enumerate(LABELS)}
    confusion = [[0] * len(LABELS) for _ in LABELS]
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g]][index[p]] += 1
    per_class = {}
    for label in LABELS:
        i = index[label]
        tp = confusion[i][i]
        predicted_n = sum(row[i] for row in confusion)
        gold_n = sum(confusion[i])
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = (precision, recall, f1, gold_n)
    present = [label for label in STANCE_LABELS if per_class[label][3] or any(p == label for p in predicted)]
    macro = sum(per_class[label][2] for label in present) / len(present) if present else 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    return Scores(len(gold), accuracy, macro, per_class, confusion)


def format_scores(title: str, scores: Scores) -> str:
    """A plain-text block: headline figures, per-class table, confusion matrix."""
    lines = [f"{title}: n={scores.n}  accuracy={scores.accuracy:.3f}  macro-F1(support,oppose,neutral)={scores.macro_f1:.3f}",
             f"  {'class':<8} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}"]
    for label, (p, r, f, n) in scores.per_class.items():
        lines.append(f"  {label:<8} {p:>6.3f} {r:>6.3f} {f:>6.3f} {n:>5}")
    lines.append("  confusion (rows gold, columns predicted): " + " ".join(f"{label:>7}" for label in LABELS))
    for label, row in zip(LABELS, scores.confusion, strict=True):
        lines.append(f"  {label:>49} " + " ".join(f"{v:>7}" for v in row))
    return "\n".join(lines)


def _labelled_rows(path: Path, columns: set[str], kind: str = "") -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a CSV with ``columns``, a ``stance`` among them, stripped and
    checked; ``kind`` qualifies the file in errors ("gold " gives "no such gold file")."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = columns - set(reader.fieldnames or [])
            if missing:
                raise StanceError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            rows = []
            for row in reader:
                row = {c: (row[c] or "").strip() for c in columns}
                if row["stance"] not in LABELS:
                    raise StanceError(f"{path}: line {reader.line_num}: unknown label {row['stance']!r}")
                rows.append((reader.line_num, row))
    except FileNotFoundError:
        raise StanceError(f"{path}: no such {kind}file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise StanceError(f"{path}: unreadable {kind}CSV ({exc})") from None
    if not rows:
        raise StanceError(f"{path}: {kind}file has no rows")
    return rows


def read_gold(path: Path) -> dict[tuple[str, str], str]:
    """Gold cells ``{(article, actor): stance}`` from a CSV with ``article,actor,stance``."""
    return {(row["article"], row["actor"]): row["stance"]
            for _, row in _labelled_rows(path, {"article", "actor", "stance"}, "gold ")}


def score_cells(gold: dict[tuple[str, str], str], cells: dict[tuple[str, str], str]) -> Scores:
    """Cell scores over the gold rows; an actor the system did not output counts as ``none``."""
    keys = sorted(gold)
    return score([gold[k] for k in keys], [cells.get(k, "none") for k in keys])


def cohen_kappa(scores: Scores) -> float:
    """Cohen's kappa of two labellings, from the confusion matrix of one against the other."""
    n = scores.n
    if not n:
        return 0.0
    observed = sum(scores.confusion[i][i] for i in range(len(LABELS))) / n
    expected = sum(sum(row) * sum(r[i] for r in scores.confusion)
                   for i, row in enumerate(scores.confusion)) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(second_path: Path, train_path: Path) -> Scores:
    """A second annotator's labels scored against the corpus labels of the same pairs.

    ``second_path`` is a CSV with ``file,text,actor,stance``; each row must name a pair of
    the training file ``file`` in ``train_path``. ``gold`` in the returned scores is the
    corpus, ``predicted`` the second annotator.
    """
    from pipeline.corpus import read_rows

    corpus: dict[str, dict[tuple[str, str], str]] = {}
    gold, predicted = [], []
    for line, row in _labelled_rows(second_path, {"file", "text", "actor", "stance"}):
        name = row["file"]
        if name not in corpus:
            path = Path(train_path) / name
            if Path(name).name != name or not path.is_file():
                raise StanceError(f"{second_path}: line {line}: no training file {name!r} in {train_path}")
            corpus[name] = {(r["text"], r["actor"]): r["stance"] for r in read_rows(path)}
        label = corpus[name].get((row["text"], row["actor"]))
        if label is None:
            raise StanceError(f"{second_path}: line {line}: no such (text, actor) pair in {name}")
        gold.append(label)
        predicted.append(row["stance"])
    return score(gold, predicted)


# --- Baselines ---------------------------------------------------------------------------

class MajorityBaseline:
    """Predicts the most frequent stance (not ``none``) of the training data for every pair."""

    name = "majority"

    def __init__(self, labels: Sequence[str]) -> None:
        stances = [label for label in labels if label in STANCE_LABELS] or ["oppose"]
        self.majority = max(STANCE_LABELS, key=stances.count)
        self.labels = LABELS

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        out = np.zeros((len(pairs), len(LABELS)))
        out[:, LABELS.index(self.majority)] = 1.0
        return out


class KeywordBaseline:
    """Counts the target's cue words in the sentence; the most frequent cue class wins."""

    name = "keywords"

    def __init__(self, cues: dict[str, Sequence[str]]) -> None:
        from pipeline.actors import fold

        self.cues = {label: [fold(c).lower() for c in phrases] for label, phrases in cues.items()}
        self.labels = LABELS

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        from pipeline.actors import fold

        out = np.zeros((len(pairs), len(LABELS)))
        for row, pair in enumerate(pairs):
            text = fold(pair.text).lower()
            counts = {label: sum(text.count(c) for c in phrases) for label, phrases in self.cues.items()}
            best = max(counts, key=counts.__getitem__) if counts and max(counts.values()) else "none"
            out[row, LABELS.index(best)] = 1.0
        return out


class VaderBaseline:
    """VADER sentiment of the sentence: positive toward the actor -> support, negative -> oppose."""

    name = "vader"

    def __init__(self, threshold: float = 0.05) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()
        self.threshold = threshold
        self.labels = LABELS

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        out = np.zeros((len(pairs), len(LABELS)))
        for row, pair in enumerate(pairs):
            compound = self.analyzer.polarity_scores(pair.text)["compound"]
            label = "support" if compound >= self.threshold else "oppose" if compound <= -self.threshold else "none"
            out[row, LABELS.index(label)] = 1.0
        return out


def baseline_factories(cues: dict[str, Sequence[str]]) -> list[Callable[[Sequence[str]], object]]:
    """Factories of the baselines every evaluation reports beside the model; each takes the
    training labels."""
    return [MajorityBaseline, lambda labels: KeywordBaseline(cues), lambda labels: VaderBaseline()]


def baselines(training_labels: Sequence[str], cues: dict[str, Sequence[str]]) -> list:
    """The baselines, built for training data with these labels."""
    return [factory(training_labels) for factory in baseline_factories(cues)]


# --- Cross-validation --------------------------------------------------------------------

def cross_validate(corpus: Corpus, make_model: Callable[[Corpus], object], folds: int = 5,
                   extra: Sequence[Callable[[Sequence[str]], object]] = (), n_jobs: int = 2) -> dict[str, Scores]:
    """Grouped k-fold cross-validation: no ``doc`` has sentences on both sides of a split.

    Parameters
    ----------
    corpus : Corpus
    make_model : callable
        Fits a model (anything with ``labels`` and ``predict_proba(pairs)``) on a training
        sub-corpus.
    extra : sequence of callable
        Baseline factories (taking the training labels), scored on the same folds.
    n_jobs : int, default 2
        Folds fitted in parallel.

    Returns
    -------
    dict of name to Scores, over the out-of-fold predictions of every pair; and, for each
    name, ``name + AGAINST_USUAL``: the Scores over the pairs whose label is not the one
    their actor has most often in the training folds (an actor that breaks with its usual
    side, or is only mentioned), where a model that learnt actors' usual sides errs most.
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold

    labels = np.asarray(corpus.labels)
    factories = [make_model] + [lambda c, f=f: f(c.labels) for f in extra]
    splits = list(GroupKFold(n_splits=folds).split(corpus.pairs, labels, corpus.groups))
    # Folds are independent: fit them on every core (loky processes; cloudpickle carries the lambdas).
    outcomes = Parallel(n_jobs=n_jobs)(
        delayed(_run_fold)(corpus.subset(train_idx), [corpus.examples[i].pair for i in test_idx], factories)
        for train_idx, test_idx in splits
    )
    order = [i for _, test_idx in splits for i in test_idx]
    gold = [str(labels[i]) for i in order]
    unusual = [u for train_idx, test_idx in splits for u in _against_usual(corpus, labels, train_idx, test_idx)]
    against = [i for i, u in enumerate(unusual) if u]  # positions in ``gold``, which is in the same order
    names = outcomes[0][0]
    out = {}
    for k, name in enumerate(names):
        predicted = [p for _, fold in outcomes for p in fold[k]]
        out[name] = score(gold, predicted)
        out[name + AGAINST_USUAL] = score([gold[i] for i in against], [predicted[i] for i in against])
    return out


AGAINST_USUAL = ", against the actor's usual label"


def _against_usual(corpus: Corpus, labels: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> list[bool]:
    """For each test pair: is its label other than its actor's most frequent training label?
    (False for an actor the training folds do not have.)"""
    counts: dict[str, Counter[str]] = {}
    for i in train_idx:
        counts.setdefault(corpus.examples[i].pair.actor, Counter())[str(labels[i])] += 1
    usual = {actor: c.most_common(1)[0][0] for actor, c in counts.items()}
    return [usual.get(corpus.examples[i].pair.actor, str(labels[i])) != str(labels[i]) for i in test_idx]


def _run_fold(train: Corpus, test_pairs: list[Pair], factories: Sequence[Callable[[Corpus], object]]
              ) -> tuple[list[str], list[list[str]]]:
    names, predictions = [], []
    for factory in factories:
        model = factory(train)
        names.append(getattr(model, "name", "model"))
        proba = model.predict_proba(test_pairs)
        predictions.append([str(model.labels[j]) for j in proba.argmax(axis=1)])
    return names, predictions
