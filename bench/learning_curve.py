"""Learning curve of a new event (issue 21): labels from `stance label` against cell accuracy on real articles.

Bolivia 2019 is replayed as if it were new: its shipped corpus is left out, the general
model starts from the corpora of every other target (Maduro 2024, Belarus 2020, ...),
proposals come from articles we wrote ourselves (``bench/learning-curve/bolivia-2019/articles``),
and the annotator's answers are our labels of those proposals (``labels.csv``, made by
filling the ``stance`` column of ``python bench/learning_curve.py export``). The curve
takes the answers in the order the session proposes them, retrains the general model (the
other events + the first k Bolivia labels) at each checkpoint and scores its cells on
``../shared/dev/bolivia-2019`` (evaluation only: its sentences are never copied anywhere).

    python bench/learning_curve.py export proposals.csv    # the proposals, in session order
    python bench/learning_curve.py curve                   # the curve (about 20 s per checkpoint)
    python bench/learning_curve.py shipped                 # the same, from random documents of our
                                                           # shipped Bolivia corpus (about 6 min)

``shipped`` asks how far labels can go at all: instead of the session's proposals, the
Bolivia pairs come from whole documents of ``data/train/bolivia-2019`` (the best Bolivia
data we have, written in the register of real reporting), drawn at random with three seeds
per size, up to the whole corpus.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pipeline is imported once STANCE_HOME points at the replayed project
    from pipeline.config import TargetConfig
    from pipeline.corpus import Corpus

HERE = Path(__file__).resolve().parent / "learning-curve" / "bolivia-2019"
CHECKOUT = Path(__file__).resolve().parent.parent
DEV = CHECKOUT.parent / "shared" / "dev" / "bolivia-2019"
CHECKPOINTS = (0, 25, 50, 100, 150, 200, 250)
SHIPPED_SIZES = (0, 150, 300, 600, 1200, 2400)  # pairs of the shipped corpus, then all of it
SHIPPED_SEEDS = (0, 1, 2)


def make_home(home: Path) -> list[str]:
    """A project root with every target, Bolivia's corpus empty and its eval set the real
    articles; returns the names of the other targets (the events the general model knows)."""
    (home / "targets").mkdir(parents=True)
    (home / "data" / "train" / "bolivia-2019").mkdir(parents=True)
    shutil.copytree(CHECKOUT / "data" / "actors", home / "data" / "actors")
    others = sorted(p.stem for p in (CHECKOUT / "targets").glob("*.toml") if p.stem != "bolivia-2019")
    for name in others:
        shutil.copytree(CHECKOUT / "data" / "train" / name, home / "data" / "train" / name)
    for name in (*others, "bolivia-2019"):
        lines = [line for line in (CHECKOUT / "targets" / f"{name}.toml").read_text().splitlines()
                 if not line.startswith(("eval_sets", "samples", "swap"))]
        (home / "targets" / f"{name}.toml").write_text("\n".join(lines) + "\n")
    os.environ["STANCE_HOME"] = str(home)
    return others


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("export", "curve", "shipped"))
    parser.add_argument("output", nargs="?", type=Path)
    parser.add_argument("--order", choices=("session", "random", "article"), default="session",
                        help="answer the proposals in the session's order (most useful first), at random (seed 0), "
                             "or article by article, to measure what the ordering brings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        others = make_home(Path(tmp) / "home")
        from pipeline.config import TargetConfig
        from pipeline.corpus import LABELS, Corpus, load_target_corpus
        from pipeline.labelling import LabelStore, build_proposals, export_proposals
        from pipeline.model import fit
        from pipeline.read import list_sources
        from pipeline.runner import StancePipeline
        from pipeline.training import evaluate_gold

        known, bolivia = [TargetConfig.load(name) for name in others], TargetConfig.load("bolivia-2019")
        started = time.perf_counter()
        base = Corpus.combine([load_target_corpus(config) for config in known])
        if args.mode == "shipped":
            return shipped_curve(base, known, bolivia)
        model = fit(base, [*known, bolivia]).linear_for(bolivia)
        pipeline = StancePipeline(bolivia, model=model)
        sources = list_sources([str(HERE / "articles")])
        t0 = time.perf_counter()
        proposals = build_proposals(pipeline, sources, [])
        print(f"{len(sources)} articles, {len(proposals)} proposals in {time.perf_counter() - t0:.2f} s "
              f"(model fitted in {t0 - started:.1f} s)", file=sys.stderr)
        store = LabelStore(bolivia)
        store.order = {(p.doc, p.text): p.sentence for p in proposals}
        if args.mode == "export":
            export_proposals(proposals, store, args.output or Path("proposals.csv"))
            return 0
        with open(HERE / "labels.csv", newline="", encoding="utf-8") as handle:
            labels = {(r["doc"], r["text"], r["actor"]): r["stance"] for r in csv.DictReader(handle) if r["stance"]}
        answered = [(p, labels[(p.doc, p.text, p.actor)]) for p in proposals if (p.doc, p.text, p.actor) in labels]
        if args.order == "random":
            random.Random(0).shuffle(answered)
        elif args.order == "article":
            answered.sort(key=lambda a: (a[0].doc, a[0].sentence))
        agree = sum(label == p.proposed for p, label in answered)
        print(f"{len(answered)} of {len(proposals)} proposals labelled; the model's proposal accepted for {agree}",
              file=sys.stderr)
        print("labels\tpairs\taccuracy\tmacro-F1\tseconds")
        for k in (*[c for c in CHECKPOINTS if c < len(answered)], len(answered)):
            t0 = time.perf_counter()
            store.rows.clear()
            for proposal, label in answered[:k]:
                store.label(proposal, label)
            if k:
                store.save()
                corpus = Corpus.combine([base, load_target_corpus(bolivia)])
            else:
                corpus = base
            trained = fit(corpus, [*known, bolivia]).linear_for(bolivia)
            scores = evaluate_gold(bolivia, DEV / "articles", DEV / "gold.csv", [trained])["model"]
            pairs = len(corpus.examples) - len(base.examples)
            print(f"{k}\t{pairs}\t{scores.accuracy:.3f}\t{scores.macro_f1:.3f}\t{time.perf_counter() - t0:.0f}", flush=True)
            print(f"  {k} labels: confusion, rows gold, columns predicted, {'/'.join(LABELS)}: {scores.confusion}",
                  file=sys.stderr)
    return 0


def shipped_curve(base: Corpus, known: list[TargetConfig], bolivia: TargetConfig) -> int:
    """Cell accuracy on the real Bolivia articles of the general model fitted on the other
    events plus random whole documents of the shipped Bolivia corpus (see the module's doc)."""
    from dataclasses import replace

    from pipeline.corpus import Corpus, load_target_corpus
    from pipeline.model import fit
    from pipeline.training import evaluate_gold

    # Read as training reads it: the target's name (its cue words, its n-gram copies) and its principals.
    shipped = load_target_corpus(replace(bolivia, train_path=CHECKOUT / "data" / "train" / "bolivia-2019"))
    groups = shipped.groups
    sizes = Counter(groups)
    docs = sorted(sizes)
    print("pairs\tseed\taccuracy\tmacro-F1")
    for size in (*SHIPPED_SIZES, len(groups)):
        for seed in SHIPPED_SEEDS if 0 < size < len(groups) else (0,):
            order = docs[:]
            random.Random(seed).shuffle(order)
            chosen: set[str] = set()
            taken = 0
            for doc in order:  # whole documents, so that pronouns and headings resolve as written
                if taken >= size:
                    break
                chosen.add(doc)
                taken += sizes[doc]
            subset = shipped.subset([i for i, doc in enumerate(groups) if doc in chosen])
            trained = fit(Corpus.combine([base, subset]), [*known, bolivia]).linear_for(bolivia)
            scores = evaluate_gold(bolivia, DEV / "articles", DEV / "gold.csv", [trained])["model"]
            print(f"{len(subset.labels)}\t{seed}\t{scores.accuracy:.3f}\t{scores.macro_f1:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
