"""The batch runner: every engine (in process, --jobs, Dask) gives the same results in the same order."""

import importlib.util
import os
import pty
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import replace

import numpy as np
import pytest

from pipeline import batch
from pipeline.batch import classify_sources, iter_results
from pipeline.config import project_root
from pipeline.errors import StanceError
from pipeline.features import sentence_pairs
from pipeline.read import ReadFailure

ROOT = project_root()


def _bench_corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources(tmp_path_factory, config):
    """Eight varied articles of the benchmark kind, with an unreadable file and an empty one among them."""
    corpus = _bench_corpus()
    folder = tmp_path_factory.mktemp("batch")
    pool, source = corpus.paragraph_pool(config.samples_path or ROOT / "data" / "samples", config.train_path)
    corpus.build(folder, 8, pool, source, words=250, seed=7)
    (folder / "a00002b.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "a00005b.txt").write_text("  \n")
    return sorted(str(p) for p in folder.glob("*.txt"))


def snapshot(batch):
    """Everything a batch produced, for exact comparison (floats compared exactly)."""
    return ([(r.article, r.sentences, r.mentions, r.predictions, r.cells) for r in batch.results],
            [(s.source, s.reason) for s in batch.skipped])


@pytest.fixture(scope="module")
def sequential(stance_pipeline, sources):
    return classify_sources(stance_pipeline, sources, keep_sentences=True)


def test_the_fixture_corpus_exercises_the_batch(sequential, sources):
    assert len(sequential.results) == 8 and len(sequential.skipped) == 2
    assert sum(len(r.predictions) for r in sequential.results) > 100
    # Inputs keep their order: the skipped files sit between the articles around them.
    assert [s.source for s in sequential.skipped] == [s for s in sources if s.endswith("b.txt")]


def test_each_prediction_is_labelled_with_its_most_probable_label(sequential):
    predictions = [p for r in sequential.results for p in r.predictions]
    assert {p.label for p in predictions} >= {"support", "oppose", "none"}
    vias: dict[tuple, set] = {}
    for r in sequential.results:
        for s, found in zip(r.sentences, r.mentions, strict=True):
            for m in found:
                vias.setdefault((r.article.id, s.index, m.actor), set()).add(m.via)
    venues = {key for key, found in vias.items() if found == {"venue"}}
    for p in predictions:
        if (p.article, p.sentence, p.actor) in venues:  # a place where something happened holds no stance
            assert p.label == "none"
        else:
            assert p.label == max(p.probabilities, key=p.probabilities.__getitem__)


def test_jobs_2_equals_jobs_1(stance_pipeline, sources, sequential):
    progress = []
    parallel = classify_sources(stance_pipeline, sources, keep_sentences=True, jobs=2, on_progress=progress.append)
    assert snapshot(parallel) == snapshot(sequential)
    assert sum(progress) == len(sources)
    assert batch._worker_pipeline is None  # set only while workers fork: the parent keeps no reference


def test_cells_kept_without_evidence_have_the_same_stances(stance_pipeline, sources, sequential):
    """The network and the timeline keep cells without their sentences: same cells otherwise."""
    slim = classify_sources(stance_pipeline, sources, keep_evidence=False)
    full = [cell for r in sequential.results for cell in r.cells]
    kept = [cell for r in slim.results for cell in r.cells]
    assert any(cell.evidence for cell in full)
    assert not any(cell.evidence for cell in kept)
    assert [replace(cell, evidence=()) for cell in full] == kept


def test_the_progress_bar_runs_no_thread_of_its_own(monkeypatch):
    """Local workers fork while the bar is shown; a thread holding a lock then could leave
    a worker waiting forever."""
    from pipeline.cli import progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    threads = threading.active_count()
    with progress_bar(3) as (advance, _):
        assert advance is not None  # the bar is shown
        advance(1)
        assert threading.active_count() == threads


def test_spawned_workers_equal_jobs_1(stance_pipeline, sources, sequential, monkeypatch):
    """Where processes cannot fork (macOS, Windows), workers read the pipeline from a file."""
    monkeypatch.setattr(batch, "_start_method", lambda: "spawn")
    parallel = classify_sources(stance_pipeline, sources, keep_sentences=True, jobs=2)
    assert snapshot(parallel) == snapshot(sequential)


def _die(articles, options):
    os._exit(3)  # as the kernel's OOM killer would end a worker


def test_a_worker_that_dies_is_one_user_error(stance_pipeline, sources, monkeypatch):
    monkeypatch.setattr(batch, "_local_task", _die)  # forked workers inherit the patch
    with pytest.raises(StanceError, match="a worker process died"):
        classify_sources(stance_pipeline, sources, jobs=2)


def test_small_chunks_keep_the_order_of_articles_and_failures(stance_pipeline, sources, sequential):
    items = list(iter_results(stance_pipeline, sources, jobs=2, chunk_size=1))
    expected = [r.article.id for r in sequential.results]
    assert [i.article.id for i in items if not isinstance(i, ReadFailure)] == expected
    assert [i.source for i in items if isinstance(i, ReadFailure)] == [s.source for s in sequential.skipped]
    # Without keep_sentences only the cells travel back.
    assert all(not i.sentences and not i.predictions and i.cells for i in items if not isinstance(i, ReadFailure))
    assert [c for i in items if not isinstance(i, ReadFailure) for c in i.cells] == sequential.cells


def test_strict_stops_at_the_first_unreadable_input_with_jobs(stance_pipeline, sources):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be a second line on stderr
        with pytest.raises(StanceError, match="binary file"):
            list(iter_results(stance_pipeline, sources, strict=True, jobs=2, chunk_size=2))


@pytest.mark.parametrize("jobs", [0, -2])
def test_a_bad_number_of_jobs_is_a_user_error(stance_pipeline, sources, jobs):
    with pytest.raises(StanceError, match="--jobs"):
        classify_sources(stance_pipeline, sources, jobs=jobs)


def test_probabilities_do_not_depend_on_the_order_of_features(stance_pipeline, sequential):
    """Worker processes have their own hash seed, so set-derived features could come in
    another order there; the scores must be the same to the last bit."""
    model = stance_pipeline.model
    pairs = []
    for result in sequential.results[:3]:
        for sentence, mentions in zip(result.sentences, result.mentions, strict=True):
            pairs += sentence_pairs(sentence.text, mentions, stance_pipeline.dictionary)
    rows, keys = model.features.encode(pairs)
    shuffled = np.random.default_rng(0).permutation(len(keys))
    forward = model.vectorize(rows, keys)
    backward = model.vectorize(rows[shuffled], keys[shuffled])
    for a, b in zip(forward, backward, strict=True):
        assert np.array_equal(a, b)


def test_dask_local_cluster_equals_the_local_run(stance_pipeline, sources, sequential):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        progress = []
        remote = classify_sources(stance_pipeline, sources, keep_sentences=True, scheduler=cluster.scheduler_address,
                                  on_progress=progress.append)
        assert snapshot(remote) == snapshot(sequential)
        assert sum(progress) == len(sources)
        with distributed.Client(cluster) as client:  # a client of the caller's is used, and left open
            lent = classify_sources(stance_pipeline, sources, scheduler=client)
            assert client.status == "running"
            deadline = time.monotonic() + 10  # nothing of ours left on the cluster (releases are asynchronous)
            while client.who_has() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not client.who_has()
    assert lent.cells == sequential.cells


def test_an_unreachable_scheduler_is_one_user_error(stance_pipeline, sources, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(StanceError, match="cannot reach the Dask scheduler"):
        classify_sources(stance_pipeline, sources[:2], scheduler="tcp://127.0.0.1:9")


# --- the command line ----------------------------------------------------------------------

def stance(*args, tty=False):
    """Run `stance`; with ``tty`` its stderr is a pseudo-terminal. Returns (code, stdout, stderr)."""
    command = [sys.executable, "-m", "pipeline.cli", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    # stdout to a file: a pipe could fill up while we read the terminal.
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=follower, cwd=ROOT,
                                   env={**os.environ, "COLUMNS": "100"})
        os.close(follower)
        err = b""
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            err += data
        process.wait(timeout=120)
        os.close(leader)
        stdout.seek(0)
        out = stdout.read().decode()
    return process.returncode, out, err.decode(errors="replace")


@pytest.fixture(scope="module")
def folder(sources):
    return os.path.dirname(sources[0])


@pytest.mark.usefixtures("stance_pipeline")
class TestCommandLine:
    def test_jobs_gives_the_same_matrix(self, folder):
        one = stance("classify", folder, "-f", "long")
        two = stance("classify", folder, "-f", "long", "--jobs", "2")
        assert one[0] == two[0] == 1  # two inputs are skipped
        assert one[1] == two[1] and one[1].count("\n") > 20

    def test_progress_bar_on_a_terminal_only(self, folder):
        code, out, err = stance("classify", folder, "-f", "long", tty=True)
        assert code == 1 and "classifying" in err and "10/10" in err
        assert out.startswith("article,date,actor,") and "classifying" not in out  # the bar stays on stderr
        assert "skipped" in err  # notes still reach the terminal, above the bar
        # Workers fork while the bar is shown: no thread of the bar's may be running then.
        code, _, err = stance("classify", folder, "-f", "long", "--jobs", "2", tty=True)
        assert code == 1 and "10/10" in err
        code, _, err = stance("classify", folder, "-f", "long", "--quiet", tty=True)
        assert code == 1 and "classifying" not in err and "skipped" in err
        code, _, err = stance("classify", folder, "-f", "long")
        assert code == 1 and "classifying" not in err and "\x1b[" not in err

    def test_bad_jobs_is_one_line(self, folder):
        code, _, err = stance("classify", folder, "--jobs", "0")
        assert code == 2 and err.strip().splitlines() == [
            "stance: error: --jobs 0: give a number of processes >= 1, or -1 for one per core"]
