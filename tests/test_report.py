"""The HTML report: self-contained, escaped, every matrix cell linked to its evidence.

Most tests build results by hand (no model needed); the last ones run `stance report`
and open its output in headless Chromium.
"""

import base64
import io
import re
import shutil
import subprocess
from contextlib import redirect_stderr
from datetime import date
from html.parser import HTMLParser

import numpy as np
import pytest
from matplotlib.image import imread

from pipeline.aggregate import SentencePrediction, aggregate
from pipeline.cli import main
from pipeline.plot import COLORS
from pipeline.read import Article, ReadFailure
from pipeline.report import highlight, mark_spans, render_report
from pipeline.runner import ArticleResult

# A matrix row header: its id, the actor's name, then the link to the row itself.
ROW = r'<tr><th id="row-\d+" class="actor" scope="row">([^<]+)<a class="self" href="#row-\d+"[^>]*>¶</a></th>'
HOSTILE = 'Argentina called it a <script>alert("x")</script> fraud & "rigged".'
MANIFEST = {
    "target": "maduro-2024", "trained_at": "2026-01-02T03:04:05+00:00", "examples": 1234,
    "label_distribution": {"support": 300, "oppose": 400, "neutral": 134, "none": 400},
    "versions": {"scikit-learn": "1.9.1"},
    "cv": {"model": {"n": 1234, "accuracy": 0.7312, "macro_f1": 0.6987,
                     "per_class": {"oppose": {"precision": 0.61, "recall": 0.62, "f1": 0.615, "support": 400}}},
           "majority": {"n": 1234, "accuracy": 0.3241, "macro_f1": 0.1633}},
    "gold": {"shared eval (real articles)": {"model": {"n": 42, "accuracy": 0.6429, "macro_f1": 0.7354}}},
}


def predict(article: str, index: int, text: str, actor: str, mention: str, **probabilities: float) -> SentencePrediction:
    start = text.index(mention)
    full = dict.fromkeys(("support", "oppose", "neutral", "none"), 0.0) | probabilities
    return SentencePrediction(article, index, text, actor, full, ((start, start + len(mention)),))


def result(article_id: str, predictions: list, when: date | None = None, roll_up=None) -> ArticleResult:
    article = Article(article_id, "…", f"/in/{article_id}.txt", when)
    return ArticleResult(article, [], [], predictions, aggregate(predictions, roll_up))


@pytest.fixture()
def results():
    s1 = "Chile rejected the official result, while Mexico asked for the tally sheets."
    s2 = "Talks were held in Qatar."
    s3 = "Chile later said it was studying the result."
    first = result("wire-aug3", [
        predict("wire-aug3", 0, s1, "Chile", "Chile", oppose=0.8, support=0.1, none=0.1),
        predict("wire-aug3", 0, s1, "Mexico", "Mexico", neutral=0.7, none=0.3),
        predict("wire-aug3", 1, s2, "Qatar", "Qatar", none=0.9, neutral=0.1),
        predict("wire-aug3", 2, s3, "Chile", "Chile", none=0.6, oppose=0.4),
    ], date(2024, 8, 3))
    second = result("<u>odd id</u>", [
        predict("<u>odd id</u>", 0, HOSTILE, "Argentina", "Argentina", oppose=0.9, none=0.1),
        predict("<u>odd id</u>", 1, "Russia congratulated Maduro.", "Russia", "Russia", support=0.95, none=0.05),
    ])
    return [first, second]


