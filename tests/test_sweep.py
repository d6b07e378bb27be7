"""The adversarial sweep of issue 22 as a table: every row runs the real command in a new
process and checks its exit code, a fragment of its stderr, that stderr holds no traceback
(every line is ``stance: ...``, at most one of them an error), and that the files the row
names are byte for byte what they were, with no temporary file left beside them.

Add a row when a new input, output, option or command lands: inputs, streams, outputs,
configs, models, schedulers and signals each have theirs. Placeholders in ``argv``:
``{tmp}`` is the row's own folder, prepared by :func:`workspace`; ``classify``, ``report``
and ``explain`` get ``--model <tiny model> --trust-model`` unless the row gives ``--model``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from tiny import csv_rows

from pipeline.config import project_root
from pipeline.corpus import load_corpus
from pipeline.model import MANIFEST_FILE, WEIGHTS_FILE, fit, save_model

ROOT = project_root()
ARTICLE = "Chile rejected the official result, while Mexico asked for the tally sheets.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
MODEL_COMMANDS = ("classify", "report", "explain")


@dataclass(frozen=True)
class Row:
    """One hostile case: what to run, and what must come of it."""

    name: str
    argv: tuple[str, ...]
    code: int
    stderr: str  # a fragment of stderr (for an error, of its one line)
    unchanged: tuple[str, ...] = ()  # files under {tmp} that must keep their bytes
    setup: Callable[[Path, Path], None] | None = None  # (folder, tiny model) -> None, before the run
    stdin: bytes | None = None
    stdout: str | None = None  # a file to send stdout to (/dev/full)


def workspace(tmp: Path) -> None:
    """What every row finds in {tmp}: articles, a folder of them, an earlier output."""
    (tmp / "a.txt").write_text(ARTICLE)
    (tmp / "in").mkdir()
    (tmp / "in" / "one.txt").write_text(ARTICLE)
    (tmp / "in" / "two.txt").write_text("Russia congratulated Maduro on his re-election.\n")
    (tmp / "old.csv").write_text("previous matrix\n")
    (tmp / "empty").mkdir()


def _write(name: str, data: bytes | str) -> Callable[[Path, Path], None]:
    def setup(tmp: Path, model: Path) -> None:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return setup


def _fifo(name: str) -> Callable[[Path, Path], None]:
    return lambda tmp, model: os.mkfifo(tmp / name)


def _symlink(name: str, target: str) -> Callable[[Path, Path], None]:
    return lambda tmp, model: (tmp / name).symlink_to(target if target.startswith("/") else tmp / target)


def _target(body: str) -> Callable[[Path, Path], None]:
    """A target file t.toml using the project's dictionary and data, plus ``body``."""
    def setup(tmp: Path, model: Path) -> None:
        (tmp / "t.toml").write_text(f'actors = "{ROOT}/data/actors/maduro-2024.toml"\ntrain = "{ROOT}/data/train/maduro-2024"\n'
                                    f'model = "{model}"\n{body}\n')
    return setup


def _model_copy(damage: Callable[[Path], None], rehash: bool) -> Callable[[Path, Path], None]:
    """A copy of the tiny model in {tmp}/m, damaged; with ``rehash`` its manifest is rewritten to match."""
    def setup(tmp: Path, model: Path) -> None:
        import shutil

        shutil.copytree(model, tmp / "m")
        damage(tmp / "m")
        if rehash:
            manifest = json.loads((tmp / "m" / MANIFEST_FILE).read_text())
            manifest["sha256"] = {n: hashlib.sha256((tmp / "m" / n).read_bytes()).hexdigest() for n in manifest["sha256"]}
            (tmp / "m" / MANIFEST_FILE).write_text(json.dumps(manifest))
    return setup


def _nan_weights(folder: Path) -> None:
    with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as npz:
        arrays = dict(npz)
    arrays["intercept"][:] = np.nan
    np.savez(folder / WEIGHTS_FILE, **arrays)


def _garbage(folder: Path) -> None:
    (folder / WEIGHTS_FILE).write_bytes(os.urandom(4000))


