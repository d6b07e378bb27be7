"""Issue 19: HTML pages (main text, title, date; no boilerplate) and the language check."""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import TargetConfig, project_root
from pipeline.errors import StanceError
from pipeline.html import article_from_html
from pipeline.language import detect
from pipeline.read import read_articles

ROOT = project_root()
SAMPLES = ROOT / "data" / "samples"
BOILERPLATE = ("We use cookies", "Accept all", "World news", "Sport", "Advertisement", "Buy the new phone",
               "Most read", "Celebrity chef", "record fee", "Copyright", "Privacy policy", "Subscribe now")
SPANISH = ("El Consejo Nacional Electoral proclamó a Nicolás Maduro ganador de las elecciones presidenciales del 28 "
           "de julio. La oposición denunció un fraude masivo y exigió la publicación de las actas de votación. "
           "Los gobiernos de Chile y Argentina rechazaron el resultado oficial, mientras que México y Colombia "
           "pidieron una verificación independiente de los votos antes de reconocer a cualquier ganador.\n")


def page(title: str, paragraphs: list[str], published: str | None = "2024-08-02T10:00:00Z") -> str:
    """A news page as sites serve them: the article inside navigation, scripts, a cookie
    banner, an advert, a "most read" box and a footer."""
    date_meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} | Daily World</title>
<meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="Daily World">
{date_meta}
<script>var paywall = "Subscribe now to read everything";</script>
<style>body {{ font-family: serif; }}</style>
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. Accept all cookies?</p></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<div class="advert ad-slot">Advertisement: Buy the new phone today, only 99 dollars.</div>
<main><article>
<h1>{escape(title)}</h1>
{body}
</article></main>
<aside class="most-read"><h2>Most read</h2><ol>
<li><a href="/a">Celebrity chef opens a new restaurant in Paris</a></li>
<li><a href="/b">Football club signs a striker for a record fee</a></li></ol></aside>
<footer><p>Copyright 2024 Daily World. All rights reserved. Contact us. Privacy policy.</p></footer>
<script>trackVisit();</script>
</body></html>
"""


ARTICLE = ["Mexico asked the National Electoral Council on Friday to publish the tally sheets of every polling station "
           "before any result is recognised.",
           "The United States rejected the official result and said the opposition candidate Edmundo González had won "
           "the vote by a wide margin.",
           "Russia congratulated Nicolás Maduro on his victory and called the election free and transparent."]


@pytest.fixture()
def run(capsys):
    def call(*args) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


# --- HTML -------------------------------------------------------------------------------------

def test_page_gives_the_article_without_boilerplate(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)  # a page is parsed from its bytes, nothing fetched
    article = article_from_html(page("Mexico asks for the tally sheets", ARTICLE).encode(), "p1", "p1.html")
    for sentence in ARTICLE:
        assert sentence in article.text
    for junk in BOILERPLATE:
        assert junk not in article.text, junk
    assert article.text.splitlines()[0] == "Mexico asks for the tally sheets"  # the headline, as in a .txt article
    assert str(article.date) == "2024-08-02"  # from the page's metadata
    assert dict(article.meta) == {"title": "Mexico asks for the tally sheets", "source": "Daily World"}


def test_page_without_a_date_uses_its_dateline():
    paragraphs = ["CARACAS, Aug 3, 2024 - Chile rejected the official result of the presidential election.", *ARTICLE]
    article = article_from_html(page("Chile rejects", paragraphs, published=None).encode("utf-8"), "p2", "p2.html")
    assert str(article.date) == "2024-08-03"


def test_page_without_article_text_is_refused():
    empty = "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(StanceError, match="no article text"):
        article_from_html(empty.encode(), "p3", "p3.html")


def test_folder_of_pages_is_read(tmp_path):
    (tmp_path / "p1.html").write_text(page("Mexico asks", ARTICLE), encoding="utf-8")
    (tmp_path / "p2.htm").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    first, second = read_articles(sorted(str(p) for p in tmp_path.iterdir()))
    assert first.id == "p1" and ARTICLE[1] in first.text
    assert "no article text" in second.reason


@pytest.mark.usefixtures("stance_pipeline")
def test_pages_made_from_the_samples_agree_with_the_text_files(run, tmp_path):
    """The issue's target: pages wrapped in navigation, scripts and footers agree on >= 95% of cells."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in sorted(SAMPLES.glob("*.txt")):
        title, *paragraphs = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        (pages / f"{path.stem}.html").write_text(page(title, paragraphs, published=None), encoding="utf-8")
    cells = {}
    for name, folder in (("txt", SAMPLES), ("html", pages)):
        code, out, err = run("classify", folder, "-f", "long", "-q")
        assert code == 0, err
        cells[name] = {(r["article"], r["actor"]): r["stance"] for r in csv.DictReader(out.splitlines())}
    both = set(cells["txt"]) | set(cells["html"])
    agree = sum(cells["txt"].get(k) == cells["html"].get(k) for k in both)
    assert agree / len(both) >= 0.95, (agree, len(both))