class Links(HTMLParser):
    """Ids, internal links, external references and the text under each id of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.external, self.tags = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        href = attrs.get("href") or ""
        if href.startswith("#"):
            self.hrefs.append(href[1:])
        for key in ("href", "src"):
            value = attrs.get(key) or ""
            if value and not value.startswith(("#", "data:")):
                self.external.append(value)


def block(page: str, anchor: str) -> str:
    """The HTML of the evidence block with id ``anchor``."""
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("back to the matrix", start)]


def matrix_link(page: str, actor: str, column: int) -> str:
    """The anchor a matrix cell links to (column counted from 0 among the articles)."""
    row = re.search(ROW.replace("([^<]+)", re.escape(actor)) + "(.*?)</tr>", page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    return re.search(r'href="#([^"]+)"', cells[column]).group(1)


def test_mark_spans_merges_clips_and_quotes():
    assert mark_spans("abcdef", [(3, 5), (0, 2), (1, 3), (4, 99)], "[", "]") == "[abcdef]"
    assert mark_spans("a<b> c", [(5, 6)], "<m>", "</m>", lambda s: s.replace("<", "&lt;")) == "a&lt;b> <m>c</m>"
    assert mark_spans("abc", [(2, 2), (-5, 1)], "[", "]") == "[a]bc"
    assert highlight("<U.S.> & co", [(1, 5)]) == "&lt;<mark>U.S.</mark>&gt; &amp; co"


def test_every_cell_links_to_its_evidence_with_the_actor_highlighted(results, config):
    page = render_report(results, config, MANIFEST)
    parser = Links()
    parser.feed(page)
    assert set(parser.hrefs) <= parser.ids  # no dangling link
    chile = block(page, matrix_link(page, "Chile", 0))
    assert "Chile in wire-aug3" in chile and 'class="badge s-oppose">oppose' in chile
    assert "<mark>Chile</mark> rejected the official result" in chile
    assert "0.80" in chile and "support 0.10" in chile  # predicted label, its probability, the others
    # The second sentence mentioning Chile did not decide the cell: listed apart, with its own label.
    assert "1 other sentence mentions Chile" in chile and "<mark>Chile</mark> later said" in chile
    qatar = block(page, matrix_link(page, "Qatar", 0))
    assert "No sentence shows a position" in qatar and "<mark>Qatar</mark>" in qatar
    cells = sum(len(r.cells) for r in results)
    assert len(re.findall(r'<td class="s-\w+"><a href="#e-', page)) == cells
    assert page.count('<td title="not mentioned"></td>') == 2 * 5 - cells


def test_article_text_and_names_are_escaped(results, config):
    page = render_report(results, config, MANIFEST)
    parser = Links()
    parser.feed(page)
    assert "script" not in parser.tags and "u" not in parser.tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; fraud &amp; &quot;rigged&quot;" in page
    assert "&lt;u&gt;odd id&lt;/u&gt;" in page


def test_self_contained_no_network(results, config):
    page = render_report(results, config, MANIFEST)
    parser = Links()
    parser.feed(page)
    assert parser.external == []
    assert "default-src 'none'" in page and "<link" not in page and "<script" not in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(png).startswith(b"\x89PNG")


def test_matrix_rows_follow_overall_stance(results, config):
    page = render_report(results, config, MANIFEST)
    rows = re.findall(ROW, page)
    assert rows == ["Russia", "Mexico", "Argentina", "Chile", "Qatar"]
    summary = page[page.index('id="actors"'):page.index('id="timeline"')]
    assert re.search(r'<th><a href="#row-0"[^>]*>Russia</a></th><td><span class="badge s-support">support</span></td>'
                     r'<td class="num">\+1\.00', summary)


def test_model_card_figures(results, config):
    page = render_report(results, config, MANIFEST)
    model = page[page.index('id="model"'):]
    for figure in ("0.731", "0.699", "0.324", "0.643", "0.735", "1234", "2026-01-02T03:04:05+00:00",
                   "shared eval (real articles)", "Cross-validation"):
        assert figure in model, figure
    assert "No model card figures" in render_report(results, config, None)


def test_country_level_lists_the_sentences_of_those_who_speak_for_it(config):
    text = "Joe Biden said the election lacked credibility."
    predictions = [predict("a", 0, text, "Joe Biden", "Joe Biden", oppose=0.9, none=0.1)]

    def speaks_for(actor, _day=None):
        return "United States" if actor == "Joe Biden" else actor

    page = render_report([result("a", predictions, roll_up=speaks_for)], config, MANIFEST, level="country",
                         roll_up=speaks_for)
    us = block(page, matrix_link(page, "United States", 0))
    assert "<mark>Joe Biden</mark> said" in us and "as Joe Biden" in us


def test_skipped_inputs_are_listed(results, config):
    page = render_report(results, config, MANIFEST, skipped=[ReadFailure("x.txt", "x.txt: binary file, not text")])
    assert "1 input(s) skipped" in page and "x.txt: binary file, not text" in page


# --- end to end: `stance report`, then a real browser -------------------------------------

ARTICLES = {
    "wire-aug3": "CARACAS, Aug 3, 2024 - Chile rejected the official result, while Mexico asked for the tally sheets.\n"
                 "The U.S. recognised Edmundo González as the winner. Talks were held in Qatar.\n",
    "moscow": "Russia congratulated Maduro on his re-election. Argentina called it a <script>fraud</script>.\n",
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, stance_pipeline):
    folder = tmp_path_factory.mktemp("articles")
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text)
    (folder / "broken.txt").write_bytes(b"%PDF-1.4\0\0")
    out = folder / "report.html"
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = main(["report", str(folder), "-o", str(out)])
    assert code == 1, stderr.getvalue()  # the broken file is skipped, the rest reported
    assert "skipped" in stderr.getvalue() and f"wrote {out}" in stderr.getvalue()
    return out


def test_report_command_writes_the_matrix(report_file):
    page = report_file.read_text(encoding="utf-8")
    # Columns in date order: wire-aug3 has a dateline, moscow none (undated last).
    assert "<mark>Chile</mark> rejected" in block(page, matrix_link(page, "Chile", 0))
    assert "binary" in page[page.index('id="skipped"'):]
    assert "Cross-validation" in page  # figures from the real manifest


def test_report_command_at_country_level(stance_pipeline, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Joe Biden said the United States rejected the result.\n")
    out = tmp_path / "r.html"
    with redirect_stderr(io.StringIO()):
        assert main(["report", str(article), "-o", str(out), "--level", "country", "--date", "2024-08-01", "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    assert re.findall(ROW, page) == ["United States"]
    us = block(page, matrix_link(page, "United States", 0))
    assert "<mark>Joe Biden</mark> said" in us and "as Joe Biden" in us


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_in_headless_chromium(report_file, tmp_path):
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1500", f"--screenshot={shot}", "--dump-dom",
         report_file.as_uri()],
        capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    parser = Links()
    parser.feed(dom)
    # It loaded and parsed: the matrix is in the DOM, its cells link to evidence that exists.
    assert '<table class="matrix">' in dom and "script" not in parser.tags
    anchor = matrix_link(dom, "Chile", 0)  # wire-aug3 is dated, so it comes first
    assert anchor in parser.ids and "<mark>Chile</mark>" in block(dom, anchor)
    # The screenshot shows the page: white, text, and the stance colours of heatmap and matrix.
    image = imread(io.BytesIO(shot.read_bytes()))[..., :3]
    assert image.shape[:2] == (1500, 1100)
    for stance in ("oppose", "neutral", "support"):
        target = np.array([int(COLORS[stance][i:i + 2], 16) for i in (1, 3, 5)]) / 255
        assert (np.abs(image - target) < 6 / 255).all(axis=-1).sum() > 200, stance
    assert (image.sum(axis=-1) < 0.5).sum() > 500  # dark pixels: text was rendered


def test_inferred_actors_are_marked(config):
    from pipeline.runner import Cells

    text = "Uruguayan Foreign Minister Omar Paganini rejected the result."
    predictions = [predict("a", 0, text, "Omar Paganini", "Omar Paganini", oppose=0.9, none=0.1),
                   predict("a", 0, text, "Uruguay", "Uruguayan", oppose=0.8, none=0.2)]
    outcome = result("a", predictions)
    outcome.cells = Cells(outcome.cells, {"Omar Paganini": 1}, {"Omar Paganini": ("person", "Uruguay")})
    page = render_report([outcome], config, MANIFEST)
    assert re.search(r'scope="row">Omar Paganini <small[^>]*>\(inferred\)</small>', page)
    assert not re.search(r'scope="row">Uruguay <small', page)


def test_report_command_past_the_grouping_threshold_keeps_only_cells(stance_pipeline, tmp_path):
    from pipeline.report import GROUP_ABOVE

    folder = tmp_path / "many"
    folder.mkdir()
    for day in range(GROUP_ABOVE + 2):
        (folder / f"a{day:03}.txt").write_text(f"2024-08-{1 + day % 28:02} - Chile rejected the official result.\n")
    out = tmp_path / "r.html"
    assert main(["report", str(folder), "-o", str(out), "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "each column is a" in page and "Chile" in page  # grouped by window, from the cells alone


# --- timeline, network, row links and order ---------------------------------------------------

CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
       "style-src 'unsafe-inline'\">")


def section(page: str, name: str) -> str:
    start = page.index(f'<h2 id="{name}">')
    return page[start:page.index("<h2 ", start + 1)]


def section_png(page: str, name: str) -> np.ndarray:
    found = re.search(r'<img class="figure" alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', section(page, name))
    assert found, f"no PNG in the {name} section"
    data = base64.b64decode(found.group(1))
    assert data.startswith(b"\x89PNG")
    return imread(io.BytesIO(data), format="png")


def test_timeline_and_network_are_embedded_images_without_script(results, config):
    page = render_report(results, config, MANIFEST)
    assert section_png(page, "timeline").shape[0] > 50 and section_png(page, "network").shape[0] > 50
    assert CSP in page and page.count("Content-Security-Policy") == 1
    links = Links()
    links.feed(page)
    assert "script" not in links.tags and not links.external
    assert {"timeline", "network"} <= links.ids and {"timeline", "network"} <= set(links.hrefs)
    # wire-aug3 has a date, the other article none: the timeline says which cells it left out.
    assert "Each column is a week" in section(page, "timeline") and "left out" in section(page, "timeline")


def test_network_draws_lean_colours_and_the_same_bytes_each_time(results, config):
    page = render_report(results, config, MANIFEST)
    image = section_png(page, "network")[..., :3]
    for stance in ("support", "oppose"):  # Russia supports, Argentina and Chile oppose
        rgb = np.array([int(COLORS[stance][i:i + 2], 16) / 255 for i in (1, 3, 5)])
        assert (np.abs(image - rgb).max(axis=2) < 0.02).sum() > 20, stance
    assert render_report(results, config, MANIFEST) == page  # fixed layout seed: same input, same page


def test_sections_are_skipped_with_a_note(config):
    undated = result("solo", [predict("solo", 0, "Chile rejected it.", "Chile", "Chile", oppose=0.9, none=0.1)])
    page = render_report([undated], config, MANIFEST)
    assert "No article has a date" in section(page, "timeline") and "<img" not in section(page, "timeline")
    assert "fewer than two actors take a stance" in section(page, "network") and "<img" not in section(page, "network")


def test_network_shows_at_most_the_most_active_actors(config):
    from pipeline.report import MAX_FIGURE_ACTORS, most_active

    texts = [f"Actor{i} said so." for i in range(MAX_FIGURE_ACTORS + 5)]
    cells = [c for i, text in enumerate(texts)
             for c in aggregate([predict(f"a{k}", 0, text, f"Actor{i}", f"Actor{i}", oppose=0.9, none=0.1)
                                 for k in range(1 + i % 3)])]
    keep = most_active(cells)
    assert len(keep) == MAX_FIGURE_ACTORS and all(f"Actor{i}" in keep for i in range(2, MAX_FIGURE_ACTORS + 5, 3))


def test_rows_have_ids_self_links_and_the_summary_links_to_them(results, config):
    page = render_report(results, config, MANIFEST)
    links = Links()
    links.feed(page)
    rows = re.findall(r'<th id="(row-\d+)" class="actor" scope="row">[^<]+<a class="self" href="#(row-\d+)"', page)
    assert len(rows) == 5 and all(own == target for own, target in rows)
    summary = section(page, "actors")
    linked = dict((name, row) for row, name in re.findall(r'<th><a href="#(row-\d+)"[^>]*>([^<]+)</a></th>', summary))
    assert set(linked) == {"Russia", "Mexico", "Argentina", "Chile", "Qatar"}
    matrix = dict((name, row) for row, name in re.findall(r'<th id="(row-\d+)" class="actor" scope="row">([^<]+)<', page))
    assert linked == matrix and set(linked.values()) <= links.ids


@pytest.mark.parametrize("sort, expected", [
    ("lean", ["Russia", "Mexico", "Argentina", "Chile", "Qatar"]),
    ("name", ["Argentina", "Chile", "Mexico", "Qatar", "Russia"]),
])
def test_sort_orders_the_matrix_and_the_summary(results, config, sort, expected):
    lean = render_report(results, config, MANIFEST)
    page = render_report(results, config, MANIFEST, sort=sort)
    assert re.findall(ROW, page) == expected
    assert re.findall(r'<th><a href="#row-\d+"[^>]*>([^<]+)</a></th>', section(page, "actors")) == expected
    # A row keeps its id whatever the order, so that a shared link still points at its actor.
    ids = r'<th id="(row-\d+)" class="actor" scope="row">([^<]+)<'
    assert sorted(re.findall(ids, page)) == sorted(re.findall(ids, lean))


def test_sort_by_articles_puts_the_most_found_first(results, config):
    text = "Qatar and Chile hosted talks."
    results = [*results, result("extra", [predict("extra", 0, text, "Qatar", "Qatar", neutral=0.8, none=0.2),
                                          predict("extra", 0, text, "Chile", "Chile", neutral=0.8, none=0.2)])]
    page = render_report(results, config, MANIFEST, sort="articles")
    assert re.findall(ROW, page) == ["Chile", "Qatar", "Argentina", "Mexico", "Russia"]  # most found first, ties by name


def test_report_command_sort_option(stance_pipeline, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("2024-08-01 - Russia congratulated Maduro. Chile rejected the result. Argentina called it fraud.\n")
    out = tmp_path / "r.html"
    with redirect_stderr(io.StringIO()):
        assert main(["report", str(article), "-o", str(out), "--sort", "name", "-q"]) == 0
    rows = re.findall(ROW, out.read_text(encoding="utf-8"))
    assert len(rows) >= 2 and rows == sorted(rows, key=str.casefold)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        assert main(["report", str(article), "-o", str(tmp_path / "bad.html"), "--sort", "size"]) != 0
    assert len(stderr.getvalue().strip().splitlines()) == 1, stderr.getvalue()


def test_grouped_report_command_draws_the_timeline_by_its_window(stance_pipeline, tmp_path):
    from pipeline.report import GROUP_ABOVE

    folder = tmp_path / "many"
    folder.mkdir()
    for day in range(GROUP_ABOVE + 2):
        (folder / f"a{day:03}.txt").write_text(f"2024-08-{1 + day % 28:02} - Chile rejected the official result.\n")
    out = tmp_path / "r.html"
    assert main(["report", str(folder), "-o", str(out), "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    assert section_png(page, "timeline").size and "Each column is a day" in section(page, "timeline")
    assert "fewer than two actors take a stance" in section(page, "network")  # Chile alone