def _peer(answer: bytes | None) -> Callable[[Path, Path], None]:
    """A TCP server on {tmp}/port that accepts and answers ``answer`` (or nothing)."""
    def setup(tmp: Path, model: Path) -> None:
        server = socket.create_server(("127.0.0.1", 0))
        (tmp / "port").write_text(str(server.getsockname()[1]))

        def serve() -> None:
            held = []
            try:
                while True:
                    peer, _ = server.accept()
                    held.append(peer)
                    if answer:
                        peer.sendall(answer)
            except OSError:
                pass

        threading.Thread(target=serve, daemon=True).start()
        _servers.append(server)
    return setup


_servers: list[socket.socket] = []
FIFTY_KB_THEN_NUL = ("Chile rejected the official result. " * 1500).encode() + b"\x00 tail\n"
TARGET = 'name = "t"\n'

ROWS = [
    # --- inputs ---------------------------------------------------------------------------
    Row("missing file", ("classify", "{tmp}/missing.txt"), 2, "missing.txt: no such file or folder"),
    Row("empty file", ("classify", "{tmp}/e.txt"), 2, "e.txt: empty article", setup=_write("e.txt", b"")),
    Row("zero-width only", ("classify", "{tmp}/z.txt"), 2, "z.txt: empty article",
        setup=_write("z.txt", "\u200b\u200d\ufeff\u2060\n")),
    Row("PNG renamed .txt", ("classify", "{tmp}/p.txt"), 2, "p.txt: binary file", setup=_write("p.txt", PNG)),
    Row("NUL after the first 4 KB", ("classify", "{tmp}/n.txt"), 2, "n.txt: binary file",
        setup=_write("n.txt", FIFTY_KB_THEN_NUL)),
    Row("folder without .txt", ("classify", "{tmp}/empty"), 2, "folder has no .txt files"),
    Row("FIFO in a folder", ("classify", "{tmp}/in", "-o", "{tmp}/m.csv"), 1, "fifo.txt: not a regular file (a named pipe)",
        setup=_fifo("in/fifo.txt")),
    Row("symlink loop in a folder", ("classify", "{tmp}/in", "-o", "{tmp}/m.csv"), 1, "Too many levels of symbolic links",
        setup=_symlink("in/loop.txt", "in/loop.txt")),
    Row("FIFO as the input", ("classify", "{tmp}/f.txt"), 2, "f.txt: not a regular file or folder", setup=_fifo("f.txt")),
    Row("escape sequence in a name", ("classify", "{tmp}/\x1b[31mred.txt"), 2, "\\x1b[31mred.txt: binary file",
        setup=_write("\x1b[31mred.txt", PNG)),
    Row("binary stdin", ("classify", "-"), 2, "<stdin>: binary file", stdin=PNG),
    Row("bad --date", ("classify", "{tmp}/a.txt", "--date", "yesterday"), 2, "--date 'yesterday': use YYYY-MM-DD"),
    # --- outputs ------------------------------------------------------------------------------
    Row("output is the input", ("classify", "{tmp}/a.txt", "-o", "{tmp}/a.txt"), 2, "a.txt is also an input of this run",
        unchanged=("a.txt",)),
    Row("report onto its input", ("report", "{tmp}/in", "-o", "{tmp}/in/one.txt"), 2, "is also an input of this run",
        unchanged=("in/one.txt",)),
    Row("-o and --plot the same", ("classify", "{tmp}/a.txt", "-o", "{tmp}/fig.png", "--plot", "{tmp}/fig.png"), 2,
        "fig.png is also another output of this run"),
    Row("-o folder/", ("classify", "{tmp}/a.txt", "-o", "{tmp}/new/"), 2, "new/ is a folder: give a file name"),
    Row("-o existing folder", ("classify", "{tmp}/a.txt", "-o", "{tmp}/in"), 2, "is a folder: give a file name"),
    Row("--plot onto a folder", ("classify", "{tmp}/a.txt", "-o", "{tmp}/old.csv", "--plot", "{tmp}/in"), 2,
        "is a folder: give a file name", unchanged=("old.csv",)),
    Row("-o in a missing folder", ("classify", "{tmp}/a.txt", "-o", "{tmp}/no/m.csv"), 2, "folder"),
    Row("-o /dev/full", ("classify", "{tmp}/a.txt", "-o", "/dev/full"), 2, "cannot write /dev/full (No space left on device)"),
    Row("-o a FIFO nobody reads", ("classify", "{tmp}/a.txt", "-o", "{tmp}/out.fifo"), 2, "a named pipe that nobody reads",
        setup=_fifo("out.fifo")),
    Row("-o a symlink", ("classify", "{tmp}/a.txt", "-o", "{tmp}/link.csv", "-q"), 0, "", setup=_symlink("link.csv", "old.csv")),
    # --- streams ------------------------------------------------------------------------------
    Row("stdout full", ("classify", "{tmp}/a.txt"), 2, "cannot write to stdout (No space left on device)", stdout="/dev/full"),
    Row("help to a full stdout", ("--help",), 2, "cannot write to stdout", stdout="/dev/full"),
    # --- configs ------------------------------------------------------------------------------
    Row("target climbing out", ("actors", "list", "--target", "../../x"), 2, "give a target name"),
    Row("empty target name", ("actors", "list", "--target", ""), 2, "give a target name"),
    Row("unknown target", ("actors", "list", "--target", "atlantis"), 2, "unknown target 'atlantis'"),
    Row("target of wrong types", ("actors", "list", "--target", "{tmp}/t.toml"), 2,
        "'name' must be a string, not an integer 5; 'description' must be a string, not a list ['a']",
        setup=_target('name = 5\ndescription = ["a"]')),
    Row("cues as a string", ("actors", "list", "--target", "{tmp}/t.toml"), 2,
        "[cues] 'support' must be a list of strings, not a string 'loyal'", setup=_target(TARGET + '[cues]\nsupport = "loyal"')),
    Row("cues of numbers", ("actors", "list", "--target", "{tmp}/t.toml"), 2,
        "[cues] 'support' item 1 must be a non-empty string", setup=_target(TARGET + "[cues]\nsupport = [1, 2]")),
    Row("home_government unknown", ("actors", "resolve", "the government", "--target", "{tmp}/t.toml"), 2,
        "home_government 'Atlantis' is not an actor", setup=_target(TARGET + 'home_government = "Atlantis"')),
    Row("target not TOML", ("actors", "list", "--target", "{tmp}/t.toml"), 2, "not valid TOML",
        setup=_write("t.toml", "name = = 5")),
    # --- models -------------------------------------------------------------------------------
    Row("model outside models/", ("classify", "{tmp}/a.txt", "--model", "{tmp}/m"), 2, "pass --trust-model",
        setup=_model_copy(lambda folder: None, rehash=False)),
    Row("no model", ("classify", "{tmp}/a.txt", "--model", "{tmp}/empty", "--trust-model"), 2, "no trained model"),
    Row("tampered weights", ("classify", "{tmp}/a.txt", "--model", "{tmp}/m", "--trust-model"), 2,
        "does not match its manifest", setup=_model_copy(_garbage, rehash=False)),
    Row("garbage weights, hash rewritten", ("classify", "{tmp}/a.txt", "--model", "{tmp}/m", "--trust-model"), 2,
        "unreadable weights", setup=_model_copy(_garbage, rehash=True)),
    Row("NaN weights, hash rewritten", ("classify", "{tmp}/a.txt", "--model", "{tmp}/m", "--trust-model"), 2,
        "intercept holds NaN or infinite values", setup=_model_copy(_nan_weights, rehash=True)),
    # --- schedulers and workers ---------------------------------------------------------------
    Row("scheduler not a URL", ("classify", "{tmp}/in", "--scheduler", "not a url"), 2, "give a Dask scheduler address"),
    Row("scheduler http://", ("classify", "{tmp}/in", "--scheduler", "http://x"), 2, "give a Dask scheduler address"),
    Row("scheduler inproc://", ("classify", "{tmp}/in", "--scheduler", "inproc://"), 2, "give a Dask scheduler address"),
    Row("scheduler refused", ("classify", "{tmp}/in", "--scheduler", "tcp://127.0.0.1:9"), 2, "Connection refused"),
    Row("scheduler not Dask", ("classify", "{tmp}/in", "--scheduler", "tcp://127.0.0.1:{port}"), 2, "not a Dask scheduler",
        setup=_peer(b"SSH-2.0-OpenSSH_9.6\r\n")),
    Row("--jobs 0", ("classify", "{tmp}/in", "--jobs", "0"), 2, "--jobs 0: give a number of processes"),
    Row("--jobs beyond the cores", ("classify", "{tmp}/in", "--jobs", "4096", "-o", "{tmp}/m.csv"), 0,
        "--jobs 4096: this machine has"),
    # --- other commands -----------------------------------------------------------------------
    Row("report -o folder/", ("report", "{tmp}/in", "-o", "{tmp}/r/"), 2, "r/ is a folder: give a file name"),
    Row("explain a binary file", ("explain", "{tmp}/p.txt", "--actor", "Chile"), 2, "p.txt: binary file",
        setup=_write("p.txt", PNG)),
    Row("explain an unknown actor", ("explain", "{tmp}/a.txt", "--actor", "Atlantis"), 2, "Atlantis"),
    Row("corpus onto a README without its block", ("corpus", "-o", "{tmp}/old.csv"), 2, "block to fill",
        unchanged=("old.csv",)),
    # Records, pages and the commands that came after the sweep.
    Row("JSONL with a malformed record", ("classify", "{tmp}/r.jsonl", "-o", "{tmp}/m.csv"), 1,
        "r.jsonl line 1: malformed JSON", setup=_write("r.jsonl", '{not json\n{"id": "x", "text": "Chile rejected it."}\n')),
    Row("JSONL malformed, --strict", ("classify", "{tmp}/r.jsonl", "--strict"), 2, "r.jsonl line 1: malformed JSON",
        setup=_write("r.jsonl", '{not json\n{"id": "x", "text": "Chile rejected it."}\n')),
    Row("JSONL duplicate id", ("classify", "{tmp}/r.jsonl", "-o", "{tmp}/m.csv"), 1, "line 2: duplicate article id",
        setup=_write("r.jsonl", '{"id": "x", "text": "Chile rejected it."}\n{"id": "x", "text": "Peru too."}\n')),
    Row("CSV without the text column", ("classify", "{tmp}/r.csv", "-o", "{tmp}/old.csv"), 2,
        "r.csv line 1: no 'text' column in the header (found: id, body); give --text-field", unchanged=("old.csv",),
        setup=_write("r.csv", "id,body\nx,Chile rejected it.\n")),
    Row("CSV without the text column, among other inputs", ("classify", "{tmp}/r.csv", "{tmp}/a.txt", "-o", "{tmp}/m.csv"),
        1, "r.csv line 1: no 'text' column", setup=_write("r.csv", "id,body\nx,Chile rejected it.\n")),
    Row("HTML page without an article", ("classify", "{tmp}/e.html"), 2, "e.html: no article text found",
        setup=_write("e.html", "<html><body><nav>Home</nav></body></html>")),
    Row("network to an unknown format", ("network", "{tmp}/a.txt", "-o", "{tmp}/net.txt"), 2,
        "give a file name ending in .graphml, .gexf or .csv"),
    Row("network -o folder/", ("network", "{tmp}/a.txt", "-o", "{tmp}/net/"), 2, "net/ is a folder: give a file name"),
    Row("timeline -o folder/", ("timeline", "{tmp}/a.txt", "-o", "{tmp}/t/"), 2, "t/ is a folder: give a file name"),
    Row("timeline --plot folder/", ("timeline", "{tmp}/a.txt", "--plot", "{tmp}/p/"), 2, "p/ is a folder: give a file name"),
    Row("timeline by year", ("timeline", "{tmp}/a.txt", "--window", "year"), 2, "'year' is not one of"),
    Row("label an unknown target", ("label", "{tmp}/a.txt", "--target", "nowhere"), 2, "unknown target 'nowhere'"),
    Row("init over an existing target", ("init", "maduro-2024"), 2, "already exists: not overwritten"),
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, dictionary, config) -> Path:
    train = tmp_path_factory.mktemp("train")
    (train / "tiny.csv").write_text(csv_rows())
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_model(fit(load_corpus(train, dictionary), config, C=1.0), folder)
    return folder


