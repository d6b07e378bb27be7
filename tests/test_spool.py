"""The spooled CSV outputs (pipeline.spool) are byte for byte the in-memory ones, in bounded memory."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.aggregate import Cell, Evidence
from pipeline.api import Result
from pipeline.export import render_csv
from pipeline.meta import Meta, date_order
from pipeline.read import Article
from pipeline.runner import ArticleResult
from pipeline.spool import CellSpool

ACTORS = ["United States", "Chile", "Nicolás Maduro", "Joe Biden", "Unknown Person", "=Formula"]
STANCES = ["support", "oppose", "neutral", "none"]


def results_of(seed: int, n: int, dated: bool, own_meta: bool) -> list[ArticleResult]:
    """``n`` made-up results: some dated (some on the same day), some sharing an id, some cells'
    evidence with a CR or a lone surrogate, some articles with their own metadata."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        article_id = f"a{rng.randrange(n)}" if rng.random() < 0.2 else f"a{i}\r" if i == 3 else f"a{i}"
        day = date(2024, 7, rng.randrange(1, 5)) if dated and rng.random() < 0.8 else None
        meta = (("title", f"Title {i}"), ("source", "Wire")) if own_meta and rng.random() < 0.5 else ()
        if own_meta and i == 1:
            meta = (("url", "http://x"),)
        article = Article(id=article_id, text="", source=f"{article_id}.txt", date=day, meta=meta)
        cells = []
        for actor in rng.sample(ACTORS, rng.randrange(len(ACTORS))):
            evidence = tuple(Evidence(j, rng.choice(["Plain.", "With\rCR.", "Bad \udc80 byte.", "Tab\tx"]), "support", 0.5)
                             for j in range(rng.randrange(3)))
            cells.append(Cell(article_id, actor, rng.choice(STANCES), round(rng.random(), 4), evidence))
        out.append(ArticleResult(article, [], [], [], cells))
    return out


def spooled(results, dictionary, meta):
    with CellSpool() as spool:
        for result in results:
            spool.add(result)
        return (render_csv(spool.wide_rows()), render_csv(spool.long_rows(dictionary, meta)), spool.articles())


def in_memory(results, dictionary, meta):
    from pipeline.records import with_article_meta

    meta = with_article_meta(meta, results)
    result = Result(date_order(results), dictionary, "actor", meta)
    return render_csv(result.wide_csv_rows()), render_csv(result.long_csv_rows()), result.articles


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 25), dated=st.booleans(), own_meta=st.booleans(),
       with_meta=st.booleans())
def test_spooled_outputs_are_the_in_memory_ones(dictionary, seed, n, dated, own_meta, with_meta):
    meta = Meta.parse("article,date,source,desk\na1,2024-07-01,Paper,\na2,,,Foreign\n") if with_meta else None
    results = results_of(seed, n, dated, own_meta)
    assert spooled(results, dictionary, meta) == in_memory(results, dictionary, meta)


def test_an_empty_spool_gives_the_headers(dictionary):
    wide, long, articles = spooled([], dictionary, None)
    assert (wide, articles) == ("actor\n", [])
    assert long.startswith("article,date,actor,kind,country,camp,stance,confidence,evidence\n")
