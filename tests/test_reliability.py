"""Issue 22: nothing lost, nothing hangs, every failure one line.

Most cases run ``pipeline.cli.main`` in this process with a tiny model trained into a
temporary folder (``--model ... --trust-model``); kills and hangs need a real process.
Devices and root are never needed: FIFOs, symbolic links, temporary folders and
fault-injection (monkeypatch) stand in for them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tiny import csv_rows

from pipeline import export
from pipeline.cli import main
from pipeline.corpus import load_corpus
from pipeline.errors import StanceError
from pipeline.model import fit, save_model

ARTICLE = "Chile rejected the official result, while Mexico asked for the tally sheets.\n"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, dictionary, config) -> Path:
    train = tmp_path_factory.mktemp("train")
    (train / "tiny.csv").write_text(csv_rows())
    folder = tmp_path_factory.mktemp("model") / "tiny"
    save_model(fit(load_corpus(train, dictionary), config, C=1.0), folder)
    return folder


@pytest.fixture()
def stance(model_dir, capsys):
    """Run ``stance COMMAND ARGS`` in this process: (exit code, stdout, stderr)."""

    def run(*args: str, command: str = "classify") -> tuple[int, str, str]:
        extra = ["--model", str(model_dir), "--trust-model"] if command in ("classify", "report") else []
        code = main([command, *map(str, args), *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def one_line_error(code: int, err: str, expected: int = 2) -> str:
    assert code == expected, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stance: error: "), err
    return lines[0]


@pytest.fixture()
def article(tmp_path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    return path


# --- outputs: write through non-regular files, refuse clashes, commit all at the end --------------

def test_output_onto_a_symlink_writes_its_target(stance, article, tmp_path):
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old\n")
    link.symlink_to(real)
    code, _, err = stance(article, "-o", link, "-q")
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("actor,a\n")


def test_output_onto_a_fifo_writes_through_or_refuses(stance, article, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    code, _, err = stance(article, "-o", fifo)  # nobody reads it: refused at once, not a hang
    assert one_line_error(code, err).endswith("a named pipe that nobody reads")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader; the matrix fits in the pipe's buffer
    try:
        code, _, err = stance(article, "-o", fifo, "-q")
        assert code == 0, err
        assert os.read(reader, 65536).startswith(b"actor,a\n")
    finally:
        os.close(reader)
    assert fifo.is_fifo()


def test_output_onto_a_character_device_is_never_replaced(stance, article):
    before = os.stat("/dev/null")
    code, _, err = stance(article, "-o", "/dev/null", "-q")
    assert code == 0, err
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    code, _, err = stance(article, "-o", "/dev/full")
    assert one_line_error(code, err).endswith("cannot write /dev/full (No space left on device)")


def test_output_equal_to_an_input_or_another_output_is_refused(stance, article, tmp_path):
    code, _, err = stance(article, "-o", article)
    assert one_line_error(code, err).endswith("a.txt is also an input of this run")
    assert article.read_text() == ARTICLE
    (tmp_path / "x.png").write_text("keep")
    code, _, err = stance(article, "-o", tmp_path / "x.png", "--plot", tmp_path / "x.png")
    assert one_line_error(code, err).endswith("x.png is also another output of this run")
    assert (tmp_path / "x.png").read_text() == "keep"


def test_output_folder_with_a_slash_is_refused(stance, article, tmp_path):
    code, _, err = stance(article, "-o", f"{tmp_path}/new/")
    assert one_line_error(code, err).endswith("is a folder: give a file name")
    assert not (tmp_path / "new").exists()


def test_a_failed_plot_leaves_the_csv_unchanged(stance, article, tmp_path, monkeypatch):
    out = tmp_path / "m.csv"
    out.write_text("previous\n")
    from pipeline import plot

    def broken(*args, **kwargs):
        raise StanceError("cannot draw")

    monkeypatch.setattr(plot, "render_plot", broken)
    code, _, err = stance(article, "-o", out, "--plot", tmp_path / "m.png")
    assert one_line_error(code, err).endswith("cannot draw")
    assert out.read_text() == "previous\n"

    monkeypatch.undo()
    real_commit = export.Output.commit

    def commit(self):  # the second output fails while being committed... after the first one:
        if str(self.path).endswith(".png"):  # the point is that both were written before either
            raise StanceError("disk full")
        real_commit(self)

    monkeypatch.setattr(export.Output, "commit", commit)
    writes = []
    real_write = export.Output.__init__

    def init(self, *args, **kwargs):
        writes.append(args[0])
        real_write(self, *args, **kwargs)

    monkeypatch.setattr(export.Output, "__init__", init)
    code, _, err = stance(article, "-o", out, "--plot", tmp_path / "m.png")
    assert code == 2 and len(writes) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_stale_temporary_files_of_killed_runs_are_removed(tmp_path):
    out = tmp_path / "m.csv"
    dead = tmp_path / f".m.csv.{2**22 + 12345}.abcd{export.TMP_SUFFIX}"  # above pid_max's default: no such process
    alive = tmp_path / f".m.csv.{os.getppid()}.abcd{export.TMP_SUFFIX}"
    other = tmp_path / ".m.csv.notes"
    for path in (dead, alive, other):
        path.write_text("x" * 1000)
    export.write_atomic(out, lambda handle: handle.write("new"))
    assert out.read_text() == "new"
    assert not dead.exists() and alive.exists() and other.exists()


# --- inputs: special entries reported, one NUL rule, invisible text is blank, names escaped -------

def test_folder_entries_that_are_not_regular_files_are_reported_not_opened(stance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE)
    os.mkfifo(folder / "fifo.txt")  # opening it for reading would wait for a writer forever
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "null.txt").symlink_to("/dev/null")
    code, _, err = stance(folder, "-o", tmp_path / "m.csv")
    assert code == 1, err
    assert "fifo.txt: not a regular file (a named pipe), not read" in err
    assert "null.txt: not a regular file (a character device), not read" in err
    assert "loop.txt: cannot read (Too many levels of symbolic links)" in err
    assert "Traceback" not in err


def test_folder_without_read_permission_is_one_line(stance, tmp_path, monkeypatch):
    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", denied)  # running as root, chmod 000 would not stop us
    code, _, err = stance(tmp_path)
    assert one_line_error(code, err).endswith(f"{tmp_path}: cannot list folder (Permission denied)")


def test_a_nul_byte_is_binary_wherever_it_is():
    from pipeline.read import decode

    for raw in (b"ab\x00cd", b"Chile rejected it. " * 400 + b"\x00 end"):  # before and after the first 4 KB
        with pytest.raises(StanceError, match="binary file"):
            decode(raw, "x.txt")


@pytest.mark.parametrize("text", ["\u200b\u200c\u200d\ufeff\u2060", " \u00ad\n\u200e\u3164\t"])
def test_invisible_characters_only_is_blank(text):
    from pipeline.read import article_from_bytes

    with pytest.raises(StanceError, match="empty article"):
        article_from_bytes(text.encode(), "x", "x.txt")


def test_control_characters_in_file_names_are_escaped(stance, tmp_path):
    evil = tmp_path / "\x1b[2Jclear\r.txt"
    evil.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    code, _, err = stance(evil)
    line = one_line_error(code, err)
    assert "\x1b" not in err and "\\x1b[2Jclear\\x0d.txt: binary file" in line


def test_a_carriage_return_in_a_file_name_is_quoted_in_csv(stance, tmp_path):
    import csv

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one\rtwo.txt").write_text(ARTICLE)
    (folder / "b.txt").write_text(ARTICLE)
    for fmt in ("wide", "long"):
        out = tmp_path / f"{fmt}.csv"
        code, _, err = stance(folder, "-o", out, "-f", fmt, "-q")
        assert code == 0, err
        rows = list(csv.reader(out.open(newline="")))
        ids = rows[0][1:] if fmt == "wide" else sorted({r[0] for r in rows[1:]})
        assert ids == ["b", "one\rtwo"], rows


# --- models: never no model, weights checked beyond their hash -----------------------------------

def _rehash(folder: Path) -> None:
    """Rewrite the manifest's hashes as someone who can write the folder could."""
    import hashlib
    import json

    from pipeline.model import MANIFEST_FILE

    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["sha256"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in manifest["sha256"]}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage", ["garbage", "nan", "shape", "dtype", "not a zip member"])