# --- language -----------------------------------------------------------------------------------

def test_detect_languages_and_leave_short_texts_unjudged():
    assert detect(SPANISH)[0] == "es"
    assert detect(" ".join(ARTICLE))[0] == "en"
    assert detect("Chile rejected it. Peru too.") is None  # under 40 letters: not judged


def test_target_languages(tmp_path):
    assert TargetConfig.load().languages == ("en",)
    source = (ROOT / "targets" / "maduro-2024.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace('languages = ["en"]', 'languages = "en"'), encoding="utf-8")
    with pytest.raises(StanceError, match="'languages' must be a list"):
        TargetConfig.load(str(bad))
    bad.write_text(source.replace('languages = ["en"]', 'languages = ["english"]'), encoding="utf-8")
    with pytest.raises(StanceError, match="ISO 639 codes"):
        TargetConfig.load(str(bad))


@pytest.mark.usefixtures("stance_pipeline")
def test_articles_in_another_language_are_skipped_and_counted(run, tmp_path):
    (tmp_path / "en.txt").write_text(" ".join(ARTICLE) + "\n", encoding="utf-8")
    (tmp_path / "es.txt").write_text(SPANISH, encoding="utf-8")
    (tmp_path / "short.txt").write_text("Chile rejected it.\n", encoding="utf-8")  # too short to judge: kept
    out = tmp_path / "m.csv"
    code, _, err = run("classify", tmp_path, "-o", out)
    assert code == 0, err
    assert "es.txt: in Spanish (es" in err and "not in en: skipped" in err
    assert "stance: note: 1 article(s) skipped: not in en (es 1)" in err
    assert next(csv.reader(out.open()))[1:] == ["en", "short"]
    code, text, err = run("classify", tmp_path, "-f", "json", "-q")
    assert {a["id"]: a["language"] for a in json.loads(text)["articles"]} == {"en": "en", "short": None}


def test_language_check_needs_no_network(monkeypatch):
    """The model is a file inside an installed package: loading it opens no socket."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert detect(SPANISH)[0] == "es"
    assert Path(__import__("pipeline.language", fromlist=["model_path"]).model_path()).stat().st_size < 2**20


@pytest.mark.usefixtures("stance_pipeline")
def test_classifying_a_text_file_does_not_import_trafilatura(tmp_path):
    """trafilatura costs about half a second of start-up: only a page imports it."""
    import subprocess
    import sys

    (tmp_path / "a1.txt").write_text(" ".join(ARTICLE) + "\n", encoding="utf-8")
    code = ("import sys; from pipeline.cli import main; "
            f"main(['classify', {str(tmp_path / 'a1.txt')!r}, '-q']); "
            "assert 'trafilatura' not in sys.modules and 'lxml' not in sys.modules, 'imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_one_page_without_text_is_a_one_line_error(run, tmp_path):
    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    code, _, err = run("classify", path)
    assert code == 2 and err.strip() == f"stance: error: {path}: no article text found in the page"
