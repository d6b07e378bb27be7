"""`stance corpus --check`: every problem of a corpus in one run, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import TargetConfig
from pipeline.corpus_check import check

DICTIONARY = """
[[actors]]
name = "Chile"
kind = "country"
demonym = "Chilean"

[[actors]]
name = "Peru"
kind = "country"
demonym = "Peruvian"

[[actors]]
name = "Ana Ruiz"
kind = "person"
gender = "f"
aliases = ["Ruiz"]
"""


def make_target(root: Path, rows: str) -> TargetConfig:
    (root / "targets").mkdir(parents=True)
    (root / "data" / "train" / "t").mkdir(parents=True)
    (root / "data" / "actors").mkdir(parents=True)
    (root / "data" / "actors" / "t.toml").write_text(DICTIONARY, encoding="utf-8")
    (root / "targets" / "t.toml").write_text(
        'name = "t"\nactors = "data/actors/t.toml"\ntrain = "data/train/t"\nmodel = "models/t"\n', encoding="utf-8")
    (root / "data" / "train" / "t" / "a.csv").write_text("text,actor,stance,doc,date\n" + rows, encoding="utf-8")
    return TargetConfig.load(root / "targets" / "t.toml")


def test_clean_corpus_has_no_problem(tmp_path: Path) -> None:
    config = make_target(tmp_path, "Chile rejected the count.,Chile,oppose,d1,2024-01-02\n"
                                   "Peru and Chile met.,Peru,none,d1,2024-01-02\nPeru and Chile met.,Chile,none,d1,2024-01-02\n")
    assert check(config) == []


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    config = make_target(tmp_path, "\n".join([
        "Chile and Peru rejected the count.,Chile,oppose,d1,2024-01-02",   # 2: Peru has no row
        "Ruiz spoke.,Chile,oppose,d1,2024-01-02",                           # 3: Chile not mentioned; Ruiz no row
        "Chile rejected the count.,Chile,oppose,d2,2024-01-02",             # 4
        "Chile rejected the count.,Chile,oppose,d2,2024-01-02",             # 5: duplicate
        "Chile rejected the count.,Chile,support,d2,2024-01-02",            # 6: conflict
        "Peru hailed it.,Peru,maybe,d3,2024-01-02",                         # 7: bad label
        "Peru hailed it again.,Peru,support,d4,2 Jan 2024",                 # 8: bad date
        "Peru met Bolivia.,Bolivia,none,d5,",                               # 9: not in the dictionary
    ]) + "\n")
    found = {(p.line, p.kind) for p in check(config)}
    assert found == {(2, "missing row"), (3, "not mentioned"), (3, "missing row"), (5, "duplicate"), (6, "conflict"),
                     (7, "label"), (8, "date"), (9, "actor")}


def test_pronoun_mention_without_row_is_flagged(tmp_path: Path) -> None:
    config = make_target(tmp_path, "Ana Ruiz arrived.,Ana Ruiz,none,d1,\nShe rejected the count.,Chile,none,d1,\n")
    kinds = {(p.line, p.kind, "pronoun" in p.message) for p in check(config)}
    assert (3, "missing row", True) in kinds and (3, "not mentioned", False) in kinds


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_target(tmp_path, "Chile rejected the count.,Chile,oppose,d1,\nChile rejected the count.,Chile,none,d1,\n")
    assert main(["corpus", "--check", "--target", str(config.source)]) == 1
    out, err = capsys.readouterr()
    assert "a.csv:3: conflict" in out and "1 conflict" in err
    (config.train_path / "a.csv").write_text("text,actor,stance,doc\nChile rejected the count.,Chile,oppose,d1\n")
    assert main(["corpus", "--check", "--target", str(config.source)]) == 0


def test_the_shipped_corpora_are_clean(capsys):
    from pipeline.cli import main

    assert main(["corpus", "--check"]) == 0, capsys.readouterr().err
