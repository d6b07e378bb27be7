"""The Python API: docs/api.md runs as written, and the result agrees with the command line."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from pipeline.cli import main
from pipeline.config import project_root
from pipeline.errors import StanceError

ROOT = project_root()
EXAMPLE = ROOT / "docs" / "api.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", EXAMPLE.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.usefixtures("stance_pipeline")
def test_the_documented_example_runs(monkeypatch, tmp_path):
    (tmp_path / "data").symlink_to(ROOT / "data")  # the example's relative paths, its output files in tmp_path
    monkeypatch.chdir(tmp_path)
    blocks = code_blocks()
    assert len(blocks) >= 4
    namespace: dict = {}
    with redirect_stdout(io.StringIO()) as out:
        for block in blocks:
            if "to_pandas" in block and importlib.util.find_spec("pandas") is None:
                with pytest.raises(StanceError, match="pip install pandas"):
                    exec(compile(block, str(EXAMPLE), "exec"), namespace)
                continue
            exec(compile(block, str(EXAMPLE), "exec"), namespace)
    result = namespace["result"]
    assert result.articles[0] == "wire-reactions-aug" and "Russia" in result.matrix
    assert namespace["graph"].edges["Russia", "China"]["congruence"] >= 1
    assert "support" in out.getvalue()
    assert (tmp_path / "network.gexf").read_bytes().startswith(b"<?xml")


@pytest.mark.usefixtures("stance_pipeline")
def test_rows_match_the_long_csv(tmp_path, monkeypatch):
    from pipeline import classify

    monkeypatch.chdir(ROOT)
    result = classify(["data/samples"], default_date="2024-08-05")
    with redirect_stdout(io.StringIO()) as out, redirect_stderr(io.StringIO()):
        assert main(["classify", "data/samples", "--default-date", "2024-08-05", "-f", "long", "-q"]) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(result.rows) + 1
    assert lines[0].split(",") == list(result.columns)
    first = result.rows[0]
    assert lines[1].startswith(f"{first['article']},{first['date'].isoformat()},{first['actor']},")


@pytest.mark.usefixtures("stance_pipeline")
def test_to_pandas_without_pandas_is_a_clear_error(monkeypatch):
    from pipeline import classify

    monkeypatch.chdir(ROOT)
    result = classify("data/samples/court-ruling-aug.txt")
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas gives
    with pytest.raises(StanceError, match="needs pandas"):
        result.to_pandas()


def test_unknown_names_and_bad_arguments():
    import pipeline

    with pytest.raises(AttributeError):
        pipeline.nothing  # noqa: B018
    with pytest.raises(StanceError, match="level"):
        pipeline.classify(os.devnull, level="planet")
