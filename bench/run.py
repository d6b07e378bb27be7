"""Benchmark: throughput, memory and start-up of `stance classify`, against the bare limit.

    .venv/bin/python bench/run.py                      # N = 100, 1,000, 10,000; results/latest.json
    .venv/bin/python bench/run.py --sizes 100 1000 --no-train

For each corpus size N (articles of ~600 words, see ``corpus.py``) it measures:

* **limit**: one process reads every file, splits it into sentences with NLTK Punkt and
  word-tokenises each sentence with scikit-learn's default regex, the work that no stance
  system can avoid;
* **single core**: the pipeline in this process (``iter_results``, ``jobs=1``), without
  start-up, wall and CPU time, with the number of (sentence, actor) pairs classified;
* **end to end**: ``stance classify FOLDER -o matrix.csv --jobs J`` as a user runs it, from
  process start to exit, with the peak RSS of the whole process tree (workers included);

and for each JSONL size (``--jsonl-sizes``, 100,000 by default) the same articles in one
``.jsonl`` file, ``stance classify corpus.jsonl -o matrix.csv --jobs 2`` end to end, in
articles/s with the peak RSS (beside the folder's run when that size was run as files too);

and for each size of ``--analyses-sizes`` (10,000 by default, as issue 18 asks) the same
folder run by ``stance classify``, ``stance network -o net.graphml`` and ``stance timeline
-o timeline.csv`` with ``--jobs 2``, each end to end, with the ratio of each to classify;

and, once: the cold start of ``stance classify one.txt`` (median of several runs), the
time of each stage on the 1,000-article corpus (classification excluding I/O in pairs/s),
and ``stance train`` (into a temporary folder, not over ``models/``).

The machine is shared when other programs run: the load average before and after is in
the results, and CPU times beside wall times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import corpus as bench_corpus  # noqa: E402

from pipeline.config import TargetConfig  # noqa: E402

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
STANCE = [sys.executable, "-m", "pipeline.cli"]
CLASSIFY_PASSES = 5  # as timeit.repeat: the best of five
TARGETS = {"pairs_per_s_one_core": 20_000, "e2e_1000_s": 10.0, "ratio_1000": 3.0, "cold_start_s": 1.0,
           "peak_rss_10000_mib": 1024, "train_s": 60.0,
           # issue 19: one JSONL of 100,000 articles in bounded memory; issue 18: network and
           # timeline cost at most 1.2x classify on the same 10,000 articles (wall time).
           "peak_rss_jsonl_100000_mib": 1024, "network_over_classify_10000": 1.2, "timeline_over_classify_10000": 1.2}


def limit_pass(files: list[Path]) -> dict:
    """Read, Punkt sentence split, regex word tokenise: the floor for any pipeline."""
    from pipeline.segment import PunktSentenceTokenizer

    punkt = PunktSentenceTokenizer()
    wall, cpu = time.perf_counter(), time.process_time()
    sentences = tokens = 0
    for path in files:
        text = path.read_bytes().decode("utf-8")
        for sentence in punkt.tokenize(text):
            sentences += 1
            tokens += len(TOKEN.findall(sentence.lower()))
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "sentences": sentences, "tokens": tokens}


def single_core(pipeline, files: list[Path]) -> dict:
    """The pipeline in this process, one article after the other, results streamed."""
    from pipeline.batch import iter_results

    wall, cpu = time.perf_counter(), time.process_time()
    pairs = articles = 0
    for result in iter_results(pipeline, [str(f) for f in files], keep_sentences=True):
        articles += 1
        pairs += len(result.predictions)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "articles": articles, "pairs": pairs}


def stages(pipeline, files: list[Path]) -> dict:
    """CPU time of each stage over ``files``, one core, and the classifier alone in pairs/s.

    Classification is ``predict_proba`` on the pairs of an article: featurisation, tf-idf
    and scores, no I/O. Featurisation is also timed alone, to show its share. The pairs/s
    figure is the best of ``CLASSIFY_PASSES`` passes over the pairs of all the articles,
    after the staged pass, as ``timeit`` reports: other programs on a shared machine can
    only slow a pass down. Every pass is recorded, and the staged pass's rate beside it.
    """
    from pipeline.features import sentence_pairs
    from pipeline.read import read_source

    model = pipeline.model
    spent = dict.fromkeys(("read", "segment", "actors", "pairs", "classify", "features_alone", "analyze"), 0.0)
    clock = time.process_time
    n_pairs = n_features = 0
    pairs_of_articles = []
    for path in files:
        start = clock()
        article = read_source(str(path))
        spent["read"] += clock() - start
        start = clock()
        sentences = pipeline.segmenter.split(article.text)
        spent["segment"] += clock() - start
        start = clock()
        mentions = pipeline.resolve(sentences, article.date)
        spent["actors"] += clock() - start
        start = clock()
        pairs = [p for s, m in zip(sentences, mentions, strict=True) for p in sentence_pairs(s.text, m, pipeline.dictionary)]
        spent["pairs"] += clock() - start
        start = clock()
        model.predict_proba(pairs)
        spent["classify"] += clock() - start
        start = clock()
        n_features += len(model.features.encode(pairs)[1])
        spent["features_alone"] += clock() - start
        n_pairs += len(pairs)
        pairs_of_articles.append(pairs)
        start = clock()
        pipeline.analyze(article)
        spent["analyze"] += clock() - start
    other = spent["analyze"] - spent["segment"] - spent["actors"] - spent["pairs"] - spent["classify"]
    passes = []
    for _ in range(CLASSIFY_PASSES):
        start = clock()
        for pairs in pairs_of_articles:
            model.predict_proba(pairs)
        passes.append(clock() - start)
    return {"articles": len(files), "pairs": n_pairs, "features_per_pair": round(n_features / max(n_pairs, 1), 1),
            "cpu_s": {**{k: round(v, 3) for k, v in spent.items()}, "predictions_aggregate": round(other, 3)},
            "pairs_per_s_one_core": round(n_pairs / min(passes)),
            "classify_passes_cpu_s": [round(t, 3) for t in passes],
            "pairs_per_s_staged_pass": round(n_pairs / spent["classify"]),
            "features_share_of_classify": round(spent["features_alone"] / spent["classify"], 3)}


def run_measured(command: list[str], cwd: Path = ROOT, check: bool = True) -> dict:
    """Run a command; wall time, CPU time (its workers included) and the peak RSS of its
    process tree (sampled). A failure stops the benchmark, or with ``check=False`` is
    returned as ``error``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(process.pid)
            while not done.is_set():
                total = 0
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a worker that just exited
                        total += proc.memory_info().rss
                peak[0] = max(peak[0], total)
                done.wait(0.05)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    stderr = process.stderr.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        if check:
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
        return {"error": stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {process.returncode}"}
    return {"wall_s": round(wall, 3), "peak_rss_tree_mib": round(peak[0] / 2**20, 1),
            "maxrss_main_mib": round(usage.ru_maxrss / 1024, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}


def cold_start(article: Path, runs: int, model_args: list[str]) -> dict:
    """`stance classify one.txt`, process start to exit, several runs."""
    times = [run_measured([*STANCE, "classify", str(article), *model_args])["wall_s"] for _ in range(runs)]
    bare = [run_measured([sys.executable, "-c", "pass"])["wall_s"] for _ in range(runs)]
    return {"runs_s": times, "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "python_startup_median_s": round(statistics.median(bare), 3)}


def train_time(config: TargetConfig, folder: Path) -> dict:
    """`stance train` into a temporary model folder (the real one is left alone)."""
    source = config.source.read_text(encoding="utf-8")
    model_dir = folder / "model"
    text = re.sub(r'(?m)^model\s*=.*$', f'model = "{model_dir}"', source)
    for key, path in (("actors", config.actors_path), ("train", config.train_path)):
        text = re.sub(rf'(?m)^{key}\s*=.*$', f'{key} = "{path}"', text)
    target = folder / f"{config.name}.toml"
    target.write_text(text, encoding="utf-8")
    result = run_measured([*STANCE, "train", "--target", str(target)], check=False)
    return {k: v for k, v in result.items() if k in ("wall_s", "cpu_s", "peak_rss_tree_mib", "error")}


def jsonl_run(work: Path, n: int, pool: list[str], source: str, jobs: int, model_args: list[str],
              as_files: dict | None) -> dict:
    """``stance classify corpus.jsonl`` on ``n`` articles in one JSON Lines file (the articles
    of the folder corpus of the same size), end to end: the records are streamed, chunked to
    the workers, and only each article's cells are kept."""
    path = work / f"corpus-{n}.jsonl"
    built = bench_corpus.build_jsonl(path, n, pool, source, seed=n)
    print(f"JSONL N={n}: {built.words} words, {path.stat().st_size / 2**20:.0f} MB", file=sys.stderr)
    run = run_measured([*STANCE, "classify", str(path), "-o", str(work / "matrix.csv"), "-q", "--jobs", str(jobs),
                        *model_args])
    run.update({"articles": n, "jobs": jobs, "file_mib": round(path.stat().st_size / 2**20, 1),
                "articles_per_s": round(n / run["wall_s"], 1)})
    files = (as_files or {}).get("end_to_end", {}).get(f"jobs={jobs}")
    if files:
        run["ratio_to_files"] = round(run["wall_s"] / files["wall_s"], 3)
    print(f"  jobs={jobs}: {run['wall_s']:.1f} s, peak {run['peak_rss_tree_mib']:.0f} MiB", file=sys.stderr)
    path.unlink()
    return run


def analyses_run(work: Path, n: int, pool: list[str], source: str, jobs: int, model_args: list[str]) -> dict:
    """``stance classify``, ``stance network`` and ``stance timeline`` on the same ``n``-article
    folder, end to end, one after the other, and each command's time over classify's (the
    target of issue 18 is at most 1.2)."""
    built = bench_corpus.build(work / f"analyses-{n}", n, pool, source, seed=n)
    common = [str(built.folder), "-q", "--jobs", str(jobs), *model_args]
    commands = {"classify": ["classify", "-o", str(work / "matrix.csv")],
                "network": ["network", "-o", str(work / "net.graphml")],
                "timeline": ["timeline", "-o", str(work / "timeline.csv")]}
    out: dict = {"articles": n, "jobs": jobs}
    for name, command in commands.items():
        run = run_measured([*STANCE, *command, *common])
        run["articles_per_s"] = round(n / run["wall_s"], 1)
        out[name] = run
        print(f"  {name} N={n}: {run['wall_s']:.1f} s, peak {run['peak_rss_tree_mib']:.0f} MiB", file=sys.stderr)
    for name in ("network", "timeline"):
        out[name]["ratio_to_classify"] = round(out[name]["wall_s"] / out["classify"]["wall_s"], 3)
        # CPU seconds (workers included) move less than wall time with other tenants' load.
        out[name]["cpu_ratio_to_classify"] = round(out[name]["cpu_s"] / out["classify"]["cpu_s"], 3)
    shutil.rmtree(built.folder)
    return out


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10_000], help="folder corpus sizes (none: skip)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values for the end-to-end runs")
    parser.add_argument("--max-sequential", type=int, default=1000,
                        help="largest N run end to end with --jobs 1 (the rest only with more jobs)")
    parser.add_argument("--jsonl-sizes", type=int, nargs="*", default=[100_000],
                        help="corpus sizes run as one JSONL file (none: skip)")
    parser.add_argument("--jsonl-jobs", type=int, default=2, help="--jobs for the JSONL runs")
    parser.add_argument("--analyses-sizes", type=int, nargs="*", default=[10_000],
                        help="folder sizes run by classify, network and timeline (none: skip)")
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--train", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--model", type=Path, help="model folder (default: the target's); copied first, so a "
                                                   "retrain during the run changes nothing")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args(argv)

    from pipeline.runner import StancePipeline

    config = TargetConfig.load()
    results: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "load_average_before": os.getloadavg(), "sizes": {}}
    work = Path(tempfile.mkdtemp(prefix="stance-bench-"))
    try:
        model_dir = work / "model"
        shutil.copytree(args.model or config.model_dir, model_dir)
        model_args = ["--model", str(model_dir), "--trust-model"]
        pipeline = StancePipeline(config, model_dir=model_dir, trust_model=True)
        pool, source = bench_corpus.paragraph_pool(config.samples_path or ROOT / "data" / "samples", config.train_path)
        results["corpus_source"] = source
        for n in args.sizes:
            built = bench_corpus.build(work / f"corpus-{n}", n, pool, source, seed=n)
            files = sorted(built.folder.glob("*.txt"))
            print(f"N={n}: {built.words} words", file=sys.stderr)
            entry: dict = {"articles": n, "words": built.words}
            entry["limit"] = limit_pass(files)
            entry["single_core"] = single_core(pipeline, files)
            pairs = entry["single_core"]["pairs"]
            entry["pairs"] = pairs
            entry["ratio_single_core_to_limit"] = round(entry["single_core"]["wall_s"] / entry["limit"]["wall_s"], 2)
            entry["end_to_end"] = {}
            for jobs in args.jobs:
                if jobs == 1 and n > args.max_sequential:
                    continue
                run = run_measured([*STANCE, "classify", str(built.folder), "-o", str(work / "matrix.csv"), "-q",
                                    "--jobs", str(jobs), *model_args])
                run["articles_per_s"] = round(n / run["wall_s"], 1)
                run["pairs_per_s"] = round(pairs / run["wall_s"])
                run["ratio_to_limit"] = round(run["wall_s"] / entry["limit"]["wall_s"], 2)
                entry["end_to_end"][f"jobs={jobs}"] = run
                print(f"  jobs={jobs}: {run['wall_s']:.1f} s", file=sys.stderr)
            results["sizes"][str(n)] = entry
            save(results, args.output)  # each size as soon as it is measured: a long run may be stopped
            if n == 1000 or (n == max(args.sizes) and "stages" not in results):
                results["stages"] = stages(pipeline, files[:1000])
            shutil.rmtree(built.folder)
        for n in args.jsonl_sizes:
            results.setdefault("jsonl", {})[str(n)] = jsonl_run(work, n, pool, source, args.jsonl_jobs, model_args,
                                                                results["sizes"].get(str(n)))
            save(results, args.output)
        for n in args.analyses_sizes:
            results.setdefault("analyses", {})[str(n)] = analyses_run(work, n, pool, source, 2, model_args)
            save(results, args.output)
        one = work / "one.txt"
        bench_corpus.build(work / "one", 1, pool, source, seed=1)
        shutil.move(work / "one" / "a00000.txt", one)
        if args.cold_runs:
            results["cold_start"] = cold_start(one, args.cold_runs, model_args)
        if args.train:
            results["train"] = train_time(config, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save(results, args.output)
    text = render(results)
    print(text)
    print(f"\nwritten to {args.output}")
    if write_docs(DOCS, results, text):
        print(f"and into {DOCS}")
    return 0


# docs/performance.md holds the latest `make bench` between these markers (issue 20: the
# performance page generated by the benchmark).
DOCS = ROOT / "docs" / "performance.md"
BENCH_START, BENCH_END = "<!-- bench: written by `make bench`, do not edit -->", "<!-- end of bench -->"


def write_docs(path: Path, results: dict, text: str) -> bool:
    """Put this run's summary between the markers of ``path``; False when they are absent."""
    from pipeline.export import replace_block

    when = results.get("date") or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = " ".join(["python bench/run.py", *sys.argv[1:]])
    return replace_block(path, BENCH_START, BENCH_END, [f"The latest benchmark ({when}), `{command}`:", "", "```", text, "```"])


def save(results: dict, output: Path) -> None:
    results["load_average_after"] = os.getloadavg()
    results["targets"] = check_targets(results)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def check_targets(results: dict) -> dict:
    """Each target of issues 6, 18 and 19 with the measured value (None when not measured in this run)."""
    sizes = results["sizes"]
    best = {n: min((r["wall_s"] for r in s["end_to_end"].values()), default=None) for n, s in sizes.items()}
    e2e_1000 = best.get("1000")
    peak_10000 = max((r["peak_rss_tree_mib"] for r in sizes.get("10000", {}).get("end_to_end", {}).values()), default=None)
    measured = {
        "pairs_per_s_one_core": results.get("stages", {}).get("pairs_per_s_one_core"),
        "e2e_1000_s": e2e_1000,
        "ratio_1000": round(e2e_1000 / sizes["1000"]["limit"]["wall_s"], 2) if e2e_1000 else None,
        "cold_start_s": results.get("cold_start", {}).get("median_s"),
        "peak_rss_10000_mib": peak_10000,
        "train_s": results.get("train", {}).get("wall_s"),
        "peak_rss_jsonl_100000_mib": results.get("jsonl", {}).get("100000", {}).get("peak_rss_tree_mib"),
        "network_over_classify_10000": results.get("analyses", {}).get("10000", {}).get("network", {}).get("ratio_to_classify"),
        "timeline_over_classify_10000": results.get("analyses", {}).get("10000", {}).get("timeline", {}).get(
            "ratio_to_classify"),
    }
    out = {}
    for key, goal in TARGETS.items():
        value = measured[key]
        higher_is_better = key == "pairs_per_s_one_core"
        met = None if value is None else (value >= goal if higher_is_better else value <= goal)
        out[key] = {"target": goal, "measured": value, "met": met}
    return out


def render(results: dict) -> str:
    lines = [f"machine: {results['machine']['cpus']} cpus, {results['machine']['cpu']}, Python "
             f"{results['machine']['python']}; load average before {results['load_average_before'][0]:.1f}, "
             f"after {results['load_average_after'][0]:.1f}",
             f"corpus: {results.get('corpus_source')}", "",
             f"{'N':>6} {'run':>13} {'wall s':>8} {'CPU s':>7} {'art/s':>7} {'pairs/s':>8} {'peak MiB':>9} {'x limit':>8}"]
    for n, entry in results["sizes"].items():
        limit = entry["limit"]["wall_s"]
        lines.append(f"{n:>6} {'limit':>13} {limit:8.2f} {entry['limit']['cpu_s']:7.2f} {int(n) / limit:7.0f} {'':>8} "
                     f"{'':>9} {1:8.2f}")
        single = entry["single_core"]
        lines.append(f"{n:>6} {'1 core, warm':>13} {single['wall_s']:8.2f} {single['cpu_s']:7.2f} "
                     f"{int(n) / single['wall_s']:7.0f} "
                     f"{entry['pairs'] / single['wall_s']:8.0f} {'':>9} {entry['ratio_single_core_to_limit']:8.2f}")
        for name, run in entry["end_to_end"].items():
            lines.append(f"{n:>6} {'e2e ' + name:>13} {run['wall_s']:8.2f} {run['cpu_s']:7.2f} {run['articles_per_s']:7.0f} "
                         f"{run['pairs_per_s']:8.0f} {run['peak_rss_tree_mib']:9.0f} {run['ratio_to_limit']:8.2f}")
    for n, run in results.get("jsonl", {}).items():
        ratio = f", {run['ratio_to_files']}x the folder's time" if "ratio_to_files" in run else ""
        lines.append(f"{n:>6} {'jsonl jobs=' + str(run['jobs']):>13} {run['wall_s']:8.2f} {run['cpu_s']:7.2f} "
                     f"{run['articles_per_s']:7.0f} {'':>8} {run['peak_rss_tree_mib']:9.0f}   ({run['file_mib']} MB file{ratio})")
    for n, run in results.get("analyses", {}).items():
        lines.append(f"{n:>6} articles, --jobs {run['jobs']}: " + ", ".join(
            f"{name} {run[name]['wall_s']:.1f} s ({run[name]['peak_rss_tree_mib']:.0f} MiB"
            + (f", {run[name]['ratio_to_classify']}x classify, CPU {run[name]['cpu_ratio_to_classify']}x)"
               if name != "classify" else ")")
            for name in ("classify", "network", "timeline")))
    if "stages" in results:
        c = results["stages"]
        lines += ["", f"classification, one core, no I/O: {c['pairs_per_s_one_core']} pairs/s, best of "
                      f"{len(c['classify_passes_cpu_s'])} passes ({c['pairs_per_s_staged_pass']} in the staged pass; "
                      f"{c['pairs']} pairs, featurisation {c['features_share_of_classify']:.0%} of it, "
                      f"{c['features_per_pair']} features per pair)",
                  "CPU s per stage over " + f"{c['articles']} articles: "
                  + ", ".join(f"{k} {v}" for k, v in c["cpu_s"].items())]
    if "cold_start" in results:
        c = results["cold_start"]
        lines.append(f"cold start `stance classify one.txt`: median {c['median_s']} s, min {c['min_s']} s "
                     f"(bare python {c['python_startup_median_s']} s)")
    if "train" in results:
        train = results["train"]
        lines.append(f"stance train: {train['wall_s']} s" if "wall_s" in train else f"stance train failed: {train['error']}")
    lines += ["", "targets:"]
    for key, t in results["targets"].items():
        state = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        lines.append(f"  {key:22s} target {t['target']:>8}  measured {t['measured']!s:>8}  {state}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
