"""`make train`: fit the model of a target, measure it, write it with its model card."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import TargetConfig, project_root
from pipeline.corpus import LABELS, Corpus, load_target_corpus
from pipeline.errors import StanceError
from pipeline.evaluate import (
    AGAINST_USUAL,
    KeywordBaseline,
    Scores,
    SwapReport,
    baseline_factories,
    baselines,
    cross_validate,
    read_gold,
    run_swap,
    score_cells,
)
from pipeline.model import DEFAULT_C, DEFAULT_SVM_C, TrainedModel, fit, fit_linear, save_model
from pipeline.read import list_sources, read_articles
from pipeline.runner import StancePipeline


@dataclass
class GoldRun:
    """Scores of the model and of each baseline on one gold set of articles."""

    name: str
    articles: Path
    gold: Path
    scores: dict[str, Scores]


def gold_sets(config: TargetConfig) -> list[tuple[str, Path, Path]]:
    """Held-out article sets with a gold key, ``(name, articles, gold)``: the target's
    ``eval_sets`` that exist (real articles) and its samples (written by the team)."""
    root = project_root()
    sets = []
    for folder in config.eval_sets:
        gold = folder / "gold.csv"
        if gold.is_file():
            articles = folder / "articles" if (folder / "articles").is_dir() else folder
            sets.append((f"{config.name} {_shown(folder, root)} (real articles)", articles, gold))
    if config.samples_path and config.samples_gold and config.samples_gold.is_file():
        sets.append((f"{config.name} samples (written by the team)", config.samples_path, config.samples_gold))
    return sets


def _shown(path: Path, root: Path) -> str:
    """A path as a reader finds it: relative to the project, or to its parent (``shared/...``).

    Read as written first ("../shared/eval" is ``shared/eval`` even when ``../shared`` is a
    link elsewhere: the name written into docs/accuracy.md must not depend on the machine),
    then with links followed."""
    as_written = (Path(os.path.normpath(path.absolute())), Path(os.path.normpath(root.absolute())))
    for where, project in (as_written, (path.resolve(), root.resolve())):
        for base in (project, project.parent):
            if where.is_relative_to(base):
                return str(where.relative_to(base))
    return str(path)


def predict_cells(pipeline: StancePipeline, sources: Iterable[str], level: str = "actor") -> dict[tuple[str, str], str]:
    """``{(article, actor): stance}`` for every readable source."""
    cells = {}
    for article in read_articles(sources):
        if hasattr(article, "text"):
            for cell in pipeline.analyze(article, level=level).cells:
                cells[(cell.article, cell.actor)] = cell.stance
    return cells


def evaluate_gold(config: TargetConfig, articles: Path, gold_path: Path, models: list, level: str = "actor") -> dict[str, Scores]:
    """Score each model (the classifier and baselines) on a folder of articles with a gold key."""
    gold = read_gold(gold_path)
    sources = list_sources([str(articles)])
    out = {}
    pipeline = StancePipeline(config)
    for model in models:
        out[getattr(model, "name", "model")] = score_cells(gold, predict_cells(pipeline.with_model(model), sources,
                                                                                level))
    return out


def model_targets(config: TargetConfig) -> list[TargetConfig]:
    """The targets whose corpora train ``config``'s model: every target of ``targets/``
    naming the same model folder (one model learns from every event that shares it),
    ``config`` first."""
    folder = config.model_dir.resolve()
    others = []
    for path in sorted((project_root() / "targets").glob("*.toml")):
        if config.source is not None and path.resolve() == config.source.resolve():
            continue
        other = TargetConfig.load(path)
        if other.model_dir.resolve() == folder and other.name != config.name:
            others.append(other)
    return [config, *others]


def trainable_corpora(configs: list[TargetConfig], log: Callable[[str], None] = print
                      ) -> tuple[list[TargetConfig], list[Corpus]]:
    """The targets that have labelled data, with their corpora.

    A target whose training folder holds no CSV yet (a new event just made by ``stance
    init``) is skipped with a note, so that it can share ``models/general`` from the start;
    if none has data, training fails.
    """
    kept, corpora = [], []
    for target in configs:
        if target.train_path.is_dir() and not any(target.train_path.glob("*.csv")):
            log(f"note: target {target.name}: no labelled data yet in {target.train_path}: skipped")
            continue
        kept.append(target)
        corpora.append(load_target_corpus(target))
    if not kept:
        raise StanceError(f"no labelled data in any target sharing {configs[0].model_dir}: nothing to train on")
    return kept, corpora


# Names of the comparison rows of cross-validation: the calibrated SVM is always measured
# beside the model (issue 20: a second classifier, compared in the model card), and when the
# SVM is the model, the logistic regression is measured beside it.
SVM_ROW = "svm (calibrated)"
# The model with the optional principal prior (pipeline.aggregate, rule 4), off by default.
PRIOR_ROW = "model + principal prior (optional)"
LOGISTIC_ROW = "logistic regression"


def train(config: TargetConfig, C: float = DEFAULT_C, folds: int = 5, log: Callable[[str], None] = print,
          force: bool = False) -> TrainedModel:
    """Load the corpora of every target sharing ``config``'s model, cross-validate, score
    each target's held-out articles and swap suite (and, with several targets, each one
    with a model trained on the others only), fit on everything, save.

    The classifier is ``config.classifier`` (``"logistic"`` or ``"svm"``); ``C`` is the
    logistic regression's, the SVM always uses :data:`~pipeline.model.DEFAULT_SVM_C`.
    Cross-validation also scores the other kind, under :data:`SVM_ROW` or :data:`LOGISTIC_ROW`
    (and :data:`SVM_ROW` repeats the model's figures when the SVM is the model).

    A model whose cross-validated macro-F1 is below the keyword baseline's is not saved
    unless ``force``.
    """
    started = time.perf_counter()
    configs, corpora = trainable_corpora(model_targets(config), log)
    corpus = Corpus.combine(corpora)
    for c, part in zip(configs, corpora, strict=True):
        log(f"corpus {c.name}: {len(part.examples)} pairs from {len(part.files)} files, {part.distribution()}")
    if len(corpus.examples) > LARGE_CORPUS:
        log(f"note: {len(corpus.examples):,} pairs: training takes minutes and gigabytes (measured on 1 million pairs: "
            "about 6 minutes and 13 GiB of memory); cross-validation fits the model five times more")
    cues = {c.name: c.cues for c in configs}

    kind = config.classifier
    C_kind = DEFAULT_SVM_C if kind == "svm" else C
    weight = config.vector_weight
    cv = cross_validate(corpus, lambda sub: fit_linear(sub, configs, C_kind, kind, vector_weight=weight), folds,
                        baseline_factories(cues, configs[0].lang))
    # The other kind on the same folds (GroupKFold is deterministic): a second run, since
    # cross_validate's extra systems are baselines built from labels alone.
    other, other_C, other_row = ("logistic", C, LOGISTIC_ROW) if kind == "svm" else ("svm", DEFAULT_SVM_C, SVM_ROW)
    try:
        compared = cross_validate(corpus, lambda sub: fit_linear(sub, configs, other_C, other, vector_weight=weight),
                                  folds)
    except StanceError as exc:  # a new event's first few labels: too few for three calibration folds
        log(f"note: {other_row} not cross-validated: {exc}")
        compared = {}
    for suffix in ("", AGAINST_USUAL):
        if compared:
            cv[other_row + suffix] = compared["model" + suffix]
        if kind == "svm":
            cv[SVM_ROW + suffix] = cv["model" + suffix]
    trained = fit(corpus, configs, C=C_kind, kind=kind, vector_weight=weight)
    gold_runs: list[GoldRun] = []
    swaps: dict[str, SwapReport] = {}
    for target in configs:
        model = trained.linear_for(target)
        for name, articles, gold in gold_sets(target):
            scores = evaluate_gold(target, articles, gold, [model, *baselines(corpus.labels, target.cues, target.lang)])
            if target.principals and not target.principal_prior:  # the optional step, reported on its own
                with_prior = evaluate_gold(replace(target, principal_prior=True), articles, gold, [model])["model"]
                scores[PRIOR_ROW] = with_prior
            gold_runs.append(GoldRun(name, articles, gold, scores))
        if target.swap is not None and target.swap.is_file():
            swaps[target.name] = run_swap(StancePipeline(target, model=model), target.swap)
    if len(configs) > 1:  # each event scored by a model that never saw it
        from joblib import Parallel, delayed

        # The fits are independent: one per core (loky processes), as cross-validation's folds.
        held_out = Parallel(n_jobs=2)(
            delayed(_held_out_scores)(
                held, [c for c in configs if c is not held],
                Corpus.combine([p for c, p in zip(configs, corpora, strict=True) if c is not held]),
                [(run.name, run.articles, run.gold) for run in gold_runs if run.name.startswith(held.name + " ")],
                C_kind, kind, weight)
            for held in configs)
        by_name = {name: scores for result in held_out for name, scores in result.items()}
        for run in gold_runs:
            if run.name in by_name:
                run.scores.update(by_name[run.name])
    log(format_table(cv, gold_runs, swaps))
    keyword = cv.get(KeywordBaseline.name)
    if keyword is not None and cv["model"].macro_f1 < keyword.macro_f1 and not force:
        raise StanceError(f"cross-validated macro-F1 {cv['model'].macro_f1:.3f} is below the keyword baseline's "
                          f"{keyword.macro_f1:.3f}: model not saved (--force saves it anyway)")
    trained.manifest["cv"] = {name: s.as_dict() for name, s in cv.items()}
    trained.manifest["gold"] = {run.name: {who: s.as_dict() for who, s in run.scores.items()} for run in gold_runs}
    trained.manifest["swap"] = {name: report.as_dict() for name, report in swaps.items()}
    trained.manifest["train_seconds"] = round(time.perf_counter() - started, 1)
    save_model(trained, config.model_dir, card=model_card(configs, corpora, cv, gold_runs, swaps, trained.manifest))
    log(f"saved {config.model_dir} in {trained.manifest['train_seconds']} s")
    figures = project_root() / "docs" / "accuracy.md"
    if write_figures(figures, trained.manifest, evaluation_table(cv, gold_runs, swaps)):
        log(f"wrote the figures of {figures}")
    return trained


def _held_out_scores(held: TargetConfig, rest: list[TargetConfig], corpus: Corpus,
                     runs: list[tuple[str, Path, Path]], C: float, kind: str, vector_weight: float
                     ) -> dict[str, dict[str, Scores]]:
    """Scores, on ``held``'s gold sets ``runs`` (``(name, articles, gold)``), of a model fitted
    on ``corpus``, the corpora of the other targets ``rest`` only."""
    if not runs:
        return {}
    model = fit(corpus, rest, C, kind, vector_weight).linear_for(held)
    model.name = "model trained on the other events"
    return {name: evaluate_gold(held, articles, gold, [model]) for name, articles, gold in runs}


def evaluation_table(cv: dict[str, Scores], gold_runs: list[GoldRun], swaps: dict[str, SwapReport]) -> list[str]:
    """Every evaluation as the lines of a Markdown table (the model card's and docs/accuracy.md's)."""
    lines = ["| evaluation | system | n | accuracy | macro-F1 (support, oppose, neutral) |",
             "| --- | --- | ---: | ---: | ---: |"]
    lines += [f"| cross-validation | {name} | {s.n} | {s.accuracy:.3f} | {s.macro_f1:.3f} |" for name, s in cv.items()]
    for run in gold_runs:
        lines += [f"| {run.name} | {who} | {s.n} | {s.accuracy:.3f} | {s.macro_f1:.3f} |" for who, s in run.scores.items()]
    for name, report in swaps.items():
        lines.append(f"| actor-swap suite {name} | model | {len(report.cases)} | {report.accuracy:.3f} | "
                     f"worst label × camp {report.worst_cell:.3f}, flip rate {report.flip_rate:.3f} |")
    return lines


# docs/accuracy.md holds the latest training's figures between these markers (issue 20:
# accuracy generated from the manifest by `make train`).
FIGURES_START, FIGURES_END = "<!-- figures: written by `make train`, do not edit -->", "<!-- end of figures -->"


def write_figures(path: Path, manifest: dict, table: list[str]) -> bool:
    """Replace the generated block of ``path`` (between :data:`FIGURES_START` and
    :data:`FIGURES_END`) with this training's table; False (and nothing written) when the
    file or its markers are absent, as in a project of one's own."""
    from pipeline.export import replace_block

    pairs = manifest.get("examples", 0)
    # No date or duration: the same data give the same page, so a clone stays clean after `make test`.
    return replace_block(path, FIGURES_START, FIGURES_END, [
        f"Written by `make train` ({pairs:,} training pairs of {', '.join(manifest.get('targets', []))}; the "
        "date and the training time are in the model card).", "", *table])


def format_table(cv: dict[str, Scores], gold_runs: list[GoldRun], swaps: dict[str, SwapReport]) -> str:
    """One plain-text table of every evaluation: cross-validation, each gold set, the swap suites."""
    rows = [("cross-validation (pairs)", name, s) for name, s in cv.items()]
    rows += [(run.name, who, s) for run in gold_runs for who, s in run.scores.items()]
    width = max(len(f"{where} | {who}") for where, who, _ in rows)
    lines = [f"{'evaluation | system':<{width}}  {'n':>5}  accuracy  macro-F1"]
    lines += [f"{f'{where} | {who}':<{width}}  {s.n:>5}  {s.accuracy:>8.3f}  {s.macro_f1:>8.3f}" for where, who, s in rows]
    for name, report in swaps.items():
        lines += [f"actor-swap suite {name} (accuracy per label x usual camp of the actor):", report.format()]
    return "\n".join(lines)


def _classifier_text(manifest: dict) -> str:
    """The classifier step of the model, as the card names it."""
    C = manifest["params"]["C"]
    if manifest.get("kind", "logistic") == "svm":
        return f"`CalibratedClassifierCV(LinearSVC(C={C}), method='sigmoid', cv=3)`"
    return f"`LogisticRegression(C={C}, class_weight='balanced', solver='newton-cg')`"


def _vectors_text(manifest: dict) -> list[str]:
    """The model card's paragraph on the word-vector classifier, if the model has one."""
    vectors = manifest.get("vectors")
    if not vectors:
        return ["No word vectors (`vector_weight = 0` in the target file).", ""]
    return [f"Blended with weight {vectors['weight']} (`vector_weight`): a `LogisticRegression(C={vectors['C']})` over "
            f"pretrained word vectors ({vectors['dim']} dimensions, the input embeddings of all-MiniLM-L6-v2 from "
            f"`{vectors['source']}`): the means of the sentence's vectors and of the {vectors['window']} word pieces "
            "each side of the actor's mention. Every figure below is of the blend.", ""]


LARGE_CORPUS = 200_000  # pairs; ours has about 11,500
SWAP_TARGETS = {"accuracy": 0.95, "worst label x camp": 0.90, "flip rate": 0.05}


def model_card(configs: list[TargetConfig], corpora: list[Corpus], cv: dict[str, Scores], gold_runs: list[GoldRun],
               swaps: dict[str, SwapReport], manifest: dict) -> str:
    """The model card, generated from the figures of this training run."""
    lines = [
        f"# Model card: {', '.join(c.name for c in configs)}",
        "",
        *[f"- `{c.name}`: {c.description}" for c in configs],
        "",
        f"Generated by `make train` on {manifest['trained_at']}; do not edit.",
        "",
        "## Model",
        "scikit-learn Pipeline: `PairFeaturizer` (features of a (sentence, actor) pair, each target's cue words; the "
        "holder's own name and camp are never features) → "
        f"`TfidfVectorizer` → {_classifier_text(manifest)}. "
        "One model learns from the corpora of every target listed, each featurised with its own cue words.",
        "",
        f"Classifier kind `{manifest.get('kind', 'logistic')}` (`classifier` in the target file). Cross-validation "
        f"also scores the other kind on the same folds: `{SVM_ROW}` is `CalibratedClassifierCV(LinearSVC(C="
        f"{DEFAULT_SVM_C}), method='sigmoid', cv=3)` over the same features (it repeats the model's figures when the "
        f"SVM is the model), `{LOGISTIC_ROW}` the logistic regression when it is not.",
        "",
        *_vectors_text(manifest),
        "## Training data",
        "",
        "| target | pairs | docs | actors | support | oppose | neutral | none |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for config, corpus in zip(configs, corpora, strict=True):
        dist = corpus.distribution()
        counts = [len(corpus.examples), len({e.doc for e in corpus.examples}), len({e.pair.actor for e in corpus.examples}),
                  *(dist[label] for label in LABELS)]
        lines.append(f"| {config.name} | " + " | ".join(map(str, counts)) + " |")
    lines += ["", "## Every evaluation", "",
              "Cross-validation is grouped by doc over all the corpora (pairs); each system is also scored on the pairs "
              "whose label is not their actor's most frequent in the training folds. Held-out sets are scored by cell "
              "(an actor the system gives no row counts as `none`). With several targets, each set is also scored by a "
              f"model trained on the other targets only. `{PRIOR_ROW}` is the same model with the optional principal "
              "prior (`principal_prior` in the target file, off by default): a principal's cell without a stance read "
              "in the text takes the principal's side.", "",
              *evaluation_table(cv, gold_runs, swaps), ""]
    model_cv = cv.get("model")
    if model_cv:
        lines += ["Per class (model, cross-validation):", "", "| class | precision | recall | F1 | n |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {k} | {p:.3f} | {r:.3f} | {f:.3f} | {n} |" for k, (p, r, f, n) in model_cv.per_class.items()]
        lines.append("")
    for name, report in swaps.items():
        camps = list(dict.fromkeys(c.camp for c in report.cases))
        cells = report.cells()
        lines += [f"## Actor-swap suite: {name}", "",
                  "Templates of every label filled with actors of every usual camp, each a one-sentence article "
                  "scored at country level. Targets: " + ", ".join(f"{k} {'≤' if k == 'flip rate' else '≥'} {v}"
                                                                for k, v in SWAP_TARGETS.items()) + ".", "",
                  f"Accuracy {report.accuracy:.3f}, worst label × camp {report.worst_cell:.3f}, flip rate "
                  f"{report.flip_rate:.3f} (templates whose label changes with the actor), every action variant right "
                  f"{report.action_accuracy:.3f}; {len(report.cases)} sentences.", "",
                  "| label | " + " | ".join(camps) + " |", "| --- |" + " ---: |" * len(camps)]
        for label in LABELS:
            row = [cells.get((label, camp)) for camp in camps]
            if any(row):
                lines.append(f"| {label} | " + " | ".join(f"{c / n:.3f}" if n else "" for c, n in
                                                           (cell or (0, 0) for cell in row)) + " |")
        lines.append("")
    lines += ["## Versions", "", *[f"- {k}: {v}" for k, v in manifest["versions"].items()], "",
              f"Training took {manifest['train_seconds']} s.", ""]
    return "\n".join(lines)
