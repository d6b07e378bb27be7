"""Dates, tidy long rows, the agreement network, the timeline, plots by extension, filters.

The corpus is made up here (three short articles): Chile and Peru reject the result on
2 August 2024, Chile and Argentina in an undated article dated by --meta, Russia
congratulates Maduro in both; in October 2025 Chile congratulates Maduro (a flip) and
Donald Trump speaks for the United States.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest

from pipeline.aggregate import Cell
from pipeline.cli import Kind, main
from pipeline.config import project_root
from pipeline.errors import StanceError
from pipeline.meta import ArticleDates, Meta
from pipeline.network import build_graph, pair_counts
from pipeline.read import Article
from pipeline.timeline import flips, group_by_window, timeline_rows, window_start, windows_between

ROOT = project_root()
ARTICLES = {
    "a1": "CARACAS, Aug 2, 2024 - Chile rejected the official result. Peru also rejected the official result.\n"
          "Russia congratulated Maduro on his re-election.\n",
    "b2": "Chile rejected the official result, and Argentina rejected the official result too.\n"
          "Russia congratulated Maduro on his re-election.\n",
    "c3": "CARACAS, Oct 7, 2025 - Chile congratulated Maduro on his re-election.\n"
          "Donald Trump said the United States rejected the result.\n",
}
META = "article,date,source,url\nb2,2024-09-10,Wire,https://example.org/b2\nc3,2025-10-09,Daily,\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "meta.csv").write_text(META, encoding="utf-8")
    return folder


def stance(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("stance: error:"), err
    return lines[0]


# --- dates ----------------------------------------------------------------------------------

def test_meta_beats_dateline_beats_default():
    dates = ArticleDates({"m": date(2024, 9, 10)}, date(2024, 8, 5))
    assert dates(Article("m", "x", "m", date(2024, 8, 2))) == date(2024, 9, 10)
    assert dates(Article("d", "x", "d", date(2024, 8, 2))) == date(2024, 8, 2)
    assert dates(Article("n", "x", "n")) == date(2024, 8, 5)
    assert ArticleDates()(Article("n", "x", "n")) is None


def test_meta_file_is_checked_line_by_line():
    meta = Meta.parse("\ufeffarticle,date,title\na,2024-07-29T10:00:00Z,One\nb,,Two\n")
    assert meta.dates == {"a": date(2024, 7, 29)} and meta.columns == ("title",) and meta.rows["b"] == {"title": "Two"}
    assert Meta.parse("article,date\narticles/c.txt,2024-08-01\n").dates == {"c": date(2024, 8, 1)}
    for text, message in [("id,date\n", "needs the columns article and date"), ("article,date\na,29/07/2024\n", "line 2"),
                          ("article,date\na,2024-07-29\na,2024-07-30\n", "appears twice"),
                          ("article,date\na,2024-02-30\n", "use YYYY-MM-DD")]:
        with pytest.raises(StanceError, match=message):
            Meta.parse(text)


@pytest.mark.usefixtures("stance_pipeline")
def test_columns_go_in_date_order_and_roles_use_each_articles_date(corpus, tmp_path):
    out = tmp_path / "m.csv"
    code, _, err = stance("classify", str(corpus), "--meta", str(tmp_path / "meta.csv"), "-o", str(out), "-q")
    assert code == 0, err
    # a1 2 Aug 2024 (dateline), b2 10 Sep 2024 (meta, no dateline), c3 9 Oct 2025 (meta beats its dateline).
    assert next(csv.reader(out.open()))[1:] == ["a1", "b2", "c3"]
    # The default date dates only undated articles: in c3 (Oct 2025) Trump speaks for the United States.
    code, text, err = stance("classify", str(corpus), "--default-date", "2024-08-05", "--level", "country",
                             "--format", "long", "-q")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["article"]: r["date"] for r in rows} == {"a1": "2024-08-02", "b2": "2024-08-05", "c3": "2025-10-07"}
    assert [r["actor"] for r in rows if r["article"] == "c3" and r["stance"] == "oppose"] == ["United States"]
    # --date is the hidden deprecated alias, with the new meaning and a note.
    code, old, err = stance("classify", str(corpus), "--date", "2024-08-05", "--level", "country", "--format", "long")
    assert code == 0 and old == text and "deprecated" in err
    assert not re.search(r"--date(?![-\w])", stance("classify", "--help")[1])  # --date-field is another option


def test_bad_dates_are_one_line(corpus, tmp_path):
    assert "--default-date" in one_line_error(*stance("classify", str(corpus), "--default-date", "5 Aug")[::2])
    assert "no such file" in one_line_error(*stance("classify", str(corpus), "--meta", str(tmp_path / "none.csv"))[::2])


# --- long rows --------------------------------------------------------------------------------

@pytest.mark.usefixtures("stance_pipeline")
def test_long_rows_are_tidy_with_meta_columns(corpus, tmp_path):
    code, text, err = stance("classify", str(corpus), "--meta", str(tmp_path / "meta.csv"), "-f", "long", "-q")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["article", "date", "actor", "kind", "country", "camp", "stance", "confidence", "evidence",
                             "source", "url"]
    by_key = {(r["article"], r["actor"]): r for r in rows}
    chile = by_key["b2", "Chile"]
    assert (chile["date"], chile["kind"], chile["country"], chile["stance"], chile["source"]) == (
        "2024-09-10", "country", "Chile", "oppose", "Wire")
    assert "Chile rejected" in chile["evidence"]
    trump = by_key["c3", "Donald Trump"]
    assert (trump["kind"], trump["country"]) == ("person", "United States")  # on 9 Oct 2025
    assert len(by_key) == len(rows)  # one row per (article, actor)


def test_country_is_empty_for_a_person_without_a_role_then(dictionary):
    from pipeline.network import country_of

    assert country_of(dictionary, "Donald Trump", date(2024, 8, 1)) == ""
    assert country_of(dictionary, "Donald Trump", date(2025, 6, 1)) == "United States"
    assert country_of(dictionary, "Chile", None) == "Chile"


# --- network ----------------------------------------------------------------------------------

CELLS = [Cell("a1", "Chile", "oppose", 0.9), Cell("a1", "Peru", "oppose", 0.8), Cell("a1", "Russia", "support", 0.9),
         Cell("a2", "Chile", "oppose", 0.9), Cell("a2", "Russia", "support", 0.7), Cell("a2", "Mexico", "neutral", 0.9),
         Cell("a2", "Qatar", "none", 0.9), Cell("a3", "Chile", "support", 0.6), Cell("a3", "Russia", "support", 0.9)]
DATES = {"a1": date(2024, 7, 29), "a2": date(2024, 7, 31), "a3": date(2024, 8, 20)}


def test_congruence_conflict_and_weight(dictionary):
    graph = build_graph(CELLS, DATES, dictionary)
    assert graph.edges["Chile", "Peru"] == {"congruence": 1, "conflict": 0, "shared": 1, "weight": 1.0}
    # Chile against Russia in a1 and a2, with it in a3: (1 - 2) / 3.
    assert graph.edges["Chile", "Russia"] == {"congruence": 1, "conflict": 2, "shared": 3, "weight": -0.3333}
    assert not graph.has_edge("Mexico", "Chile")  # neutral beside oppose: shared, neither congruent nor in conflict
    assert "Qatar" not in graph  # never takes a stance
    assert graph.nodes["Russia"]["lean"] == 1.0 and graph.nodes["Chile"]["kind"] == "country"
    assert pair_counts({"u": {"A": "neutral", "B": "neutral"}}) == {("A", "B"): [1, 0, 1]}


def test_windows_count_once_per_window(dictionary):
    graph = build_graph(CELLS, DATES, dictionary, "week")
    # a1 and a2 are in the week of 29 July: Chile and Russia conflict once there, agree in a3's week.
    assert graph.edges["Chile", "Russia"] == {"congruence": 1, "conflict": 1, "shared": 2, "weight": 0.0}
    undated = build_graph([*CELLS, Cell("x", "Chile", "oppose", 0.9)], DATES, dictionary, "month")
    assert undated.graph["undated"] == 1


@pytest.mark.usefixtures("stance_pipeline")
@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_network_files_load_back_with_networkx(corpus, tmp_path, suffix):
    import networkx as nx

    out = tmp_path / f"net{suffix}"
    code, _, err = stance("network", str(corpus), "-o", str(out), "--meta", str(tmp_path / "meta.csv"))
    assert code == 0, err
    graph = (nx.read_graphml if suffix == ".graphml" else nx.read_gexf)(out)
    # Chile and Peru reject the result in a1, Chile and Argentina in b2: same side, congruence edges.
    assert graph.edges["Chile", "Peru"]["congruence"] == 1 and graph.edges["Argentina", "Chile"]["conflict"] == 0
    assert graph.edges["Peru", "Russia"]["conflict"] == 1 and graph.edges["Peru", "Russia"]["weight"] == -1.0
    assert graph.nodes["Russia"]["kind"] == "country" and graph.nodes["Russia"]["lean"] == 1.0


@pytest.mark.usefixtures("stance_pipeline")
def test_network_edge_list_and_errors(corpus, tmp_path):
    out = tmp_path / "edges.csv"
    code, _, err = stance("network", str(corpus), "-o", str(out), "--level", "country", "--kind", "country", "-q")
    assert code == 0, err
    rows = list(csv.DictReader(out.open()))
    assert {"source": "Chile", "target": "Peru", "congruence": "1", "conflict": "0", "shared": "1",
            "weight": "1.0000"} in rows
    assert {"source": "Peru", "target": "Russia", "congruence": "0", "conflict": "1", "shared": "1",
            "weight": "-1.0000"} in rows  # a number, not a "'-1" text cell
    assert "graphml" in one_line_error(*stance("network", str(corpus), "-o", str(tmp_path / "n.txt"))[::2])
    assert "--min-confidence" in one_line_error(*stance("network", str(corpus), "-o", str(out), "--min-confidence", "2")[::2])


def test_real_articles_governments_on_the_same_side_share_congruence(stance_pipeline, tmp_path):
    shared = ROOT.parent / "shared" / "dev" / "maduro-2024"
    if not (shared / "sources.csv").is_file():
        pytest.skip("../shared/dev is not present")
    out = tmp_path / "n.graphml"
    code, _, err = stance("network", str(shared / "articles"), "--meta", str(shared / "sources.csv"), "--level", "country",
                          "-o", str(out), "-q")
    assert code == 0, err
    import networkx as nx

    graph = nx.read_graphml(out)
    assert graph.edges["Government of Venezuela", "Russia"]["congruence"] >= 1
    assert graph.edges["Government of Venezuela", "United States"]["weight"] < 0


# --- timeline ---------------------------------------------------------------------------------

def test_window_starts():
    assert window_start(date(2024, 8, 4), "week") == date(2024, 7, 29)  # a Sunday: the week began on Monday
    assert window_start(date(2024, 8, 4), "month") == date(2024, 8, 1)
    assert windows_between(date(2024, 11, 20), date(2025, 2, 1), "month") == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    with pytest.raises(StanceError):
        window_start(date(2024, 8, 4), "year")


def test_timeline_rows_and_flips():
    groups, _ = group_by_window(CELLS, DATES, "week")
    rows = {(r["actor"], r["window"]): r for r in timeline_rows(groups)}
    assert rows["Chile", "2024-07-29"] == {"actor": "Chile", "window": "2024-07-29", "stance": "oppose", "support": 0,
                                           "oppose": 2, "neutral": 0, "articles": 2}
    assert rows["Qatar", "2024-07-29"]["stance"] == "none"
    changes = flips(groups, DATES)
    assert [(f["actor"], f["from"], f["to"], f["from_date"], f["to_date"]) for f in changes] == [
        ("Chile", "oppose", "support", "2024-07-31", "2024-08-20")]


@pytest.mark.usefixtures("stance_pipeline")
def test_timeline_command(corpus, tmp_path):
    meta = str(tmp_path / "meta.csv")
    code, text, err = stance("timeline", str(corpus), "--meta", meta, "--window", "month", "-q")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["actor", "window", "stance", "support", "oppose", "neutral", "articles"]
    assert {(r["window"], r["stance"]) for r in rows if r["actor"] == "Chile"} == {
        ("2024-08-01", "oppose"), ("2024-09-01", "oppose"), ("2025-10-01", "support")}
    code, text, err = stance("timeline", str(corpus), "--meta", meta, "--flips", "-q", "--plot", str(tmp_path / "t.svg"))
    assert code == 0, err
    (flip,) = [r for r in csv.DictReader(io.StringIO(text)) if r["actor"] == "Chile"]
    assert (flip["from"], flip["to"], flip["from_date"], flip["to_date"]) == ("oppose", "support", "2024-09-10",
                                                                              "2025-10-09")
    assert "Chile rejected" in flip["from_evidence"] and "Chile congratulated" in flip["to_evidence"]
    assert (tmp_path / "t.svg").read_bytes().startswith(b"<?xml")


# --- plots by extension -----------------------------------------------------------------------

@pytest.mark.usefixtures("stance_pipeline")
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml"), (".pdf", b"%PDF-")])
def test_plot_writes_the_format_of_its_extension(corpus, tmp_path, suffix, magic):
    out = tmp_path / f"heatmap{suffix}"
    code, _, err = stance("classify", str(corpus), "--plot", str(out), "-q")
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(magic)
    if suffix == ".svg":
        assert b"<svg" in data[:2000]


def test_plot_refuses_other_extensions_before_any_work(corpus, tmp_path):
    line = one_line_error(*stance("classify", str(corpus), "--plot", str(tmp_path / "m.jpg"), "--model",
                                  str(tmp_path / "nothing"))[::2])
    assert ".png, .svg or .pdf" in line  # not the missing model: the plot name is checked first
    assert not (tmp_path / "m.jpg").exists()


# --- filters ----------------------------------------------------------------------------------

@pytest.mark.usefixtures("stance_pipeline")
def test_filters(corpus):
    def actors(*options: str) -> set[str]:
        code, text, err = stance("classify", str(corpus), "-f", "long", "-q", *options)
        assert code == 0, err
        return {r["actor"] for r in csv.DictReader(io.StringIO(text))}

    everyone = actors()
    assert actors("--actor", "Chile", "--actor", "the U.S.") == {"Chile", "United States"}
    assert actors("--kind", "person") == {a for a in everyone if a in {"Donald Trump", "Nicolás Maduro"}}
    assert actors("--min-confidence", "0.999") < everyone
    assert "--kind" in one_line_error(*stance("classify", str(corpus), "--kind", "planet")[::2])


def test_cli_kinds_are_the_dictionarys():
    from pipeline.actors import KINDS

    assert tuple(k.value for k in Kind) == KINDS


# --- cold start -------------------------------------------------------------------------------

@pytest.mark.usefixtures("stance_pipeline")
def test_classify_and_import_pipeline_do_not_import_networkx(corpus):
    code = ("import sys; import pipeline; assert 'pipeline.api' not in sys.modules; from pipeline.cli import main; "
            f"main(['classify', {str(corpus / 'a1.txt')!r}, '-q']); "
            "assert 'networkx' not in sys.modules and 'pandas' not in sys.modules, 'imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# --- a report that scales ---------------------------------------------------------------------

def test_a_2000_article_report_groups_columns_by_window_and_stays_small(config):
    import random
    import re
    from datetime import timedelta

    from pipeline.aggregate import Evidence, SentencePrediction
    from pipeline.report import render_report
    from pipeline.runner import ArticleResult

    rng = random.Random(18)
    actors = [f"Actor {i}" for i in range(60)]
    sentence = "A sentence of about the usual length that reports what this actor said about the disputed result. " * 2
    results = []
    for n in range(2000):
        day = date(2024, 7, 29) + timedelta(days=n * 300 // 2000) if n % 50 else None
        cells, predictions = [], []
        for actor in rng.sample(actors, 12):
            label = rng.choice(["support", "oppose", "neutral", "none"])
            evidence = tuple(Evidence(k, sentence, label, 0.9) for k in range(3)) if label != "none" else ()
            cells.append(Cell(f"a{n}", actor, label, 0.8, evidence))
            predictions += [SentencePrediction(f"a{n}", k, sentence, actor, {label: 0.9, "none": 0.1}) for k in range(5)]
        results.append(ArticleResult(Article(f"a{n}", sentence, f"a{n}.txt", day), [], [], predictions, cells))
    page = render_report(results, config, heatmap_png=b"")
    assert len(page.encode()) <= 5 * 2**20, len(page.encode())
    columns = re.findall(r'<th class="article" scope="col" title="([^"]+)">', page)
    assert len(columns) <= 51 and columns[-1] == "undated" and columns[0] == "2024-07-29"  # weeks, from Monday
    assert "each column is a week" in page
    assert re.search(r"articles: \d+ (support|oppose|neutral)", page)
    few = render_report(results[:20], config, heatmap_png=b"")
    assert re.findall(r'<th class="article" scope="col" title="([^"]+)">', few)[:2] == ["a0", "a1"]  # articles, as given