def test_weights_whose_hash_matches_are_still_checked(stance, model_dir, article, tmp_path, damage):
    import shutil

    import numpy as np

    from pipeline.model import WEIGHTS_FILE

    folder = tmp_path / "m"
    shutil.copytree(model_dir, folder)
    weights = folder / WEIGHTS_FILE
    if damage == "garbage":
        weights.write_bytes(os.urandom(5000))
    else:
        with np.load(weights, allow_pickle=False) as npz:
            arrays = dict(npz)
        if damage == "nan":
            arrays["coef"][0, 0] = np.nan
        elif damage == "shape":
            arrays["idf"] = arrays["idf"][:-1]
        elif damage == "dtype":
            arrays["coef"] = arrays["coef"].astype(np.complex128)
        else:
            del arrays["intercept"]
        np.savez(weights, **arrays)
    _rehash(folder)
    code = main(["classify", str(article), "--model", str(folder), "--trust-model"])
    assert code == 2
    from pipeline.model import load_model

    with pytest.raises(StanceError, match="unreadable weights"):
        load_model(folder, trust=True)


def test_a_train_killed_between_its_renames_leaves_a_model(model_dir, tmp_path, dictionary, config):
    import shutil

    from pipeline.model import load_model

    folder = tmp_path / "models" / "tiny"
    folder.parent.mkdir()
    old = folder.with_name(".tiny.old")
    shutil.copytree(model_dir, old)  # the state after `rename(model, .old)`, killed before the second rename
    staging = folder.with_name(f".tiny.{2**22 + 12345}.abcd.staging")  # a dead process's staging folder
    staging.mkdir()
    (staging / "model.joblib").write_bytes(b"x" * 1000)
    assert load_model(folder, trust=True).labels  # the old model is still used
    assert old.is_dir() and not folder.exists()  # ... and not moved by a reader
    train = tmp_path / "train"
    train.mkdir()
    (train / "tiny.csv").write_text(csv_rows())
    save_model(fit(load_corpus(train, dictionary), config, C=1.0), folder)
    assert load_model(folder, trust=True).labels
    assert sorted(p.name for p in folder.parent.iterdir()) == ["tiny"]


