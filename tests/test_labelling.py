"""`stance label`: proposals ordered by what they teach, scripted answers, undo, resume,
export and import, and a new event end to end (init, dictionary, label, check, train)."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest
from new_event import NAME, copy_general_model, gold_answer, make_event, write_articles

from pipeline.cli import main
from pipeline.config import TargetConfig
from pipeline.labelling import (
    LabelStore,
    Proposal,
    build_proposals,
    cross_validated,
    priority,
    read_corpus_rows,
    run_session,
)


@pytest.fixture()
def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding the made-up event, started with `stance init`, and the general model."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("STANCE_HOME", str(home))
    if not copy_general_model(home):
        pytest.skip("no trained model: run `make train`")
    assert main(["init", NAME, "--from", "maduro-2024"]) == 0
    make_event(home)
    return home


def proposals_of(home: Path) -> tuple[TargetConfig, list[Proposal]]:
    from pipeline.read import list_sources
    from pipeline.runner import StancePipeline

    config = TargetConfig.load(NAME)
    sources = list_sources([str(write_articles(home.parent / "articles"))])
    return config, build_proposals(StancePipeline(config), sources, read_corpus_rows(config.train_path))


def scripted(answers: list[str]):
    answers = list(answers)

    def read(prompt: str) -> str:
        if not answers:
            raise EOFError
        return answers.pop(0)

    return read


def test_priority_prefers_uncertain_pairs_and_new_actors() -> None:
    def make(probs: dict[str, float], actor: str = "Chile") -> Proposal:
        return Proposal("d", "", 0, "Chile rejected the count.", actor, (), probs, max(probs, key=probs.get))

    sure = make({"support": 0.01, "oppose": 0.97, "neutral": 0.01, "none": 0.01})
    unsure = make({"support": 0.40, "oppose": 0.45, "neutral": 0.10, "none": 0.05})
    words = {"chile", "rejected", "the", "count"}
    assert priority(unsure, {"Chile"}, words) > priority(sure, {"Chile"}, words)
    assert priority(sure, set(), words) > priority(sure, {"Chile"}, words)
    assert priority(sure, {"Chile"}, set()) > priority(sure, {"Chile"}, words)


def test_session_labels_undoes_skips_and_resumes(event: Path) -> None:
    config, proposals = proposals_of(event)
    assert len(proposals) >= 10
    assert proposals == sorted(proposals, key=lambda p: -p.priority)
    store = LabelStore(config)
    store.order = {(p.doc, p.text): p.sentence for p in proposals}
    lines: list[str] = []
    stats = run_session(proposals, store, scripted(["s", "", "o", "u", "x", "k", "q"]), lines.append)
    assert (stats["labelled"], stats["accepted"] + stats["corrected"], stats["skipped"], stats["undone"]) == (3, 3, 1, 1)
    assert stats["open"] == len(proposals) - 4
    assert "[1/" in lines[0] and "[" in lines[0] and "proposal:" in lines[0]
    rows = read_corpus_rows(config.train_path)
    assert [r["stance"] for r in rows if r["actor"] == proposals[0].actor and r["text"] == proposals[0].text] == ["support"]
    assert {(r["text"], r["actor"]) for r in rows} <= {(p.text, p.actor) for p in proposals}
    assert proposals[2].key in store.rows and store.rows[proposals[2].key]["stance"] == "none"  # undone, then none
    # Resume: a new session starts at the first open proposal, after the skipped one.
    again = LabelStore(config)
    seen: list[str] = []
    run_session(proposals, again, scripted(["q"]), seen.append)
    assert f"[5/{len(proposals)}]" in seen[0] and proposals[4].actor in seen[0]


def test_next_proposal_shows_within_100_ms(event: Path) -> None:
    config, proposals = proposals_of(event)
    store = LabelStore(config)
    store.order = {(p.doc, p.text): p.sentence for p in proposals}
    times: list[float] = []
    last = [time.perf_counter()]

    def read(prompt: str) -> str:
        times.append(time.perf_counter() - last[0])
        if len(times) > len(proposals):
            raise EOFError
        answer = "" if len(times) > 1 else "s"
        last[0] = time.perf_counter()
        return answer

    run_session(proposals, store, read, lambda line: None)
    assert max(times[1:]) < 0.1, times


def test_export_and_import(event: Path, capsys: pytest.CaptureFixture[str]) -> None:
    articles = write_articles(event.parent / "articles")
    sheet = event.parent / "proposals.csv"
    assert main(["label", str(articles), "--target", NAME, "--export", str(sheet)]) == 0
    lines = sheet.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("doc,date,sentence,actor,text,proposed,p_support")
    filled = [lines[0]] + [line + ("oppose" if i == 0 else "x" if i == 1 else "") for i, line in enumerate(lines[1:])]
    sheet.write_text("\n".join(filled) + "\n", encoding="utf-8")
    assert main(["label", "--target", NAME, "--import", str(sheet)]) == 0
    store = LabelStore(TargetConfig.load(NAME))  # labelled.csv and the rows waiting for their context
    assert sorted(r["stance"] for r in store.rows.values()) == ["none", "oppose"]
    bad = event.parent / "bad.csv"
    bad.write_text("\n".join([lines[0], lines[1] + "maybe", lines[2] + "perhaps"]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["label", "--target", NAME, "--import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'maybe'" in err and "1 more" in err


def test_a_new_event_end_to_end(event: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/new-event.md, scripted: init (done by the fixture), dictionary, label through stdin,
    check the corpus, train into the new project root, classify."""
    articles = write_articles(event.parent / "articles")
    assert main(["actors", "list", "--target", NAME, "--generated"]) == 0
    # The proposals come in a fixed order (the export's): answer each as the annotator would.
    sheet = event.parent / "proposals.csv"
    assert main(["label", str(articles), "--target", NAME, "--export", str(sheet)]) == 0
    with open(sheet, newline="", encoding="utf-8") as handle:
        answers = "".join(gold_answer(r["doc"], r["actor"], r["text"]) + "\n" for r in csv.DictReader(handle))
    env = {"STANCE_HOME": str(event), "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "label", str(articles), "--target", NAME, "--no-score"],
                          input=answers, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "0 open" in done.stderr
    capsys.readouterr()
    assert main(["corpus", "--check", "--target", NAME]) == 0, capsys.readouterr().out
    accuracy, macro_f1 = cross_validated(TargetConfig.load(NAME))  # what a session prints every 50 labels
    assert 0.0 <= accuracy <= 1.0 and 0.0 <= macro_f1 <= 1.0
    assert main(["train", "--target", NAME, "--folds", "2", "--force"]) == 0
    assert (event / "models" / "general" / "MODEL_CARD.md").read_text().count(NAME) >= 1
    capsys.readouterr()
    assert main(["classify", str(articles), "--target", NAME, "--format", "long"]) == 0
    assert "Tomas Vale" in capsys.readouterr().out


def test_user_errors_are_one_line(event: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["label", "--target", NAME]) == 2
    assert main(["label", str(event.parent / "nowhere"), "--target", NAME]) == 2
    assert main(["label", "--target", NAME, "--import", str(event.parent / "missing.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len([line for line in err if line.startswith("stance: error:")]) == 3
    assert not any("Traceback" in line for line in err)


def test_pairs_labelled_by_hand_are_not_proposed_again(event: Path) -> None:
    articles = write_articles(event.parent / "articles")
    text = "Tomas Vale rejected the result and called it a fraud."
    (event / "data" / "train" / NAME / "by-hand.csv").write_text(
        f"text,actor,stance,doc,date\n{text},Tomas Vale,oppose,h1,2025-03-03\n", encoding="utf-8")
    sheet = event.parent / "proposals.csv"
    assert main(["label", str(articles), "--target", NAME, "--export", str(sheet)]) == 0
    with open(sheet, newline="", encoding="utf-8") as handle:
        pairs = {(r["text"], r["actor"]) for r in csv.DictReader(handle)}
    assert (text, "Tomas Vale") not in pairs and pairs


def test_every_50_labels_the_users_gold_is_scored_too(event: Path) -> None:
    """The score a session prints every 50 labels includes the target's own gold sets
    (`eval_sets`), scored by the general model retrained on the labels given so far."""
    from pipeline.labelling import gold_scores

    config, proposals = proposals_of(event)
    store = LabelStore(config)
    store.order = {(p.doc, p.text): p.sentence for p in proposals}
    run_session(proposals, store, scripted([gold_answer(p.doc, p.actor, p.text) for p in proposals]), lambda _: None)
    assert gold_scores(config) == []  # no gold set yet
    folder = event / "gold-set"
    write_articles(folder / "articles")
    cells = [("fr-count", "Tomas Vale", "oppose"), ("fr-count", "Chile", "neutral"),
             ("fr-reactions", "Peru", "oppose"), ("fr-talks", "Chile", "support")]
    (folder / "gold.csv").write_text("article,actor,stance\n" + "".join(f"{a},{b},{c}\n" for a, b, c in cells))
    target = event / "targets" / f"{NAME}.toml"
    target.write_text(target.read_text(encoding="utf-8").replace("\nname =", '\neval_sets = ["gold-set"]\nname =', 1))
    scores = gold_scores(TargetConfig.load(NAME))
    assert [name.split()[1] for name, _, _ in scores] == ["gold-set"]
    assert all(0.0 <= accuracy <= 1.0 and 0.0 <= f1 <= 1.0 for _, accuracy, f1 in scores)
