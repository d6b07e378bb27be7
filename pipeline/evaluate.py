"""Scores: against a gold matrix (cells), by grouped cross-validation (pairs), and the
same measures for simple baselines, so that every figure can be compared side by side.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.actors.text import fold
from pipeline.corpus import LABELS, STANCE_LABELS, Corpus
from pipeline.errors import StanceError
from pipeline.features import Pair
from pipeline.lang import LanguagePack, english

if TYPE_CHECKING:
    from pipeline.runner import StancePipeline


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
    # Cell scores only: (gold actors with a stance that got a row, gold actors with a stance).
    actors_found: tuple[int, int] | None = None

    def as_dict(self) -> dict:
        out = {"n": self.n, "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
               "per_class": {k: {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": s}
                             for k, (p, r, f, s) in self.per_class.items()},
               "confusion": self.confusion, "labels": list(LABELS)}
        if self.actors_found is not None:
            out["actors_found"] = list(self.actors_found)
        return out


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
    lines = [f"{title}: n={scores.n}  accuracy={scores.accuracy:.3f}  macro-F1(support,oppose,neutral)={scores.macro_f1:.3f}"]
    if scores.actors_found is not None and scores.actors_found[1]:
        found, total = scores.actors_found
        lines.append(f"  actor recall (gold actors with a stance that get a row): {found / total:.3f} ({found}/{total})")
    lines.append(f"  {'class':<8} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}")
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
    """Cell scores over the gold rows; an actor the system did not output counts as ``none``.

    Actor names match whatever their accents and case: a gold key typed "Stephane Dujarric"
    is the actor the dictionary names "Stéphane Dujarric"."""
    def key(cell: tuple[str, str]) -> tuple[str, str]:
        return cell[0], fold(cell[1]).casefold()

    found = {key(k): v for k, v in cells.items()}
    keys = sorted(gold)
    scores = score([gold[k] for k in keys], [found.get(key(k), "none") for k in keys])
    with_stance = [k for k in keys if gold[k] != "none"]
    return replace(scores, actors_found=(sum(key(k) in found for k in with_stance), len(with_stance)))


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
    """Counts the target's cue words in the sentence; the most frequent cue class wins.

    ``cues`` are one target's cue phrases per class, or, per target name, each target's
    (a pair takes its own target's, or the first's).
    """

    name = "keywords"

    def __init__(self, cues: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        from pipeline.actors import fold

        by_target = cues if all(isinstance(v, Mapping) for v in cues.values()) and cues else {"": cues}
        self.cues = {target: {label: [fold(c).lower() for c in phrases] for label, phrases in phrases_of.items()}
                     for target, phrases_of in by_target.items()}
        self.labels = LABELS

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        from pipeline.actors import fold

        out = np.zeros((len(pairs), len(LABELS)))
        default = next(iter(self.cues.values()))
        for row, pair in enumerate(pairs):
            text = fold(pair.text).lower()
            cues = self.cues.get(pair.target, default)
            counts = {label: sum(text.count(c) for c in phrases) for label, phrases in cues.items()}
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


# The sentiment baselines a language pack may name (``LanguagePack.sentiment_baseline``).
SENTIMENT_BASELINES: dict[str, Callable[[], object]] = {"vader": lambda: VaderBaseline()}


def baseline_factories(cues: Mapping, lang: LanguagePack | None = None) -> list[Callable[[Sequence[str]], object]]:
    """Factories of the baselines every evaluation reports beside the model; each takes the
    training labels. The sentiment baseline is the one ``lang`` names (English: VADER), if any."""
    sentiment = (lang or english()).sentiment_baseline
    factories: list[Callable[[Sequence[str]], object]] = [MajorityBaseline, lambda labels: KeywordBaseline(cues)]
    if sentiment is not None:
        make = SENTIMENT_BASELINES[sentiment]
        factories.append(lambda labels: make())
    return factories


def baselines(training_labels: Sequence[str], cues: Mapping, lang: LanguagePack | None = None) -> list:
    """The baselines, built for training data with these labels."""
    return [factory(training_labels) for factory in baseline_factories(cues, lang)]


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


# --- Actor-swap suite --------------------------------------------------------------------

@dataclass(frozen=True)
class SwapCase:
    """One filled template of the actor-swap suite: its frame (templates of one frame differ
    only in the action), gold label, the fill's camp and canonical actor, and the sentence."""

    frame: str
    label: str
    template: str
    camp: str
    actor: str
    text: str


