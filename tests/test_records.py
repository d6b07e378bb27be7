"""Issue 19: JSONL and CSV corpora (optionally gzipped), one article per record."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from pipeline import records
from pipeline.cli import main
from pipeline.config import project_root
from pipeline.read import Article, ReadFailure, list_sources, read_articles
from pipeline.records import Fields, read_records

ROOT = project_root()
SAMPLES = ROOT / "data" / "samples"


def sample_articles() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.txt"))]


def write_jsonl(path: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows] + list(extra_lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture()
def run(capsys):
    """``stance ARGS`` in this process: (exit code, stdout, stderr)."""

    def call(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


# --- reading, without the model ------------------------------------------------------------

def test_jsonl_records_become_articles(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "a1", "date": "2024-08-02T10:00:00Z", "text": "Chile rejected the result.", "title": "Chile\nrejects",
         "source": "Wire", "url": "https://example.org/a1", "author": "not carried"},
        {"id": 7, "text": "CARACAS, Aug 3, 2024 - Mexico asked for the tally sheets."},
    ])
    first, second = list(read_records(str(path)))
    assert first.id == "a1" and str(first.date) == "2024-08-02" and first.source.endswith("c.jsonl line 1")
    assert first.meta == (("title", "Chile rejects"), ("source", "Wire"), ("url", "https://example.org/a1"))
    assert second.id == "7" and str(second.date) == "2024-08-03"  # no date field: the dateline, as for a file


def test_bad_records_are_failures_with_line_numbers(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "ok", "text": "Chile rejected the result."}], (
        "",                                            # line 2: blank, ignored
        '{"id": "x", "text": ',                        # 3: malformed
        "[1, 2]",                                      # 4: not an object
        '{"id": "no-text"}',                           # 5: no text field
        '{"id": "blank", "text": "  \\n "}',           # 6: blank text
        '{"id": "ok", "text": "again"}',               # 7: duplicate id
        '{"id": "d", "text": "x y", "date": "soon"}',  # 8: bad date
        '{"id": "n", "text": 42}',                     # 9: text not a string
        '{"id": "  ", "text": "x"}',                   # 10: blank id
        '{"id": "last", "text": "Peru rejected it."}',
    ))
    items = list(read_records(str(path)))
    assert [i.id for i in items if isinstance(i, Article)] == ["ok", "last"]
    reasons = [i.reason for i in items if isinstance(i, ReadFailure)]
    assert [r.split(" line ")[1].split(":")[0] for r in reasons] == ["3", "4", "5", "6", "7", "8", "9", "10"]
    assert "malformed JSON" in reasons[0] and "not an object" in reasons[1] and "no 'text' field" in reasons[2]
    assert "empty article" in reasons[3] and "duplicate article id 'ok'" in reasons[4] and "use YYYY-MM-DD" in reasons[5]
    assert all(r.startswith(str(path)) for r in reasons)


def test_csv_records_with_renamed_fields_and_multiline_text(tmp_path):
    path = write_csv(tmp_path / "c.csv.gz", ["doc", "published", "body", "title"], [
        ["d1", "2024-08-05", "Chile rejected the result.\nMexico asked for the tally sheets.", "Two lines"],
        ["d2", "", "", "no text"],
        ["d3", "2024-08-06", "Peru rejected it.", ""],
    ])
    items = list(read_records(str(path), Fields(id="doc", text="body", date="published")))
    assert isinstance(items[0], Article) and items[0].text.count("\n") == 1 and items[0].meta == (("title", "Two lines"),)
    assert isinstance(items[1], ReadFailure) and " line 4: empty article" in items[1].reason  # d1 spans lines 2-3
    assert items[2].id == "d3" and str(items[2].date) == "2024-08-06" and items[2].meta == ()


def test_csv_without_the_text_column_is_one_failure(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["id", "content"], [["a", "Chile rejected it."]])
    (failure,) = read_records(str(path))
    assert "no 'text' column" in failure.reason and "--text-field" in failure.reason


def test_a_header_problem_skips_the_whole_file(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["id", "content"], [["a", "Chile rejected it."]])
    (failure,) = read_records(str(path))
    assert failure.whole
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a"}])
    (failure,) = read_records(str(path))
    assert not failure.whole  # one record's problem: the file goes on


@pytest.mark.parametrize("kind", ["jsonl", "csv", "csv.gz"])
def test_bytes_that_are_not_utf8_are_replaced_and_counted_once(tmp_path, kind):
    """Bad bytes keep their record (read as U+FFFD, as errors="replace" gives) and give one
    note at the end of the file, with the count, not one per record."""
    texts = [b"Chile rejected the \xff result.", b"Peru agreed.", b"Mexico \xe9\xe9 asked \xc3 twice."]
    if kind == "jsonl":
        data = b"".join(b'{"id": "a%d", "text": "%s"}\n' % (i, t) for i, t in enumerate(texts))
    else:
        data = b"id,text\n" + b"".join(b"a%d,%s\n" % (i, t) for i, t in enumerate(texts))
    path = tmp_path / f"c.{kind}"
    path.write_bytes(gzip.compress(data) if kind.endswith(".gz") else data)
    notes: list[str] = []
    items = list(read_records(str(path), on_note=notes.append))
    assert [a.text for a in items] == [t.decode("utf-8", "replace") for t in texts]
    assert "Chile rejected the \ufffd result." in items[0].text
    (note,) = notes
    assert note.startswith(f"{path}: 4 invalid UTF-8 byte sequence(s)") and "U+FFFD" in note
    if kind == "jsonl":  # lines are decoded one by one: the note can name them
        assert "in 2 record(s), the first at line 1" in note
    assert list(read_records(str(path))) == items  # without on_note: the same articles, silently
    notes.clear()
    list(read_records(str(write_jsonl(tmp_path / "fine.jsonl", [{"text": "Peru agreed."}])), on_note=notes.append))
    assert notes == []


def test_a_record_without_an_id_is_named_by_its_line(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl.gz", [{"text": "Chile rejected it."}, {"text": "Peru rejected it."}])
    assert [a.id for a in read_records(str(path))] == ["feed-1", "feed-2"]


def test_size_limits_apply_per_record(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "MAX_ARTICLE_BYTES", 2000)
    monkeypatch.setattr(records, "MAX_ARTICLE_CHARS", 500)
    monkeypatch.setattr(records, "MAX_RECORD_BYTES", 8000)
    word = "Chile rejected the official result. "
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "long", "text": word * 20}, {"id": "huge", "text": word * 100},
                                              {"id": "line", "text": word * 300}, {"id": "fine", "text": word}])
    long, huge, line, fine = read_records(str(path))
    assert len(long.text) <= 500 and "only the first" in long.notes[0]
    assert "larger than the" in huge.reason and "line 2" in huge.reason
    assert "line 3" in line.reason and "not one article" in line.reason
    assert fine.id == "fine"


def test_a_corrupt_gzip_stops_that_file_only(tmp_path):
    good = write_jsonl(tmp_path / "c.jsonl.gz", [{"id": f"a{i}", "text": "Chile rejected it. " * 50} for i in range(200)])
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(good.read_bytes()[:-200])
    other = write_jsonl(tmp_path / "other.jsonl", [{"id": "z", "text": "Peru rejected it."}])
    items = list(read_articles([str(broken), str(other)]))
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert len(failures) == 1 and "the rest of the file is skipped" in failures[0].reason
    assert items[-1].id == "z"


def test_ids_are_unique_across_files_and_records(tmp_path):
    (tmp_path / "a1.txt").write_text("Chile rejected it.\n")
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a1", "text": "Peru rejected it."}])
    items = list(read_articles([str(tmp_path / "a1.txt"), str(path)]))
    assert isinstance(items[1], ReadFailure) and "duplicate article id 'a1'" in items[1].reason


def test_folders_give_text_and_html_files_never_record_files(tmp_path):
    for name in ("a.txt", "b.html", "c.htm", "gold.csv", "d.jsonl"):
        (tmp_path / name).write_text("x")
    assert [Path(s).name for s in list_sources([str(tmp_path)])] == ["a.txt", "b.html", "c.htm"]
    # Named, record files are inputs; two of them may share a stem (their ids are inside).
    assert len(list_sources([str(tmp_path / "gold.csv"), str(tmp_path / "d.jsonl"), str(tmp_path / "a.txt")])) == 3


# --- through the CLI, with the trained model -------------------------------------------------

@pytest.mark.usefixtures("stance_pipeline")
class TestRecordsCli:
    def test_jsonl_and_csv_give_the_folders_matrix(self, run, tmp_path):
        code, _, err = run("classify", SAMPLES, "-o", tmp_path / "folder.csv", "-q")
        assert code == 0, err
        expected = (tmp_path / "folder.csv").read_text()
        articles = sample_articles()
        inputs = [
            write_jsonl(tmp_path / "c.jsonl", [{"id": i, "text": t} for i, t in articles]),
            write_jsonl(tmp_path / "c2.jsonl.gz", [{"id": i, "text": t} for i, t in articles]),
            write_csv(tmp_path / "c.csv", ["id", "text"], [[i, t] for i, t in articles]),
            write_csv(tmp_path / "c2.csv.gz", ["id", "text"], [[i, t] for i, t in articles]),
        ]
        for path in inputs:
            out = tmp_path / f"{path.name}.matrix.csv"
            code, _, err = run("classify", path, "-o", out, "-q")
            assert code == 0, err
            assert out.read_text() == expected, path.name
        # Split into tasks for two worker processes like files are.
        code, _, err = run("classify", inputs[1], "-o", tmp_path / "jobs.csv", "-q", "--jobs", "2")
        assert code == 0, err
        assert (tmp_path / "jobs.csv").read_text() == expected

    def test_bad_records_are_noted_and_the_run_goes_on(self, run, tmp_path):
        (name, text), *_ = sample_articles()
        path = write_jsonl(tmp_path / "c.jsonl", [{"id": name, "text": text}],
                           ('{"id": "broken", ', '{"id": "x", "text": ""}', json.dumps({"id": name, "text": "dup"})))
        out = tmp_path / "m.csv"
        code, _, err = run("classify", path, "-o", out)
        assert code == 1, err
        assert f"stance: skipped {path} line 2: malformed JSON" in err
        assert f"{path} line 3: empty article" in err and f"{path} line 4: duplicate article id" in err
        assert out.read_text().splitlines()[0] == f"actor,{name}"
        code, _, err = run("classify", path, "-o", out, "--strict")
        assert code == 2 and err.strip().splitlines()[-1].startswith(f"stance: error: {path} line 2: malformed JSON")
        assert "Traceback" not in err

    def test_bad_bytes_are_noted_once_on_stderr(self, run, tmp_path):
        path = tmp_path / "c.jsonl"
        path.write_bytes(b'{"id": "a", "text": "Chile rejected the \xff result."}\n{"id": "b", "text": "Peru \xfe."}\n')
        code, _, err = run("classify", path, "-o", tmp_path / "m.csv")
        assert code == 0, err
        assert err.count("invalid UTF-8") == 1
        assert f"stance: {path}: 2 invalid UTF-8 byte sequence(s) in 2 record(s), the first at line 1" in err

    def test_renamed_fields_and_metadata_reach_long_rows_and_json(self, run, tmp_path):
        (name, text), *_ = sample_articles()
        path = write_csv(tmp_path / "c.csv", ["doc_id", "published", "body", "title", "source", "url"],
                         [[name, "2024-09-01", text, "A title", "Wire", "https://example.org/x"]])
        code, out, err = run("classify", path, "--id-field", "doc_id", "--text-field", "body", "--date-field", "published",
                             "-f", "long", "-q")
        assert code == 0, err
        rows = list(csv.DictReader(out.splitlines()))
        assert rows and {r["article"] for r in rows} == {name} and {r["date"] for r in rows} == {"2024-09-01"}
        assert {(r["title"], r["source"], r["url"]) for r in rows} == {("A title", "Wire", "https://example.org/x")}
        code, out, err = run("classify", path, "--id-field", "doc_id", "--text-field", "body", "-f", "json", "-q")
        assert code == 0, err
        (article,) = json.loads(out)["articles"]
        assert article["metadata"] == {"title": "A title", "source": "Wire", "url": "https://example.org/x"}
        assert article["language"] == "en"

    def test_a_meta_file_wins_over_the_records_values(self, run, tmp_path):
        (name, text), *_ = sample_articles()
        path = write_jsonl(tmp_path / "c.jsonl", [{"id": name, "text": text, "title": "record title"}])
        meta = tmp_path / "meta.csv"
        meta.write_text(f"article,date,title\n{name},2024-10-01,meta title\n")
        code, out, err = run("classify", path, "--meta", meta, "-f", "long", "-q")
        assert code == 0, err
        rows = list(csv.DictReader(out.splitlines()))
        assert {(r["date"], r["title"]) for r in rows} == {("2024-10-01", "meta title")}

    def test_timeline_and_network_read_records(self, run, tmp_path):
        path = write_jsonl(tmp_path / "c.jsonl", [{"id": i, "text": t} for i, t in sample_articles()])
        code, out, err = run("timeline", path, "--window", "month", "-q")
        assert code == 0, err
        assert out.startswith("actor,window,stance")
        code, _, err = run("network", path, "-o", tmp_path / "n.csv", "-q")
        assert code == 0, err

    def test_report_shows_the_records_title_escaped(self, run, tmp_path):
        (name, text), *_ = sample_articles()
        path = write_jsonl(tmp_path / "c.jsonl", [{"id": name, "text": text, "title": "<script>alert(1)</script> Court"}])
        out = tmp_path / "r.html"
        code, _, err = run("report", path, "-o", out, "-q")
        assert code == 0, err
        html = out.read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Court" in html and "<script>alert" not in html

    def test_explain_reads_records(self, run, tmp_path):
        path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a1", "text": "Chile rejected the official result."},
                                                   {"id": "a2", "text": "Peru asked for the tally sheets."}])
        code, out, err = run("explain", path, "--actor", "Chile")
        assert code == 0, err
        assert "[Chile] rejected" in out


def test_a_record_file_is_split_into_tasks_for_workers_and_a_dask_cluster(stance_pipeline, tmp_path):
    """--jobs and --scheduler: one file's records go to the workers in chunks, results in input order."""
    from pipeline.batch import classify_sources

    distributed = pytest.importorskip("distributed")
    path = write_jsonl(tmp_path / "c.jsonl.gz", [{"id": i, "text": t} for i, t in sample_articles()],
                       ('{"id": "broken"',))
    sources = [str(path)]
    sequential = classify_sources(stance_pipeline, sources)
    assert len(sequential.results) == 6 and len(sequential.skipped) == 1
    local = classify_sources(stance_pipeline, sources, jobs=2)
    assert local.cells == sequential.cells and local.articles == sequential.articles
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        remote = classify_sources(stance_pipeline, sources, scheduler=cluster.scheduler_address)
    assert remote.cells == sequential.cells and [s.reason for s in remote.skipped] == [s.reason for s in sequential.skipped]
