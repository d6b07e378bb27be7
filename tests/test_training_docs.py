"""`make train` writes its figures into docs/accuracy.md, between markers, and nowhere else."""

from pathlib import Path

from pipeline.evaluate import Scores
from pipeline.training import FIGURES_END, FIGURES_START, GoldRun, evaluation_table, write_figures


def scores(accuracy: float) -> Scores:
    return Scores(n=40, accuracy=accuracy, macro_f1=accuracy - 0.1, per_class={}, confusion=[])


def test_the_figures_block_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    table = evaluation_table({"model": scores(0.8)}, [GoldRun("dev set", Path("a"), Path("g"), {"model": scores(0.7)})], {})
    assert table[2] == "| cross-validation | model | 40 | 0.800 | 0.700 |"
    assert table[3].startswith("| dev set | model | 40 | 0.700")
    doc = tmp_path / "accuracy.md"
    doc.write_text(f"# Accuracy\n\nBefore.\n\n{FIGURES_START}\nold figures\n{FIGURES_END}\n\nAfter.\n", encoding="utf-8")
    manifest = {"trained_at": "2026-12-07T06:00:00+00:00", "examples": 16759, "targets": ["a", "b"], "train_seconds": 75}
    assert write_figures(doc, manifest, table)
    text = doc.read_text(encoding="utf-8")
    assert "old figures" not in text and "| dev set | model | 40 | 0.700 | 0.600 |" in text
    assert text.startswith("# Accuracy\n\nBefore.\n\n") and text.endswith(f"{FIGURES_END}\n\nAfter.\n")
    assert "16,759 training pairs of a, b" in text
    assert write_figures(doc, manifest, table) and doc.read_text(encoding="utf-8") == text  # idempotent


def test_no_markers_no_file_nothing_written(tmp_path: Path) -> None:
    doc = tmp_path / "accuracy.md"
    doc.write_text("# Accuracy, written by hand\n", encoding="utf-8")
    assert not write_figures(doc, {}, ["| x |"])
    assert doc.read_text(encoding="utf-8") == "# Accuracy, written by hand\n"
    assert not write_figures(tmp_path / "missing.md", {}, ["| x |"])


def test_a_linked_shared_folder_keeps_its_name_in_the_tables(tmp_path):
    """CI and users may put ../shared beside the project as a link: the set names written
    into docs/accuracy.md stay ``shared/...`` rather than the link's target."""
    from pipeline.training import _shown

    project, elsewhere = tmp_path / "work" / "stance", tmp_path / "mounted" / "shared"
    (elsewhere / "eval").mkdir(parents=True)
    project.mkdir(parents=True)
    (project.parent / "shared").symlink_to(elsewhere)
    assert _shown(project / ".." / "shared" / "eval", project) == "shared/eval"
    assert _shown(project / "data" / "samples", project) == "data/samples"
    assert _shown(elsewhere / "eval", project) == str(elsewhere / "eval")  # outside both: as given