def test_a_failed_swap_puts_the_old_model_back(model_dir, tmp_path, dictionary, config, monkeypatch):
    import shutil

    from pipeline.model import load_model

    folder = tmp_path / "tiny"
    shutil.copytree(model_dir, folder)
    train = tmp_path / "train"
    train.mkdir()
    (train / "tiny.csv").write_text(csv_rows())
    trained = fit(load_corpus(train, dictionary), config, C=1.0)
    real_rename = Path.rename

    def rename(self, target):
        if self.name.endswith(".staging"):
            raise KeyboardInterrupt  # Ctrl-C between the two renames
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        save_model(trained, folder)
    monkeypatch.undo()
    assert load_model(folder, trust=True).labels
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny", "train"]


# --- processes and networks: workers die with their parent, every wait has a deadline ------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_die_with_their_parent(model_dir, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(400):  # long enough that the run is still going when it is killed
        (folder / f"a{i:03d}.txt").write_text(ARTICLE * 40)
    run = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "classify", str(folder), "-o", str(tmp_path / "m.csv"),
                            "--jobs", "2", "--model", str(model_dir), "--trust-model", "-q"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 12
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(run.pid)
        assert len(workers) >= 2, "the workers did not start"
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        deadline = time.monotonic() + 2
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)]
    finally:  # whatever happened, leave no process behind
        run.kill()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_jobs_beyond_the_cores_are_capped_with_a_note(stance, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.txt").write_text(ARTICLE)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    code, out, err = stance(folder, "--jobs", "999", "-f", "long")
    assert code == 0, err
    assert "stance: --jobs 999: this machine has 1 core(s), using 1 worker processes" in err
    assert out.count(",Chile,country,") == 3


@pytest.mark.parametrize("address", ["not a url", "http://x", "inproc://", "tcp://host", "tcp://:8786", "tcp://h:99999"])
def test_a_bad_scheduler_address_is_one_line_at_once(stance, tmp_path, address):
    import time

    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(ARTICLE)
    started = time.monotonic()
    code, _, err = stance(tmp_path, "--scheduler", address)
    assert one_line_error(code, err).endswith(f"--scheduler {address!r}: give a Dask scheduler address, tcp://host:port")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("answer", [None, b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\xff" * 8])
def test_a_scheduler_that_never_answers_or_is_not_dask(stance, tmp_path, monkeypatch, answer):
    import socket
    import threading
    import time
    from contextlib import suppress

    from pipeline import batch

    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "2s")
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(ARTICLE)
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve() -> None:
        with suppress(OSError):
            while True:
                peer, _ = server.accept()
                held.append(peer)  # accepted, and never answered (or answered in another protocol)
                if answer:
                    peer.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    try:
        started = time.monotonic()
        code, _, err = stance(tmp_path, "--scheduler", f"tcp://127.0.0.1:{server.getsockname()[1]}")
        elapsed = time.monotonic() - started
    finally:
        server.close()
        for peer in held:
            peer.close()
    line = one_line_error(code, err)
    assert ("no answer within 2 s" in line) if answer is None else ("not a Dask scheduler" in line)
    assert elapsed < 6


# --- streams: stdout closed, full or gone is one line or quiet -----------------------------------

def _cli(*args: str, **kwargs):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], stderr=subprocess.PIPE, text=True, timeout=60,
                          **kwargs)


