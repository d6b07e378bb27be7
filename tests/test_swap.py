"""The actor-swap suite: the same sentence with another actor keeps its label."""

from __future__ import annotations

import pytest

from pipeline.cli import main
from pipeline.errors import StanceError
from pipeline.evaluate import SwapCase, SwapReport, run_swap, swap_cases
from pipeline.training import SWAP_TARGETS

# Regression floors of the shipped model (the targets in SWAP_TARGETS are the goal; the
# model card shows where the model stands against them).
FLOOR = {"accuracy": 0.70, "flip rate": 0.05}


def write_suite(folder, rows, camps='supporters = ["Russia"]\nopponents = ["Argentina"]\n'):
    path = folder / "suite.csv"
    path.write_text("frame,stance,template\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    (folder / "suite.toml").write_text(f"[camps]\n{camps}", encoding="utf-8")
    return path


def test_every_template_is_filled_with_every_actor(tmp_path):
    path = write_suite(tmp_path, ["c,support,{actor} congratulated Maduro.", "c,none,talks were held in {actor}."])
    cases = swap_cases(path, lambda fill: fill.upper())
    assert [(c.camp, c.actor, c.text) for c in cases] == [
        ("supporters", "RUSSIA", "Russia congratulated Maduro."), ("opponents", "ARGENTINA", "Argentina congratulated Maduro."),
        ("supporters", "RUSSIA", "Talks were held in Russia."), ("opponents", "ARGENTINA", "Talks were held in Argentina.")]


@pytest.mark.parametrize("rows, camps, message", [
    (["c,support,Maduro won."], 'a = ["Russia"]', "exactly once"),
    (["c,maybe,{actor} won."], 'a = ["Russia"]', "unknown label"),
    (["c,support,{actor} won."], 'a = "Russia"', "list of actor names"),
])
def test_malformed_suites_are_refused(tmp_path, rows, camps, message):
    with pytest.raises(StanceError, match=message):
        swap_cases(write_suite(tmp_path, rows, camps), str)


def test_flip_rate_and_cells():
    cases = [SwapCase("f", "support", "t1", camp, camp, "") for camp in ("a", "b")]
    cases += [SwapCase("f", "none", "t2", camp, camp, "") for camp in ("a", "b")]
    report = SwapReport(cases, ["support", "oppose", "none", "none"])
    assert report.flip_rate == 0.5 and report.accuracy == 0.75
    assert report.cells() == {("support", "a"): (1, 1), ("support", "b"): (0, 1), ("none", "a"): (1, 1), ("none", "b"): (1, 1)}
    assert report.action_accuracy == 0.5  # actor b got its support variant wrong
    assert report.format_mistakes().splitlines() == ["  templates read wrong: 1 of 2",
                                                     "  support  got support 1, oppose 1 (of 2): t1"]


def test_shipped_model_reads_the_sentence_not_the_actor(stance_pipeline, config):
    report = run_swap(stance_pipeline, config.swap)
    camps = {c.camp for c in report.cases}
    assert camps == {"supporters", "opponents", "mediators", "no_usual_side"}
    assert {c.label for c in report.cases} == {"support", "oppose", "neutral", "none"}
    assert report.flip_rate <= FLOOR["flip rate"] <= SWAP_TARGETS["flip rate"]
    assert report.accuracy >= FLOOR["accuracy"]


def test_cli_swap(capsys, stance_pipeline):
    assert main(["evaluate", "--swap"]) == 0
    out = capsys.readouterr().out
    assert "flip rate" in out and "supporters" in out and "no_usual_side" in out
    assert "templates read wrong: " in out and "{actor}" in out
