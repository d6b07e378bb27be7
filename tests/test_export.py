import csv
import io

import pytest

from pipeline.aggregate import Cell, Evidence
from pipeline.export import long_rows, matrix_rows, render_csv, safe_cell, write_atomic

CELLS = [
    Cell("a1", "Chile", "oppose", 0.9, (Evidence(0, "=HYPERLINK(evil)", "oppose", 0.9),)),
    Cell("a2", "Chile", "neutral", 0.6),
    Cell("a2", "Qatar", "none", 0.8),
]


def test_matrix_layout():
    rows = matrix_rows(CELLS, ["a1", "a2"])
    assert rows == [["actor", "a1", "a2"], ["Chile", "oppose", "neutral"], ["Qatar", "", "none"]]


def test_long_layout_and_formula_neutralised():
    parsed = list(csv.reader(io.StringIO(render_csv(long_rows(CELLS)))))
    assert parsed[0] == ["article", "actor", "stance", "confidence", "evidence"]
    assert parsed[1] == ["a1", "Chile", "oppose", "0.900", "'=HYPERLINK(evil)"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_safe_cell(value):
    assert safe_cell(value) == "'" + value


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("old content")

    def explode(handle):
        handle.write("partial")
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        write_atomic(path, explode)
    assert path.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.csv", lambda handle: handle.write("x"))
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o644
        (tmp_path / "old.csv").write_text("y")
        (tmp_path / "old.csv").chmod(0o600)
        write_atomic(tmp_path / "old.csv", lambda handle: handle.write("x"))
        assert (tmp_path / "old.csv").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(mask)