def test_stdout_full_closed_or_gone(model_dir, article):
    import subprocess
    import sys

    model = ["--model", str(model_dir), "--trust-model"]
    with open("/dev/full", "w") as full:
        result = _cli("classify", str(article), *model, stdout=full)
    assert result.returncode == 2 and result.stderr == "stance: error: cannot write to stdout (No space left on device)\n"
    result = subprocess.run(["sh", "-c", 'exec "$0" -m pipeline.cli "$@" >&-', sys.executable, "classify", str(article),
                             *model], stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr == "stance: error: cannot write to stdout (stdout is closed)\n"
    reader = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "classify", str(article), *model],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # `| head -0`: the reader is gone before anything is written
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0 and err == b""


# --- target files: a schema, every error at once --------------------------------------------------

def test_target_values_of_the_wrong_type_are_all_reported(tmp_path):
    from pipeline.config import TargetConfig

    path = tmp_path / "bad.toml"
    path.write_text('name = 5\ndescription = ["a"]\nactors = "a.toml"\ntrain = "t"\nmodel = ""\ncolour = "red"\n'
                    '[cues]\nsupport = [1, 2]\noppose = "loyal"\nmaybe = ["x"]\n')
    with pytest.raises(StanceError) as error:
        TargetConfig.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for fragment in ("'name' must be a string, not an integer 5", "'description' must be a string, not a list ['a']",
                     "'model' must not be empty", "unknown key 'colour'",
                     "[cues] 'support' item 1 must be a non-empty string, not an integer 1",
                     "[cues] 'oppose' must be a list of strings, not a string 'loyal'", "[cues] 'maybe': unknown class"):
        assert fragment in message, message


@pytest.mark.parametrize("target", ["../../x", "", "a/b", ".hidden"])
def test_a_target_name_stays_in_targets(capsys, target):
    code = main(["actors", "list", "--target", target])
    assert "give a target name" in one_line_error(code, capsys.readouterr().err)


@pytest.mark.parametrize(("entry", "message"), [
    ('aliases = [","]', "alias ',' has no letter or digit"),
    ('aliases = ["."]', "alias '.' has no letter or digit"),
    ('aliases = ["of"]', "alias 'of' is a common word"),
    ("demonym = 5", "'demonym' must be a non-empty string, not 5"),
])
def test_actor_dictionary_mistakes(tmp_path, entry, message):
    from pipeline.actors import ActorDictionary

    path = tmp_path / "actors.toml"
    path.write_text(f'[[actors]]\nname = "Chile"\nkind = "country"\n{entry}\n')
    with pytest.raises(StanceError, match=message.replace("(", r"\(").replace("[", r"\[")):
        ActorDictionary.load(path)


def test_home_government_must_name_an_actor(tmp_path, capsys):
    root = Path(__file__).resolve().parent.parent
    path = tmp_path / "t.toml"
    path.write_text(f'name = "t"\nactors = "{root}/data/actors/maduro-2024.toml"\ntrain = "t"\nmodel = "m"\n'
                    'home_government = "Government of Atlantis"\n')
    code = main(["actors", "resolve", "the government", "--target", str(path)])
    assert one_line_error(code, capsys.readouterr().err).endswith(
        "home_government 'Government of Atlantis' is not an actor of " f"{root}/data/actors/maduro-2024.toml")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_train_workers_die_with_it(tmp_path, config):
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "t.toml"
    target.write_text(f'name = "t"\nactors = "{config.actors_path}"\ntrain = "{config.train_path}"\n'
                      f'model = "{tmp_path / "model"}"\nhome_government = "{config.home_government}"\n')
    run = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "train", "--target", str(target)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:  # cross-validation's joblib workers
            time.sleep(0.1)
            workers = [p for p in _descendants(run.pid) if "popen_loky" in _cmdline(p)]
            if len(workers) >= 2:
                break
        assert workers, "no joblib worker started"
        time.sleep(1.5)  # a worker watches its parent once started (imports done); on a loaded machine that takes a while
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        deadline = time.monotonic() + 2
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)]
    finally:
        run.kill()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