@dataclass(frozen=True)
class SwapReport:
    """Predictions on the actor-swap suite, an invariance test in the sense of CheckList
    (Ribeiro et al., 2020): the same sentence with another actor must keep its label.

    ``flip_rate`` is the share of templates whose predicted label changes with the actor;
    ``action_accuracy`` the share of (frame, actor) whose every action variant is right.
    """

    cases: list[SwapCase]
    predicted: list[str]

    @property
    def accuracy(self) -> float:
        return sum(c.label == p for c, p in zip(self.cases, self.predicted, strict=True)) / max(len(self.cases), 1)

    def cells(self) -> dict[tuple[str, str], tuple[int, int]]:
        """``{(label, camp): (correct, n)}``."""
        out: dict[tuple[str, str], list[int]] = {}
        for case, predicted in zip(self.cases, self.predicted, strict=True):
            cell = out.setdefault((case.label, case.camp), [0, 0])
            cell[0] += case.label == predicted
            cell[1] += 1
        return {key: (correct, n) for key, (correct, n) in out.items()}

    @property
    def flip_rate(self) -> float:
        by_template: dict[str, set[str]] = {}
        for case, predicted in zip(self.cases, self.predicted, strict=True):
            by_template.setdefault(case.template, set()).add(predicted)
        return sum(len(labels) > 1 for labels in by_template.values()) / max(len(by_template), 1)

    @property
    def action_accuracy(self) -> float:
        by_frame: dict[tuple[str, str], bool] = {}
        for case, predicted in zip(self.cases, self.predicted, strict=True):
            key = (case.frame, case.actor)
            by_frame[key] = by_frame.get(key, True) and case.label == predicted
        return sum(by_frame.values()) / max(len(by_frame), 1)

    @property
    def worst_cell(self) -> float:
        return min((correct / n for correct, n in self.cells().values()), default=0.0)

    def as_dict(self) -> dict:
        return {"n": len(self.cases), "accuracy": round(self.accuracy, 4), "flip_rate": round(self.flip_rate, 4),
                "action_accuracy": round(self.action_accuracy, 4), "worst_cell": round(self.worst_cell, 4),
                "cells": {f"{label}/{camp}": round(correct / n, 4) for (label, camp), (correct, n) in self.cells().items()}}

    def format(self) -> str:
        """A plain-text table: accuracy per label (rows) and camp (columns), then the summary."""
        camps = list(dict.fromkeys(c.camp for c in self.cases))
        cells = self.cells()
        lines = [f"  {'label':<8} " + " ".join(f"{camp:>14}" for camp in camps)]
        for label in LABELS:
            row = [cells.get((label, camp)) for camp in camps]
            if any(row):
                lines.append(f"  {label:<8} " + " ".join(f"{c / n:>14.3f}" if n else f"{'':>14}" for c, n in
                                                        (cell or (0, 0) for cell in row)))
        lines.append(f"  accuracy {self.accuracy:.3f}, worst label x camp {self.worst_cell:.3f}, "
                     f"flip rate {self.flip_rate:.3f}, all actions right {self.action_accuracy:.3f} (n={len(self.cases)})")
        return "\n".join(lines)

    def mistakes(self) -> list[tuple[SwapCase, str]]:
        return [(c, p) for c, p in zip(self.cases, self.predicted, strict=True) if c.label != p]

    def format_mistakes(self) -> str:
        """The templates read wrong, most fills wrong first: the gold label, what the fills
        got (with how many), and the template. What a reader needs to see what the model
        misreads, one line per template rather than one per actor."""
        got: dict[str, Counter] = {}
        gold: dict[str, str] = {}
        for case, predicted in zip(self.cases, self.predicted, strict=True):
            got.setdefault(case.template, Counter())[predicted] += 1
            gold[case.template] = case.label
        misread = {template: counts.total() - counts[gold[template]] for template, counts in got.items()}
        wrong = sorted((template for template, n in misread.items() if n), key=lambda t: (-misread[t], t))
        lines = [f"  templates read wrong: {len(wrong)} of {len(got)}"]
        for template in wrong:
            counts = ", ".join(f"{label} {k}" for label, k in got[template].most_common())
            lines.append(f"  {gold[template]:<8} got {counts} (of {got[template].total()}): {template}")
        return "\n".join(lines)


def swap_cases(path: Path, resolve: Callable[[str], str]) -> list[SwapCase]:
    """The filled templates of a swap suite: ``path`` is a CSV with ``frame,label,template``
    (``{actor}`` marks the slot) beside a TOML of the same stem with ``[camps]`` lists of
    fills; ``resolve`` gives a fill's canonical actor."""
    import tomllib

    fills_path = Path(path).with_suffix(".toml")
    try:
        camps = tomllib.loads(fills_path.read_text(encoding="utf-8"))["camps"]
    except (OSError, KeyError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StanceError(f"{fills_path}: unreadable swap fills ({exc})") from None
    if not isinstance(camps, dict) or not all(isinstance(v, list) and all(isinstance(f, str) for f in v)
                                              for v in camps.values()):
        raise StanceError(f"{fills_path}: [camps] must map each camp to a list of actor names")
    fills = [(camp, fill, resolve(fill)) for camp, names in camps.items() for fill in names]
    cases = []
    for line, row in _labelled_rows(Path(path), {"frame", "stance", "template"}, "swap "):
        if row["template"].count("{actor}") != 1:
            raise StanceError(f"{path}: line {line}: a template holds {{actor}} exactly once")
        for camp, fill, actor in fills:
            text = row["template"].replace("{actor}", fill)
            cases.append(SwapCase(row["frame"], row["stance"], row["template"], camp, actor, text[:1].upper() + text[1:]))
    return cases


def run_swap(pipeline: StancePipeline, path: Path) -> SwapReport:
    """Classify every filled template of the swap suite at ``path`` as a one-sentence
    article, at country level (a fill's people and institutions count for its country)."""
    from pipeline.read import Article

    def resolve(fill: str) -> str:
        found = pipeline.matcher.find(fill)
        if not found:
            raise StanceError(f"{path}: swap fill {fill!r} names no actor of the dictionary")
        return pipeline.dictionary.roll_up(found[0].actor, None)

    cases = swap_cases(path, resolve)
    predicted = []
    for number, case in enumerate(cases):
        cells = pipeline.analyze(Article(f"swap-{number}", case.text, "swap"), level="country").cells
        predicted.append(next((c.stance for c in cells if c.actor == case.actor), "none"))
    return SwapReport(cases, predicted)
