"""Does a training file help? Correct real-article cells with and without it, over subsamples.

    python bench/data_value.py data/train/bolivia-2019/world-press.csv
    python bench/data_value.py FILE [FILE ...] [--seeds 4] [--drop 0.1]

One refit of the general model moves the real article sets (about 42 cells each) by a cell
or two whatever is added or removed, so a single before/after comparison cannot tell a
useful file from noise. Here the comparison is repeated on several slightly different
corpora: for each seed, the same random share (``--drop``, 10% by default) of the other
training documents is left out of both fits, one with the files under test and one without.
The score is the number of correct cells on every real article set the targets name
(``eval_sets``, e.g. ``../shared/eval`` and ``../shared/dev/*``, when present), summed over
the seeds. The files given are tested together, as one addition; they must already be in a
target's training folder. About 1 min per seed on 2 cores.

This is how the training files of December 2026 were kept or left out (``docs/accuracy.md``).
A file chosen because it won here has been selected on these sets: its gain is a development
figure, not a promise for unseen articles.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from pipeline.corpus import Corpus


def split_for(corpus: Corpus, files: set[Path], seed: int, drop: float) -> tuple[list[int], list[int]]:
    """The example indices of the fits without and with ``files``, for one seed.

    Parameters
    ----------
    corpus : Corpus
        Every target's examples, combined (their ``doc`` names carry the target).
    files : set of Path
        Resolved paths of the training files under test.
    seed : int
        Chooses the documents left out of both fits.
    drop : float in [0, 1)
        The share of the other documents left out.

    Returns
    -------
    without, with : list of int
        Indices into ``corpus.examples``: ``with`` is ``without`` plus the files' examples.
    """
    tested = [Path(example.where.rsplit(":", 1)[0]).resolve() in files for example in corpus.examples]
    docs = sorted({example.doc for example, is_tested in zip(corpus.examples, tested, strict=True) if not is_tested})
    rng = random.Random(seed)
    dropped = {doc for doc in docs if rng.random() < drop}
    kept = [i for i, example in enumerate(corpus.examples) if example.doc not in dropped]
    return [i for i in kept if not tested[i]], kept


def correct_cells(corpus: Corpus, configs: list, indices: list[int]) -> dict[str, tuple[int, int]]:
    """``(correct, scored)`` cells per real article set of the general model fitted on ``indices``."""
    from pipeline.model import fit
    from pipeline.training import evaluate_gold, gold_sets

    trained = fit(corpus.subset(indices), configs)
    cells = {}
    for config in configs:
        model = trained.linear_for(config)
        for name, articles, gold in gold_sets(config):
            if gold != config.samples_gold:  # the real articles, not the samples we wrote
                scores = evaluate_gold(config, articles, gold, [model])["model"]
                cells[name.removesuffix(" (real articles)")] = (round(scores.accuracy * scores.n), scores.n)
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="training CSV files, already in a target's folder")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--drop", type=float, default=0.1, help="share of the other documents left out per seed")
    args = parser.parse_args(argv)
    from joblib import Parallel, delayed

    from pipeline.config import TargetConfig
    from pipeline.corpus import Corpus
    from pipeline.training import model_targets, trainable_corpora

    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    if args.seeds < 1 or not 0 <= args.drop < 1:
        parser.error("need --seeds >= 1 and 0 <= --drop < 1")
    files = {path.resolve() for path in args.files}
    configs, corpora = trainable_corpora(model_targets(TargetConfig.load()), log=lambda line: None)
    corpus = Corpus.combine(corpora)
    splits = [split_for(corpus, files, seed, args.drop) for seed in range(args.seeds)]
    if all(len(without) == len(with_) for without, with_ in splits):
        parser.error("the files are in no target's training folder")
    jobs = [(seed, which, indices) for seed, (without, with_) in enumerate(splits)
            for which, indices in (("without", without), ("with", with_))]
    results = Parallel(n_jobs=2)(delayed(correct_cells)(corpus, configs, indices) for _, _, indices in jobs)
    totals = {"without": 0, "with": 0}
    print("seed\tfit\tpairs\t" + "\t".join(results[0]))
    for (seed, which, indices), cells in zip(jobs, results, strict=True):
        totals[which] += sum(correct for correct, _ in cells.values())
        print(f"{seed}\t{which}\t{len(indices)}\t" + "\t".join(f"{correct}/{n}" for correct, n in cells.values()))
    scored = args.seeds * sum(n for _, n in results[0].values())
    print(f"correct real cells over {args.seeds} seeds ({scored} scored): without {totals['without']}, "
          f"with {totals['with']} ({totals['with'] - totals['without']:+d})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
