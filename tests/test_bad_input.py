"""Issue 5, bad input: each case through the CLI, with its one-line message and exit code.

Most cases call ``pipeline.cli.main`` in this process (the ``stance`` entry point, without
the 2 s start-up of a new interpreter); stdin and Ctrl-C need a real process. Nothing here
depends on models/: a tiny model is trained into a temporary folder and loaded with
``--model ... --trust-model``.

The 10,000-file run takes about 30 s on our 2-core machine, so by default the CLI batch
runs on 1,000 files (listing is still checked on 10,000); set ``STANCE_SLOW_TESTS=1`` to
run the full 10,000 through the CLI as well.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tiny import HEADER, csv_rows

from pipeline import read
from pipeline.cli import main
from pipeline.config import project_root
from pipeline.corpus import load_corpus
from pipeline.model import MANIFEST_FILE, WEIGHTS_FILE, fit, save_model

ROOT = project_root()
SLOW = bool(os.environ.get("STANCE_SLOW_TESTS"))
ARTICLE = "Chile rejected the official result, while Mexico asked for the tally sheets.\n"
ACCENTED = "Nicolás Maduro met Edmundo González in Bogotá.\n"
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, dictionary, config) -> Path:
    """A tiny trained model outside models/ (so every run needs --trust-model)."""
    train = tmp_path_factory.mktemp("train")
    (train / "tiny.csv").write_text(csv_rows())
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_model(fit(load_corpus(train, dictionary), config, C=1.0), folder)
    return folder


@pytest.fixture()
def stance(model_dir, capsys):
    """Run ``stance classify ARGS`` in this process: (exit code, stdout, stderr)."""

    def run(*args: str, command: str = "classify", model: Path | None = None) -> tuple[int, str, str]:
        extra = ["--model", str(model or model_dir), "--trust-model"] if command == "classify" else []
        code = main([command, *map(str, args), *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def one_line_error(code: int, err: str, expected: int = 2) -> str:
    """The single ``stance: error:`` line of a failed run."""
    assert code == expected, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stance: error: "), err
    return lines[0]


def notes(err: str) -> str:
    """stderr of a successful run: notes only, never an error or a traceback."""
    assert "error" not in err and "Traceback" not in err, err
    return err


def article_text(out: str) -> str:
    """The article text as the pipeline saw it, from ``--format json``."""
    (article,) = json.loads(out)["articles"]
    return " ".join(s["text"] for s in article["sentences"])


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


# --- one input, unusable: one line, exit 2 ---------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty.txt: empty article (no text)"),
    ("blank.txt", b"  \n\t\r\n \x0c \n", "blank.txt: empty article (no text)"),
    ("picture.txt", PNG, "picture.txt: binary file, not text"),
    ("nul.txt", b"Chile\x00rejected\x00it\x00", "nul.txt: binary file, not text"),
], ids=["empty file", "whitespace only", "PNG renamed .txt", "NUL bytes"])
def test_unusable_file_is_one_line(stance, tmp_path, name, data, message):
    code, out, err = stance(write(tmp_path, name, data))
    assert one_line_error(code, err).endswith(message)
    assert out == ""


def test_missing_path(stance, tmp_path):
    code, _, err = stance(tmp_path / "missing.txt")
    assert one_line_error(code, err).endswith("missing.txt: no such file or folder")


def test_folder_without_txt(stance, tmp_path):
    write(tmp_path, "notes.md", ARTICLE)
    (tmp_path / "sub.txt").mkdir()  # a folder named .txt is not an article either
    code, _, err = stance(tmp_path)
    assert one_line_error(code, err).endswith(f"{tmp_path}: folder has no .txt files")


def test_a_100_mb_article_is_refused_without_reading_it(stance, tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 2**20)
    started = time.perf_counter()
    code, _, err = stance(path)
    assert time.perf_counter() - started < 10
    limit = read.MAX_ARTICLE_BYTES // 2**20
    assert one_line_error(code, err).endswith(
        f"huge.txt: 100.0 MB is larger than the {limit} MB limit for one article (split it into articles)")


def test_binary_on_stdin_is_one_line(model_dir):
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "classify", "-", "--model", str(model_dir), "--trust-model"],
                            input=PNG, capture_output=True, cwd=ROOT, timeout=120)
    assert one_line_error(result.returncode, result.stderr.decode()).endswith("<stdin>: binary file, not text")


# --- decodable: decoded, with a note on stderr, exit 0 ------------------------------------

@pytest.mark.parametrize("data, note", [
    (ACCENTED.encode("utf-16"), "decoded as UTF-16"),
    (ACCENTED.encode("utf-16-le"), "decoded as UTF-16-LE (no byte-order mark)"),
    (("“" + ACCENTED.strip() + "”\n").encode("cp1252"), "not UTF-8, decoded as Windows-1252"),
    (ACCENTED.encode("latin-1"), "not UTF-8, decoded as Windows-1252"),  # Latin-1 letters are the same bytes
    (ACCENTED.encode("latin-1") + b"\x81", "not UTF-8, decoded as Latin-1"),  # 0x81 is not Windows-1252
    (ACCENTED.encode().decode("cp1252").encode(), "repaired UTF-8 mis-decoded as Windows-1252 (mojibake)"),
    (ACCENTED.encode() + b"\xff more", "1 invalid UTF-8 byte sequence(s) replaced by U+FFFD"),
], ids=["UTF-16", "UTF-16 without BOM", "Windows-1252", "Latin-1", "Latin-1 beyond Windows-1252", "mojibake",
        "UTF-8 with a stray byte"])
def test_other_encodings_are_decoded_with_a_note(stance, tmp_path, data, note):
    code, out, err = stance(write(tmp_path, "enc.txt", data), "--format", "json")
    assert code == 0, err
    assert f"stance: {tmp_path / 'enc.txt'}: " in err and note in notes(err)
    assert "Nicolás Maduro met Edmundo González in Bogotá" in article_text(out)


def test_control_characters_are_replaced(stance, tmp_path):
    code, out, err = stance(write(tmp_path, "ctl.txt", "Chile\x07 rejected\x1b[0m the result.\x85Peru\u2028agreed.\x7f\n"),
                            "--format", "json")
    assert code == 0, err
    assert "control characters replaced by spaces" in notes(err)
    sentences = json.loads(out)["articles"][0]["sentences"]
    assert [s["text"] for s in sentences] == ["Chile  rejected [0m the result.", "Peru", "agreed."]


def test_non_utf8_file_name(stance, tmp_path):
    (tmp_path / "ok.txt").write_text(ARTICLE)
    with open(os.fsencode(tmp_path) + b"/caf\xe9.txt", "wb") as handle:
        handle.write(ARTICLE.encode())
    code, out, err = stance(tmp_path, "--format", "long")
    assert code == 0, err
    assert {line.split(",")[0] for line in out.splitlines()[1:]} == {"caf\ufffd", "ok"}


# --- size: capped work, bounded time --------------------------------------------------------

def test_a_5_mb_line_without_sentence_end_is_capped(stance, tmp_path):
    words = "Chile and Peru rejected the count while Russia and Cuba backed Maduro and Mexico asked for calm "
    path = write(tmp_path, "line.txt", (words * (5 * 2**20 // len(words)))[: 5 * 2**20])
    started = time.perf_counter()
    code, out, err = stance(path, "--format", "long")
    elapsed = time.perf_counter() - started
    assert code == 0, err
    assert f"longer than {read.MAX_ARTICLE_CHARS:,} characters: only the first" in notes(err)
    assert {"Chile", "Peru", "Russia", "Cuba", "Mexico"} <= {line.split(",")[2] for line in out.splitlines()[1:]}
    assert elapsed < 45, f"{elapsed:.1f} s"


def test_listing_10000_files_is_fast(tmp_path):
    for i in range(10_000):
        (tmp_path / f"a{i:05d}.txt").touch()
    started = time.perf_counter()
    sources = read.list_sources([str(tmp_path)])
    assert len(sources) == 10_000 and time.perf_counter() - started < 2


@pytest.mark.parametrize("n", [1_000, pytest.param(10_000, marks=pytest.mark.skipif(
    not SLOW, reason="30 s: set STANCE_SLOW_TESTS=1"))])
def test_a_folder_of_many_files(stance, tmp_path, n):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:05d}.txt").write_text(f"Report {i}. Chile rejected the result. Peru asked for the tally sheets.\n")
    out = tmp_path / "m.csv"
    started = time.perf_counter()
    code, _, err = stance(folder, "-o", out)
    elapsed = time.perf_counter() - started
    assert code == 0, err
    header, *rows = out.read_text().splitlines()
    assert header.split(",")[1:] == [f"a{i:05d}" for i in range(n)]
    assert {row.split(",")[0] for row in rows} == {"Chile", "Peru"}
    assert elapsed < n * 0.02, f"{elapsed:.1f} s for {n} files"


# --- batches: skip and report, or --strict --------------------------------------------------

def test_one_bad_file_in_a_batch_is_skipped(stance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a-good.txt", ARTICLE)
    write(folder, "b-broken.txt", PNG)
    write(folder, "c-good.txt", "Peru asked for the tally sheets.\n")
    out = tmp_path / "m.csv"
    code, _, err = stance(folder, "-o", out)
    assert code == 1
    assert f"stance: skipped {folder / 'b-broken.txt'}: binary file, not text" in err.splitlines()
    assert out.read_text().splitlines()[0] == "actor,a-good,c-good"

    out.unlink()
    code, _, err = stance(folder, "-o", out, "--strict")
    assert one_line_error(code, err).endswith("b-broken.txt: binary file, not text")
    assert not out.exists()


# --- output: fail before the work, never truncate, never leave a partial file ------------------

def test_output_folder_that_does_not_exist(stance, tmp_path):
    article = write(tmp_path, "a.txt", ACCENTED.encode("cp1252"))  # would print a note if it were read
    code, _, err = stance(article, "-o", tmp_path / "no" / "m.csv")
    assert one_line_error(code, err).endswith(f"{tmp_path / 'no' / 'm.csv'}: folder {tmp_path / 'no'} does not exist")


def test_output_that_is_a_folder(stance, tmp_path):
    code, _, err = stance(write(tmp_path, "a.txt", ARTICLE), "-o", tmp_path)
    assert one_line_error(code, err).endswith("is a folder: give a file name")


def test_a_failed_run_keeps_the_existing_output(stance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.txt", PNG)
    write(folder, "b.txt", b"")
    out = write(tmp_path, "m.csv", "previous matrix\n")
    code, _, err = stance(folder, "-o", out)
    assert code == 2 and err.splitlines()[-1] == "stance: error: no readable article among the inputs"
    assert out.read_text() == "previous matrix\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "m.csv"]


def test_ctrl_c_while_writing_keeps_the_existing_output(stance, tmp_path, monkeypatch):
    out = write(tmp_path, "m.csv", "previous matrix\n")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    code, _, err = stance(write(tmp_path, "a.txt", ARTICLE), "-o", out)
    assert code == 130 and err.strip().splitlines()[-1] == "stance: interrupted"
    assert out.read_text() == "previous matrix\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "m.csv"]


def test_ctrl_c_during_a_batch(model_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    # The first file needs a note, so stderr says when classification has started.
    write(folder, "a0000.txt", ACCENTED.encode("cp1252"))
    for i in range(1, 2000):
        write(folder, f"a{i:04d}.txt", ARTICLE * 5)
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = write(outdir, "m.csv", "previous matrix\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "classify", str(folder), "-o", str(out), "--model", str(model_dir),
         "--trust-model"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
        assert "a0000.txt: not UTF-8" in first, first
        time.sleep(0.5)
        assert process.poll() is None, "finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=60)[1]
    finally:
        process.kill()
    assert process.returncode == 130, rest
    assert rest.strip().splitlines() == ["stance: interrupted"]
    assert out.read_text() == "previous matrix\n"
    assert [p.name for p in outdir.iterdir()] == ["m.csv"]


# --- malformed training data: `stance train` names file and line, exit 2 ------------------------

@pytest.mark.parametrize("body, message", [
    ("text,actor,doc\n\"Chile spoke.\",Chile,d1\n", "line 1: missing column(s) stance"),
    (HEADER + "Chile spoke.,Chile,maybe,d1\n", "line 2: unknown label 'maybe' (use support, oppose, neutral, none)"),
    (HEADER + "Chile spoke.,Chile,none,d1\n  ,Peru,none,d2\n", "line 3: empty text"),
    (HEADER + "Chile spoke.,Chile,none,d1\nPeru spoke.,Peru,none,d1\nChile spoke.,Chile,oppose,d2\n",
     "line 4: duplicate of line 2 (same text and actor)"),
    (HEADER + "Chile spoke.,Chile,none,d1\nAtlantis spoke.,Atlantis,none,d1\n",
     "line 3: actor 'Atlantis' is not in the dictionary"),
], ids=["missing column", "unknown label", "empty text", "duplicated row", "actor not in the dictionary"])
def test_malformed_training_data(stance, tmp_path, config, body, message):
    (tmp_path / "train").mkdir()
    bad = write(tmp_path / "train", "bad.csv", body)
    target = write(tmp_path, "tiny.toml", (
        f'name = "tiny"\nactors = "{config.actors_path}"\ntrain = "train"\nmodel = "model"\n'))
    code, _, err = stance("--target", target, command="train")
    assert one_line_error(code, err) == f"stance: error: {bad}: {message}"
    assert not (tmp_path / "model").exists()


# --- model integrity through the CLI: refused, one line, says `make train` -------------------------

def _alter_weights(folder: Path) -> None:
    with open(folder / WEIGHTS_FILE, "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 1]))


def _pickle_in_weights(folder: Path) -> None:
    """An attacker who rewrites both the weights (with a pickle inside) and their hash."""
    with np.load(folder / WEIGHTS_FILE) as arrays:
        data = dict(arrays)
    data["labels"] = np.array([Exploit()], dtype=object)
    np.savez(folder / WEIGHTS_FILE, **data)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["sha256"][WEIGHTS_FILE] = _sha256(folder / WEIGHTS_FILE)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


class Exploit:
    """Unpickling this creates a file: proof that code ran."""

    marker = ""

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("tamper, message", [
    (_alter_weights, "weights.npz does not match its manifest (altered or corrupt): run `make train`"),
    (lambda f: (f / MANIFEST_FILE).write_text("{not json"), "manifest.json: unreadable manifest: run `make train`"),
    (lambda f: (f / WEIGHTS_FILE).unlink(), "run `make train`"),
    (_pickle_in_weights, "weights.npz: unreadable weights"),
], ids=["altered weights", "corrupt manifest", "missing weights", "pickle inside the weights"])
def test_tampered_model_is_refused(stance, model_dir, tmp_path, tamper, message):
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    Exploit.marker = str(tmp_path / "code-ran")
    tamper(copy)
    out = write(tmp_path, "m.csv", "previous matrix\n")
    code, _, err = stance(write(tmp_path, "a.txt", ARTICLE), "-o", out, model=copy)
    line = one_line_error(code, err)
    assert message in line and line.endswith("run `make train`")
    assert not Path(Exploit.marker).exists()
    assert out.read_text() == "previous matrix\n"