def _argv(row: Row, tmp: Path, model: Path) -> list[str]:
    port = (tmp / "port").read_text() if (tmp / "port").exists() else ""
    argv = [a.replace("{tmp}", str(tmp)).replace("{port}", port) for a in row.argv]
    if argv[0] in MODEL_COMMANDS and "--model" not in argv:
        argv += ["--model", str(model), "--trust-model"]
    return [sys.executable, "-m", "pipeline.cli", *argv]


def _snapshot(tmp: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {name: (tmp / name).read_bytes() for name in names}


def check_stderr(code: int, err: str, expected_code: int, fragment: str) -> None:
    """No traceback, every line ours, and a failure is exactly one error line."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert all(line.startswith("stance: ") for line in lines), err
    assert code == expected_code, err
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("stance: error: "), err
    assert fragment in err, err


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_sweep(row: Row, tmp_path: Path, tiny_model: Path) -> None:
    workspace(tmp_path)
    if row.setup:
        row.setup(tmp_path, tiny_model)
    before = _snapshot(tmp_path, row.unchanged)
    names = set(os.listdir(tmp_path))
    stdout = open(row.stdout, "w") if row.stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        result = subprocess.run(_argv(row, tmp_path, tiny_model), input=row.stdin, stdout=stdout, stderr=subprocess.PIPE,
                                cwd=ROOT, timeout=30)
    finally:
        if row.stdout:
            stdout.close()
        while _servers:
            _servers.pop().close()
    check_stderr(result.returncode, result.stderr.decode(errors="replace"), row.code, row.stderr)
    assert _snapshot(tmp_path, row.unchanged) == before
    left = sorted(n for n in set(os.listdir(tmp_path)) - names if n.startswith("."))
    assert not left, f"temporary files left: {left}"


# --- signals ------------------------------------------------------------------------------------

def _big_folder(tmp: Path, n: int = 1500) -> Path:
    folder = tmp / "big"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:04d}.txt").write_text(ARTICLE * 5)
    # The first file needs a note, so stderr says when classification has started.
    (folder / "a0000.txt").write_bytes("Nicolás Maduro met Edmundo González in Bogotá.\n".encode("cp1252"))
    return folder


@pytest.mark.parametrize(("sig", "code", "message", "fmt", "jobs"), [
    (signal.SIGINT, 130, "stance: interrupted", "wide", "1"),
    (signal.SIGINT, 130, "stance: interrupted", "json", "2"),
    (signal.SIGTERM, 143, "stance: terminated", "json", "1"),
    (signal.SIGTERM, 143, "stance: terminated", "wide", "2"),
], ids=["SIGINT wide", "SIGINT json --jobs 2", "SIGTERM json", "SIGTERM wide --jobs 2"])
def test_a_signal_keeps_the_old_output(tmp_path, tiny_model, sig, code, message, fmt, jobs):
    workspace(tmp_path)
    folder = _big_folder(tmp_path)
    argv = ("classify", str(folder), "-o", "{tmp}/old.csv", "-f", fmt, "--jobs", jobs)
    run = subprocess.Popen(_argv(Row("", argv, 0, ""), tmp_path, tiny_model), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, cwd=ROOT)
    try:
        first = run.stderr.readline().decode()  # started: an interrupt now is ours to handle, not Python's start-up
        time.sleep(0.5)
        assert run.poll() is None, "finished before it could be interrupted"
        run.send_signal(sig)
        err = first + run.communicate(timeout=30)[1].decode()
    finally:
        run.kill()
    check_stderr(run.returncode, err, code, message)
    assert (tmp_path / "old.csv").read_text() == "previous matrix\n"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


def test_sigkill_leaves_the_old_output_and_the_next_run_cleans_up(tmp_path, tiny_model):
    workspace(tmp_path)
    folder = _big_folder(tmp_path)
    argv = _argv(Row("", ("classify", str(folder), "-o", "{tmp}/old.csv", "-f", "json", "-q"), 0, ""), tmp_path, tiny_model)
    run = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 20  # until it has begun writing its temporary file
        while not [n for n in os.listdir(tmp_path) if n.endswith(".stance-tmp")] and time.monotonic() < deadline:
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
    finally:
        run.kill()
    assert (tmp_path / "old.csv").read_text() == "previous matrix\n"
    small = [str(tmp_path / "in")]  # the next run writing the same file removes what the killed one left
    result = subprocess.run([*argv[:4], *small, *argv[5:]], stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    check_stderr(result.returncode, result.stderr.decode(), 0, "")
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    assert json.loads((tmp_path / "old.csv").read_text())["articles"]
