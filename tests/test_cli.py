"""End to end, through the installed `stance` command."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import project_root

ROOT = project_root()
STANCE = [sys.executable, "-m", "pipeline.cli"]
ARTICLE = ("CARACAS, Aug 3, 2024 - Chile rejected the official result, while Mexico asked for the tally sheets.\n"
           "The U.S. recognised Edmundo González as the winner. Talks were held in Qatar.\n")


def run(*args, stdin=None, cwd=None):
    return subprocess.run([*STANCE, *args], input=stdin, capture_output=True, text=True, cwd=cwd or ROOT, timeout=120)


def one_line_error(result, code=2):
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stance: error:"), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture()
def article(tmp_path):
    path = tmp_path / "wire-aug3.txt"
    path.write_text(ARTICLE)
    return path


@pytest.mark.usefixtures("stance_pipeline")
class TestClassify:
    def test_table_for_one_article(self, article):
        result = run("classify", str(article))
        assert result.returncode == 0, result.stderr
        assert "== wire-aug3" in result.stdout
        rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()
                if line and not line.startswith(("==", " "))}
        assert rows["Chile"] == "oppose" and rows["Mexico"] == "neutral" and rows["Qatar"] == "none"

    def test_folder_to_matrix_csv(self, article, tmp_path):
        (tmp_path / "second.txt").write_text("Russia congratulated Maduro on his re-election.\n")
        out = tmp_path / "m.csv"
        result = run("classify", str(tmp_path), "-o", str(out))
        assert result.returncode == 0, result.stderr
        rows = list(csv.reader(out.open()))
        assert rows[0] == ["actor", "wire-aug3", "second"]  # date order: the undated article last
        matrix = {r[0]: r[1:] for r in rows[1:]}
        assert matrix["Russia"] == ["", "support"] and matrix["Chile"] == ["oppose", ""]

    def test_stdin_and_long_format(self):
        result = run("classify", "-", "--format", "long", stdin=ARTICLE)
        assert result.returncode == 0, result.stderr
        rows = list(csv.DictReader(result.stdout.splitlines()))
        assert {r["article"] for r in rows} == {"stdin"}
        assert {r["actor"]: r["stance"] for r in rows}["Chile"] == "oppose"

    def test_json_format(self, article):
        result = run("classify", str(article), "--format", "json")
        document = json.loads(result.stdout)
        sentence = document["articles"][0]["sentences"][0]
        chile = next(m for m in sentence["mentions"] if m["actor"] == "Chile")
        assert sentence["text"][chile["start"]:chile["end"]] == "Chile"
        assert abs(sum(sentence["predictions"][0]["probabilities"].values()) - 1) < 1e-3

    def test_country_level_rolls_people_up(self, tmp_path):
        path = tmp_path / "a.txt"
        path.write_text("Joe Biden said the United States rejected the result.\n")
        result = run("classify", str(path), "--level", "country", "--date", "2024-08-01", "--format", "long")
        actors = {r["actor"] for r in csv.DictReader(result.stdout.splitlines())}
        assert actors == {"United States"}

    def test_a_bad_file_is_skipped_and_reported(self, article, tmp_path):
        (tmp_path / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
        out = tmp_path / "m.csv"
        result = run("classify", str(tmp_path), "-o", str(out))
        assert result.returncode == 1
        assert "skipped" in result.stderr and "binary" in result.stderr
        assert "wire-aug3" in out.read_text()
        strict = run("classify", str(tmp_path), "--strict")
        assert "binary" in one_line_error(strict)


def test_unknown_option_is_one_line():
    assert "No such option" in one_line_error(run("classify", "--frobnicate", "x.txt"))


def test_missing_file_is_one_line(tmp_path):
    assert "no such file" in one_line_error(run("classify", str(tmp_path / "missing.txt")))


def test_untrained_model_is_one_line(article, tmp_path):
    message = one_line_error(run("classify", str(article), "--model", str(tmp_path), "--trust-model"))
    assert "make train" in message


def test_model_outside_models_needs_trust(article, tmp_path):
    assert "--trust-model" in one_line_error(run("classify", str(article), "--model", str(tmp_path)))


def test_unknown_target_is_one_line(article):
    assert "unknown target" in one_line_error(run("classify", str(article), "--target", "atlantis"))


def test_output_folder_missing_is_one_line_and_writes_nothing(article, tmp_path, stance_pipeline):
    assert "does not exist" in one_line_error(run("classify", str(article), "-o", str(tmp_path / "no" / "m.csv")))


def test_actors_resolve():
    result = run("actors", "resolve", "Washington and the Biden administration; let us see.")
    assert result.returncode == 0
    assert [line.split("\t")[2] for line in result.stdout.splitlines()] == ["United States", "United States"]


def test_evaluate_on_the_shared_gold(shared_eval, stance_pipeline):
    result = run("evaluate", str(shared_eval / "articles"), "--gold", str(shared_eval / "gold.csv"))
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    accuracy = float(first.split("accuracy=")[1].split()[0])
    assert accuracy >= 0.75, first
    assert "baseline" not in first and "vader" in result.stdout


def test_readme_commands_are_real():
    readme = (ROOT / "README.md").read_text()
    for command in ("make demo", "make test", "make train", "stance classify", "stance evaluate"):
        assert command in readme
    assert Path(ROOT / ".ci" / "run").read_text().count("make test") == 1


def test_agreement_of_the_shipped_second_annotation():
    """Every pair of the second annotation still exists in the corpus, and the figures print."""
    result = run("evaluate", "--agreement", "data/train/agreement/second-annotator.csv")
    assert result.returncode == 0, result.stderr
    assert "Cohen's kappa" in result.stdout and "n=700" in result.stdout


def test_short_help_and_version(capsys):
    assert main(["-h"]) == 0 and "classify" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("stance ")


def test_actor_names_get_near_miss_suggestions(capsys):
    assert main(["explain", str(ROOT / "data/samples/court-ruling-aug.txt"), "--actor", "Unted States"]) == 2
    assert "did you mean 'United States'" in capsys.readouterr().err
    assert main(["explain", str(ROOT / "data/samples/court-ruling-aug.txt"), "--actor", "Venezuela"]) == 2
    assert "Government of Venezuela" in capsys.readouterr().err
    assert main(["actors", "resolve", "Unted States"]) == 1
    assert "did you mean 'United States'" in capsys.readouterr().err


def test_articles_naming_none_of_the_principals_get_a_note(tmp_path, capsys, stance_pipeline):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("Chile rejected the result of the vote in Belarus.", encoding="utf-8")
    (other / "b.txt").write_text("Maduro congratulated Lukashenko.", encoding="utf-8")
    assert main(["classify", str(other), "-o", str(tmp_path / "m.csv")]) == 0
    err = capsys.readouterr().err
    assert "1 of 2 article(s) name none of maduro-2024's principals (Nicolás Maduro," in err and "stance init" in err
    assert main(["classify", str(other), "--actor", "Chile", "-o", str(tmp_path / "m2.csv")]) == 0
    assert "principals" not in capsys.readouterr().err  # filtered cells say nothing of the articles
    assert main(["classify", str(other / "a.txt"), "-o", str(tmp_path / "m3.csv")]) == 0
    assert "principals" not in capsys.readouterr().err  # one article may be about a side issue
    (other / "c.txt").write_text("González said he had won.", encoding="utf-8")
    assert main(["classify", str(other), "-o", str(tmp_path / "m4.csv")]) == 0
    assert "principals" not in capsys.readouterr().err  # one of three
    # Closing notes are said only once the outputs are written: an error stays one line.
    (other / "c.txt").unlink()
    (other / "d.txt").write_text("Uruguayan Foreign Minister Omar Paganini rejected the vote in Belarus.", encoding="utf-8")
    assert main(["classify", str(other), "-o", "/dev/full"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stance: error:"), lines