# --- resources: JSON is written article by article -----------------------------------------------

def test_json_streams_the_same_document(stance, tmp_path, monkeypatch):
    import io
    import json

    from pipeline import batch
    from pipeline.config import TargetConfig
    from pipeline.export import JsonStream, render_json

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(ARTICLE)
    code, streamed, err = stance(folder, "-f", "json")
    assert code == 0, err
    kept, counted, real = [], [], batch.classify_sources

    def spy(*args, **kwargs):  # what the batch keeps in memory while the document is streamed
        assert kwargs.get("on_result") is not None
        result = real(*args, **kwargs)
        kept.extend(result.results)
        counted.append(result.count)
        return result

    monkeypatch.setattr(batch, "classify_sources", spy)
    code, _, err = stance(folder, "-f", "json", "-o", tmp_path / "j.json", "-q")
    assert code == 0, err
    assert (tmp_path / "j.json").read_text() == streamed
    assert kept == [] and counted == [3]  # without --plot nothing is kept: the document has it all
    assert [a["id"] for a in json.loads(streamed)["articles"]] == ["a0", "a1", "a2"]
    empty = JsonStream(io.StringIO(), TargetConfig.load(), "actor")
    empty.close()
    assert empty.handle.getvalue() == render_json([], TargetConfig.load(), "actor")


def test_a_scheduler_lost_mid_run_is_one_line(stance, tmp_path, monkeypatch):
    import threading
    from contextlib import suppress

    distributed = pytest.importorskip("distributed")
    from pipeline import batch

    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "3s")  # also how long the client tries to reconnect
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3000):
        (folder / f"a{i:04d}.txt").write_text(ARTICLE * 5)
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                       host="127.0.0.1", dashboard_address=None)
    address = cluster.scheduler_address
    killer = threading.Timer(2.0, cluster.close)
    killer.start()
    try:
        code, _, err = stance(folder, "--scheduler", address, "-o", tmp_path / "m.csv")
    finally:
        killer.join()
        with suppress(Exception):  # closed already by the timer (closing twice fails inside distributed)
            cluster.close()
    assert one_line_error(code, err) == f"stance: error: lost the Dask scheduler at {address} during the run"
    assert not (tmp_path / "m.csv").exists()


def test_output_to_dev_stdout_writes_through_the_redirection(model_dir, article, tmp_path):
    import subprocess
    import sys

    log = tmp_path / "log.txt"
    log.write_text("keep this\n")
    with open(log, "a") as appended:  # `stance ... -o /dev/stdout >> log`: appended, the log is not replaced
        result = subprocess.run([sys.executable, "-m", "pipeline.cli", "classify", str(article), "-o", "/dev/stdout", "-q",
                                 "--model", str(model_dir), "--trust-model"], stdout=appended, stderr=subprocess.PIPE,
                                text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert log.read_text().startswith("keep this\nactor,a\n")
    piped = subprocess.run([sys.executable, "-m", "pipeline.cli", "classify", str(article), "-o", "/dev/stdout", "-q",
                            "--model", str(model_dir), "--trust-model"], capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout.startswith("actor,a\n"), piped.stderr


def test_escape_sequences_in_names_never_reach_stdout(stance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b]0;pwned\x07a.txt").write_text(ARTICLE)
    (folder / "b.txt").write_text(ARTICLE)
    code, out, err = stance(folder)
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "== \\x1b]0;pwned\\x07a (" in out


def test_the_heatmap_canvas_is_bounded():
    from pipeline.aggregate import Cell
    from pipeline.plot import MAX_PIXELS, heatmap_figure

    articles = [f"article-{i:05d}" for i in range(5000)]
    actors = [f"Actor number {j}" for j in range(80)]
    cells = [Cell(a, actor, "support" if (i + j) % 3 else "oppose", 0.8) for i, a in enumerate(articles)
             for j, actor in enumerate(actors) if (i * 7 + j) % 11 == 0]
    figure = heatmap_figure(cells, articles)
    width, height = figure.get_size_inches() * figure.dpi
    assert width * height <= MAX_PIXELS * 1.001 and max(width, height) <= 2**16
