"""One self-contained HTML report an analyst can open, read and check.

The file holds everything: inline CSS, the heatmap as a base64 PNG, no script and no
external resource (a Content-Security-Policy forbids both, so the report never touches the
network even if opened from a mail client). It shows

* the heatmap (:mod:`pipeline.plot`);
* the position matrix, each cell a link to its evidence;
* per-actor summaries across articles, in the matrix's order, each linking to its row;
* a timeline (the heatmap over weeks or months) and the agreement network of the most
  active actors, both static PNGs drawn from the cells already classified;
* the evidence: per article and actor, the sentences that decided the cell with the actor
  highlighted, the predicted label and its probability, then the other sentences that
  mention the actor;
* the model card's figures (cross-validated and held-out scores from ``manifest.json``).

Every piece of text from an article, a file name or a model file is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date
from html import escape
from typing import ClassVar

from pipeline.aggregate import Cell, SentencePrediction
from pipeline.errors import StanceError
from pipeline.labels import COLORS, DARK, DISPLAY_ORDER, STANCES
from pipeline.plot import ActorSummary, summarize_actors

LABEL_ORDER = DISPLAY_ORDER
# Past this many articles the matrix and heatmap show windows (the finest of day, week,
# month that fits), not articles: 2,000 article columns are unreadable, and their evidence
# made a 46 MB file. Each window cell keeps the evidence of one cell only.
GROUP_ABOVE = 50
UNDATED = "undated"
# Row orders of the matrix and the actor summary (``stance report --sort``): without a
# script the page cannot re-sort itself, so the order is chosen when it is written.
SORTS = ("lean", "name", "articles")
# The timeline and network images show at most this many actors (the most active): past it
# node labels overlap and the image grows without telling the reader more.
MAX_FIGURE_ACTORS = 40
LAYOUT_SEED = 18  # a fixed seed: the same cells give the same network picture, byte for byte
RollUp = Callable[[str, "date | None"], str]

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       margin: 0 auto; padding: 1.2rem 1.6rem 4rem; max-width: 1200px; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; } h4 { font-size: .98rem; margin: 0 0 .4rem; font-weight: 600; }
nav a { margin-right: 1rem; } .meta, .note { color: #555; font-size: .9rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: .88rem; }
th, td { border: 1px solid #d4d4d4; padding: .2rem .45rem; text-align: left; vertical-align: bottom; }
tbody th, tbody td { vertical-align: middle; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.matrix th.article { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: 500;
                          max-height: 14rem; overflow: hidden; text-overflow: ellipsis; }
table.matrix th.actor { position: sticky; left: 0; background: #fff; white-space: nowrap; font-weight: 500; }
table.matrix td { text-align: center; min-width: 3.6rem; padding: 0; }
table.matrix td a { display: block; padding: .25rem .3rem; color: inherit; text-decoration: none; }
table.matrix td a:hover, table.matrix td a:focus { outline: 2px solid #222; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .25rem; font-size: .85em; }
STANCE_RULES
mark { background: #fff3a3; box-shadow: 0 0 0 1px #e0c200; border-radius: 2px; padding: 0 1px; }
.cell { border: 1px solid #ddd; border-left-width: 6px; border-radius: 4px; padding: .6rem .9rem; margin: .7rem 0; }
.cell:target { box-shadow: 0 0 0 3px #222; }
.cell ol { margin: .2rem 0 .3rem; padding-left: 1.4rem; } .cell li { margin: .35rem 0; }
.sentence { margin: 0; } .prediction { margin: .1rem 0 0; color: #555; font-size: .85rem; }
details summary { cursor: pointer; color: #444; font-size: .9rem; }
img.heatmap, img.figure { max-width: 100%; height: auto; border: 1px solid #eee; }
a.self { color: #999; text-decoration: none; margin-left: .3rem; font-size: .85em; visibility: hidden; }
th.actor:hover a.self, th.actor:target a.self, a.self:focus { visibility: visible; }
th.actor:target { outline: 2px solid #222; }
.back { font-size: .85rem; }
"""


def stance_css() -> str:
    """Background and text colour of each stance, from the heatmap's palette."""
    rules = []
    for stance in LABEL_ORDER:
        text = "#fff" if stance in DARK else "#222"
        rules.append(f".s-{stance} {{ background: {COLORS[stance]}; color: {text}; }}")
        rules.append(f".cell.s-{stance} {{ background: #fff; color: inherit; border-left-color: {COLORS[stance]}; }}")
    return "\n".join(rules)


def mark_spans(text: str, spans: Iterable[tuple[int, int]], before: str, after: str,
               quote: Callable[[str], str] = str) -> str:
    """``text`` with each span wrapped in ``before``/``after``; ``quote`` is applied to the text pieces.

    Overlapping or touching spans are merged and spans are clipped to the text, so the
    markers are always balanced.
    """
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [quote(text[pos:start]), before, quote(text[start:end]), after]
        pos = end
    out.append(quote(text[pos:]))
    return "".join(out)


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escaped HTML of a sentence with the actor's mentions in ``<mark>``."""
    return mark_spans(text, spans, "<mark>", "</mark>", escape)


def probabilities_text(probabilities: dict[str, float]) -> str:
    labels = [k for k in LABEL_ORDER if k in probabilities] + sorted(set(probabilities) - set(LABEL_ORDER))
    return " · ".join(f"{k} {probabilities[k]:.2f}" for k in labels)


def badge(stance: str) -> str:
    return f'<span class="badge s-{escape(stance)}">{escape(stance)}</span>'


def cell_id(article_index: int, actor_index: int) -> str:
    # Indices, not names: ids stay valid whatever characters the names hold.
    return f"e-{article_index}-{actor_index}"


def row_id(actor_index: int) -> str:
    # The actor's index in the lean order, whatever order the rows are shown in, so that a
    # link to a row stays the same when the report is written with another --sort.
    return f"row-{actor_index}"


def sort_summaries(summaries: Sequence[ActorSummary], sort: str) -> list[ActorSummary]:
    """The summaries in the order ``sort`` names (:data:`SORTS`); ``summaries`` come in lean order."""
    if sort == "lean":
        return list(summaries)
    if sort == "name":
        return sorted(summaries, key=lambda s: (s.actor.casefold(), s.actor))
    if sort == "articles":
        return sorted(summaries, key=lambda s: (-s.articles, s.actor.casefold(), s.actor))
    raise StanceError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")


def render_report(results: Sequence, config, manifest: dict | None = None, level: str = "actor",
                  skipped: Sequence = (), roll_up: RollUp | None = None, heatmap_png: bytes | None = None,
                  sort: str = "lean", dictionary=None) -> str:
    """The report as one HTML string.

    Parameters
    ----------
    results : sequence of ArticleResult
        In column order. With their predictions (``keep_sentences=True`` in the batch),
        each cell also lists every sentence that mentions the actor.
    config : TargetConfig
    manifest : dict, optional
        The model's manifest, for the model card figures.
    level : str
        "actor" or "country", as classified.
    skipped : sequence of ReadFailure
        Inputs that could not be read, listed in the report.
    roll_up : callable, optional
        ``roll_up(actor, article_date)`` gives the actor a prediction counts for (the
        country-level view); by default every actor counts for itself.
    heatmap_png : bytes, optional
        The heatmap; drawn from the cells when not given.
    sort : {"lean", "name", "articles"}
        The order of the matrix rows and the actor summary.
    dictionary : ActorDictionary, optional
        For the network's node attributes; without it nodes carry only what the cells give.
    """
    cells = [c for r in results for c in r.cells]
    # The timeline and the network read the article cells, before any grouping by window:
    # the network counts articles, and the timeline chooses its own window.
    article_cells = cells
    dates = {r.article.id: r.article.date for r in results}
    articles = [r.article.id for r in results]
    inferred = {name for r in results for name in getattr(r.cells, "inferred", {})}
    summaries = summarize_actors(cells)  # over articles, whether or not the columns are windows
    actor_index = {s.actor: i for i, s in enumerate(summaries)}
    shown = sort_summaries(summaries, sort)
    window = report_window(results)
    grouped_note: list[str] = []
    notes: dict[tuple[str, str], str] = {}
    if window:
        grouped_note = [f'<p class="note">{len(articles)} articles: each column is a {window} (its start date; '
                        f"undated articles last), each cell the actor's stance over the {window}'s articles, the "
                        "confidence-weighted majority of its cells. Its evidence is that of the most confident "
                        "article of that stance; the others are counted in the cell's heading.</p>"]
        results, notes = window_results(results, window)
        cells = [c for r in results for c in r.cells]
        articles = [r.article.id for r in results]
        roll_up = None  # window cells keep only their deciding sentences
    if heatmap_png is None:
        from pipeline.plot import render_png

        heatmap_png = render_png(cells, articles, config.description)
    title = escape(config.description)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: position matrix</title>",
        f"<style>{CSS.replace('STANCE_RULES', stance_css())}</style>",
        "</head><body>",
        f"<h1>{title}</h1>",
        f'<p class="meta">Target <code>{escape(config.name)}</code> · level <b>{escape(level)}</b> · '
        f"{len(articles)} article{'s' * (len(articles) != 1)} · {len(summaries)} actor{'s' * (len(summaries) != 1)}"
        f"{f' · {len(skipped)} input(s) skipped' if skipped else ''}</p>",
        '<nav><a href="#matrix">Matrix</a><a href="#actors">Actors</a><a href="#timeline">Timeline</a>'
        '<a href="#network">Network</a><a href="#evidence">Evidence</a><a href="#model">Model</a></nav>',
        '<p class="note">Each cell is the stance the actor <em>holds</em> toward the target in that article, with '
        "the classifier's confidence. Click a cell to read the sentences behind it, the actor highlighted. "
        "<em>none</em>: mentioned without a position of its own; empty: not mentioned.</p>",
        '<h2 id="heatmap">Heatmap</h2>',
        f'<img class="heatmap" alt="Heatmap of the position matrix: {len(summaries)} actors by {len(articles)} articles" '
        f'src="data:image/png;base64,{base64.b64encode(heatmap_png).decode("ascii")}">',
        *grouped_note,
        *matrix_section(cells, articles, shown, actor_index, inferred, sort),
        *actor_section(shown, actor_index),
        *timeline_section(article_cells, dates, window),
        *network_section(article_cells, dates, dictionary),
        *evidence_section(results, actor_index, roll_up, notes),
        *model_section(manifest),
    ]
    if skipped:
        parts.append('<h2 id="skipped">Skipped inputs</h2><ul>')
        parts += [f"<li>{escape(f.reason)}</li>" for f in skipped]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def report_window(results: Sequence) -> str | None:
    """The window the report groups columns by: None up to :data:`GROUP_ABOVE` articles or
    without dates, else the finest of day, week, month giving at most that many columns
    (month when none does)."""
    days = [r.article.date for r in results if r.article.date]
    if len(results) <= GROUP_ABOVE or not days:
        return None
    from pipeline.timeline import windows_between

    first, last = min(days), max(days)
    for window in ("day", "week"):
        if len(windows_between(first, last, window)) <= GROUP_ABOVE:
            return window
    return "month"


def window_results(results: Sequence, window: str) -> tuple[list, dict[tuple[str, str], str]]:
    """One pseudo-result per window (and one for the undated articles), whose cells are the
    window's stances; each keeps the evidence of the most confident cell of its stance.

    Only windows with articles are columns: a gap in the news is not a column of blanks.
    Also returns a note per (window, actor): how many articles of each stance, and which
    article the evidence comes from.
    """
    from pipeline.read import Article
    from pipeline.runner import ArticleResult
    from pipeline.timeline import window_start

    by_window: dict[date | None, list] = {}
    for result in results:
        day = result.article.date
        by_window.setdefault(window_start(day, window) if day else None, []).append(result)
    out = []
    notes: dict[tuple[str, str], str] = {}
    for start in sorted(by_window, key=lambda d: (d is None, d or date.min)):
        members = by_window[start]
        label = start.isoformat() if start else UNDATED
        by_actor: dict[str, list[Cell]] = {}
        for result in members:
            for cell in result.cells:
                by_actor.setdefault(cell.actor, []).append(cell)
        cells = []
        for actor, own in sorted(by_actor.items()):
            summary = summarize_actors(own)[0]
            stance = summary.stance
            best = max((c for c in own if c.stance == stance), key=lambda c: c.confidence)
            total = sum(summary.mass.get(s, 0.0) for s in LABEL_ORDER[:3])
            confidence = summary.mass.get(stance, 0.0) / total if total else best.confidence
            counts = ", ".join(f"{summary.counts[s]} {s}" for s in LABEL_ORDER if summary.counts.get(s))
            cells.append(Cell(label, actor, stance, round(confidence, 4), best.evidence))
            notes[label, actor] = f"articles: {counts}; the sentences below are from {best.article}"
        ids = [r.article.id for r in members]
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        article = Article(id=label, text="", source=f"{len(ids)} article{'s' * (len(ids) != 1)} ({shown})", date=start)
        out.append(ArticleResult(article, [], [], [], cells))
    return out, notes


SORT_NOTES = {"lean": "Actors from the most supportive to the most opposed (overall, across articles).",
              "name": "Actors by name.",
              "articles": "Actors from the most often found to the least (articles where each is found)."}


def matrix_section(cells: Sequence[Cell], articles: Sequence[str], summaries, actor_index: dict[str, int],
                   inferred: Collection[str] = (), sort: str = "lean") -> list[str]:
    """The matrix table, rows in the order of ``summaries``; ``inferred`` actors (found by
    title or affiliation, not in the dictionary) are marked so that a reader can tell them
    from dictionary actors. Each row header has an id and a link to itself, to share."""
    by_key = {(c.article, c.actor): c for c in cells}
    column = {a: j for j, a in enumerate(articles)}
    out = ['<h2 id="matrix">Position matrix</h2>',
           f'<p class="note">{SORT_NOTES[sort]} Other orders: <code>stance report --sort lean|name|articles</code>.</p>',
           '<div class="scroll"><table class="matrix"><thead><tr><th class="actor">actor</th>']
    out += [f'<th class="article" scope="col" title="{escape(a)}">{escape(a)}</th>' for a in articles]
    out.append("</tr></thead><tbody>")
    for summary in summaries:
        mark = ' <small title="not in the dictionary: found by its title or affiliation">(inferred)</small>' \
            if summary.actor in inferred else ""
        rid = row_id(actor_index[summary.actor])
        row = [f'<tr><th id="{rid}" class="actor" scope="row">{escape(summary.actor)}{mark}'
               f'<a class="self" href="#{rid}" title="link to this row" aria-label="link to this row">¶</a></th>']
        for article in articles:
            cell = by_key.get((article, summary.actor))
            if cell is None:
                row.append('<td title="not mentioned"></td>')
                continue
            tip = escape(f"{summary.actor} in {article}: {cell.stance}, confidence {cell.confidence:.2f}")
            href = cell_id(column[article], actor_index[summary.actor])
            row.append(f'<td class="s-{escape(cell.stance)}"><a href="#{href}" title="{tip}">{escape(cell.stance)}'
                       f"<br><small>{cell.confidence:.2f}</small></a></td>")
        out.append("".join(row) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def actor_section(summaries, actor_index: dict[str, int]) -> list[str]:
    out = ['<h2 id="actors">Actors across articles</h2>',
           '<p class="note">Lean: (support − oppose) / all stance, each cell weighted by its confidence, from −1 '
           "(opposes everywhere) to +1 (supports everywhere); neutral cells pull it toward 0.</p>",
           '<div class="scroll"><table class="summary"><thead><tr><th>actor</th><th>overall</th>'
           '<th class="num">lean</th><th class="num">articles</th>']
    out += [f'<th class="num">{s}</th>' for s in LABEL_ORDER]
    out.append("</tr></thead><tbody>")
    for s in summaries:
        lean = "–" if s.score is None else f"{s.score:+.2f}"
        counts = "".join(f'<td class="num">{s.counts.get(k, 0) or ""}</td>' for k in LABEL_ORDER)
        link = f'<a href="#{row_id(actor_index[s.actor])}" title="its row in the matrix">{escape(s.actor)}</a>'
        out.append(f"<tr><th>{link}</th><td>{badge(s.stance)}</td><td class=\"num\">{lean}</td>"
                   f'<td class="num">{s.articles}</td>{counts}</tr>')
    out.append("</tbody></table></div>")
    return out


def most_active(cells: Iterable[Cell], limit: int = MAX_FIGURE_ACTORS, stance_only: bool = False) -> set[str]:
    """The ``limit`` actors found in the most articles (taking a stance there, with
    ``stance_only``); ties by name, so that the choice does not depend on the cells' order."""
    counts: dict[str, int] = {}
    for cell in cells:
        if not stance_only or cell.stance in STANCES:
            counts[cell.actor] = counts.get(cell.actor, 0) + 1
    return set(sorted(counts, key=lambda a: (-counts[a], a))[:limit])


def figure_img(png: bytes, alt: str) -> str:
    return f'<img class="figure" alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def timeline_window(days: Sequence[date]) -> str:
    """Week when the dated articles span at most :data:`GROUP_ABOVE` weeks, else month:
    a timeline of a few days by day would be a copy of the matrix."""
    from pipeline.timeline import windows_between

    return "week" if len(windows_between(min(days), max(days), "week")) <= GROUP_ABOVE else "month"


def timeline_section(cells: Sequence[Cell], dates: dict[str, date | None], window: str | None) -> list[str]:
    """The heatmap over time (:func:`pipeline.timeline.timeline_figure`) of the most active
    actors, by the report's window, or by week or month when the columns are articles.

    Drawn from the cells already classified; skipped with a note when no article has a date.
    """
    out = ['<h2 id="timeline">Timeline</h2>']
    days = [d for d in dates.values() if d]
    if not days:
        return out + ['<p class="note">No article has a date, so there is no timeline. Dates come from the '
                      "articles' datelines, <code>--meta</code> or <code>--default-date</code>.</p>"]
    from pipeline.plot import render_figure
    from pipeline.timeline import group_by_window, timeline_figure

    window = window or timeline_window(days)
    keep = most_active(c for c in cells if dates.get(c.article))
    groups, _ = group_by_window([c for c in cells if c.actor in keep], dates, window)
    undated = sum(1 for c in cells if not dates.get(c.article))  # of every actor, not only those drawn
    png = render_figure(timeline_figure(groups, window), "png")
    actors = len({actor for actor, _ in groups})
    note = (f"Each column is a {window} (its start date), each cell the actor's stance over the {window}'s "
            "articles, the confidence-weighted majority of its cells; an empty column is a "
            f"{window} without articles.")
    if len({c.actor for c in cells if dates.get(c.article)}) > actors:
        note += f" The {actors} actors found in the most dated articles."
    if undated:
        note += f" {undated} cell{'s' * (undated != 1)} of undated articles left out."
    return out + [f'<p class="note">{escape(note)}</p>',
                  figure_img(png, f"Timeline: the stance of {actors} actors per {window}")]


class _NoDictionary:
    """Stands for the actor dictionary when the report is given none: no kind, camp or country."""

    actors: ClassVar[dict] = {}  # read only: build_graph looks actors up, never adds them

    def __contains__(self, actor: object) -> bool:
        return False


def network_section(cells: Sequence[Cell], dates: dict[str, date | None], dictionary=None) -> list[str]:
    """The agreement network (:func:`pipeline.network.build_graph`, by article) of the most
    active actors, as a picture; skipped with a note when fewer than two actors take a stance."""
    out = ['<h2 id="network">Network</h2>']
    keep = most_active(cells, stance_only=True)
    if len(keep) < 2:
        return out + ['<p class="note">No network: fewer than two actors take a stance.</p>']
    from pipeline.network import build_graph
    from pipeline.plot import render_figure

    takers = len({c.actor for c in cells if c.stance in STANCES})
    graph = build_graph([c for c in cells if c.actor in keep], dates, dictionary or _NoDictionary())
    edges = sum(1 for *_, d in graph.edges(data=True) if d["congruence"])
    note = ("Actors are joined when they hold the same stance (support, oppose or neutral) in at least one "
            "article; the thicker the line, the more articles. The closer two actors, the more they agree. "
            "Colour: the actor's overall stance; size: the articles it is found in.")
    if takers > len(keep):
        note += f" The {len(keep)} actors taking a stance in the most articles, of {takers}."
    if not edges:
        note += " No two of them ever hold the same stance in an article."
    png = render_figure(network_figure(graph), "png")
    return out + [f'<p class="note">{escape(note)}</p>',
                  figure_img(png, f"Agreement network of {graph.number_of_nodes()} actors, {edges} edges")]


def network_figure(graph):
    """The congruence edges of ``graph`` with a spring layout (fixed seed), on a matplotlib Agg figure.

    Drawn with matplotlib's object API rather than networkx's drawing helpers, which go
    through pyplot and its global state.
    """
    import networkx as nx
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from pipeline.plot import shorten

    congruent = nx.Graph()
    congruent.add_nodes_from(graph.nodes(data=True))
    congruent.add_edges_from((a, b, d) for a, b, d in graph.edges(data=True) if d["congruence"])
    pos = nx.spring_layout(congruent, weight="congruence", seed=LAYOUT_SEED)
    nodes = sorted(congruent.nodes)
    figure = Figure(figsize=(9, 7), dpi=100)
    ax = figure.add_subplot()
    ax.set_axis_off()
    edges = sorted(congruent.edges(data=True))
    if edges:
        strongest = max(d["congruence"] for *_, d in edges)
        ax.add_collection(LineCollection([(pos[a], pos[b]) for a, b, _ in edges], colors="#888", alpha=0.55,
                                         linewidths=[0.6 + 3.4 * d["congruence"] / strongest for *_, d in edges],
                                         zorder=1))
    most = max(congruent.nodes[n]["articles"] for n in nodes) or 1
    ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], zorder=2, edgecolors="#333", linewidths=0.6,
               s=[60 + 340 * congruent.nodes[n]["articles"] / most for n in nodes],
               c=[COLORS.get(congruent.nodes[n]["stance"], COLORS["none"]) for n in nodes])
    for n in nodes:
        ax.annotate(shorten(n), pos[n], xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8, zorder=3)
    ax.margins(0.12)
    ax.legend(handles=[Patch(facecolor=COLORS[s], edgecolor="#333", label=s) for s in LABEL_ORDER if s in STANCES],
              loc="lower right", fontsize=8, frameon=False, title="overall stance", title_fontsize=8)
    return figure


def evidence_section(results: Sequence, actor_index: dict[str, int], roll_up: RollUp | None,
                     notes: dict[tuple[str, str], str] | None = None) -> list[str]:
    out = ['<h2 id="evidence">Evidence</h2>']
    for j, result in enumerate(results):
        article = result.article
        when = f" · {article.date.isoformat()}" if article.date else ""
        # A record's or page's title, source and url (pipeline.records), after where it was read.
        when += "".join(f" · {escape(value)}" for _, value in getattr(article, "meta", ()))
        out.append(f'<h3 id="a-{j}">{escape(article.id)}<span class="meta"> · {escape(article.source)}{when}</span></h3>')
        if not result.cells:
            out.append('<p class="note">No actor found in this article.</p>')
        mentions: dict[str, list[SentencePrediction]] = {}
        for p in result.predictions:
            actor = roll_up(p.actor, article.date) if roll_up else p.actor
            mentions.setdefault(actor, []).append(p)
        ordered = sorted(result.cells, key=lambda c: actor_index[c.actor])
        for cell in ordered:
            out += cell_block(cell, cell_id(j, actor_index[cell.actor]), mentions.get(cell.actor, []),
                              (notes or {}).get((cell.article, cell.actor), ""))
    return out


def cell_block(cell: Cell, anchor: str, predictions: Sequence[SentencePrediction], note: str = "") -> list[str]:
    """The evidence of one cell: the deciding sentences, then the other mentions (``note``: a line under the heading)."""
    actor = escape(cell.actor)
    head = (f'<div class="cell s-{escape(cell.stance)}" id="{anchor}"><h4>{actor} in {escape(cell.article)}: '
            f"{badge(cell.stance)} confidence {cell.confidence:.2f}</h4>")
    out = [head]
    if note:
        out.append(f'<p class="note">{escape(note)}</p>')
    by_sentence = {(p.sentence, p.spans): p for p in predictions}
    used = set()
    if cell.evidence:
        out.append(f'<p class="note">{"Sentence" if len(cell.evidence) == 1 else "Sentences"} that decided the cell:</p>'
                   '<ol class="evidence">')
        for e in cell.evidence:
            p = by_sentence.get((e.sentence, e.spans))
            used.add((e.sentence, e.spans))
            out.append(sentence_item(e.text, e.spans, e.label, e.probability, e.sentence, p, cell.actor))
        out.append("</ol>")
    elif cell.prior:
        out.append(f'<p class="note">No sentence shows a position of {actor}: {escape(cell.stance)} is the side of this '
                   f"principal of the dispute (<code>principal_prior</code> in the target file), not read in the text "
                   f"(mean probability of <em>none</em> {cell.confidence:.2f}).</p>")
    elif cell.stance == "none":
        out.append(f'<p class="note">No sentence shows a position of {actor}: mentioned only '
                   f"(mean probability of <em>none</em> {cell.confidence:.2f}).</p>")
    others = [p for p in predictions if (p.sentence, p.spans) not in used]
    if others:
        items = [sentence_item(p.text, p.spans, p.label, p.probabilities[p.label], p.sentence, p, cell.actor)
                 for p in others]
        what = "sentence mentions" if len(others) == 1 else "sentences mention"
        if cell.evidence:
            out.append(f"<details><summary>{len(others)} other {what} {actor}</summary><ol>{''.join(items)}</ol></details>")
        else:
            out.append(f"<ol>{''.join(items)}</ol>")
    out.append('<a class="back" href="#matrix">back to the matrix</a></div>')
    return out


def sentence_item(text: str, spans, label: str, probability: float, sentence: int,
                  prediction: SentencePrediction | None, cell_actor: str) -> str:
    detail = f" ({probabilities_text(prediction.probabilities)})" if prediction else ""
    who = ""
    if prediction and prediction.actor != cell_actor:
        who = f" · as {escape(prediction.actor)}"
    return (f'<li><p class="sentence">{highlight(text, spans)}</p><p class="prediction">{badge(label)} '
            f"{probability:.2f}{escape(detail)} · sentence {sentence + 1}{who}</p></li>")


def model_section(manifest: dict | None) -> list[str]:
    out = ['<h2 id="model">Model</h2>']
    if not manifest:
        return out + ['<p class="note">No model card figures (the model has no manifest).</p>']
    distribution = manifest.get("label_distribution", {})
    dist = ", ".join(f"{escape(str(k))} {v}" for k, v in distribution.items())
    versions = ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in manifest.get("versions", {}).items())
    targets = ", ".join(map(str, manifest.get("targets") or [manifest.get("target", "?")]))
    out.append(f'<p class="meta">Trained on the corpora of <code>{escape(targets)}</code>, '
               f'{escape(str(manifest.get("trained_at", "?")))}, {escape(str(manifest.get("examples", "?")))} '
               f"labelled (sentence, actor) pairs ({dist}). {versions}.</p>")
    cv = manifest.get("cv") or {}
    if cv:
        out += scores_table("Cross-validation on the training corpus (sentence pairs, grouped by document)", cv)
        per_class = (cv.get("model") or {}).get("per_class") or {}
        if per_class:
            out.append('<table class="per-class"><thead><tr><th>class (model, cv)</th><th class="num">precision</th>'
                       '<th class="num">recall</th><th class="num">F1</th><th class="num">n</th></tr></thead><tbody>')
            for label, s in per_class.items():
                out.append(f"<tr><th>{escape(str(label))}</th>" + "".join(
                    f'<td class="num">{number(s.get(k))}</td>' for k in ("precision", "recall", "f1", "support")) + "</tr>")
            out.append("</tbody></table>")
    for name, systems in (manifest.get("gold") or {}).items():
        out += scores_table(f"Held-out articles: {name} (cells)", systems)
    if not cv and not manifest.get("gold"):
        out.append('<p class="note">The manifest records no scores.</p>')
    return out


def scores_table(caption: str, systems: dict) -> list[str]:
    out = [f"<h3>{escape(caption)}</h3>", '<table class="scores"><thead><tr><th>system</th><th class="num">accuracy</th>'
           '<th class="num">macro-F1 (support, oppose, neutral)</th><th class="num">n</th></tr></thead><tbody>']
    for name, s in systems.items():
        s = s if isinstance(s, dict) else {}
        out.append(f"<tr><th>{escape(str(name))}</th><td class=\"num\">{number(s.get('accuracy'))}</td>"
                   f"<td class=\"num\">{number(s.get('macro_f1'))}</td><td class=\"num\">{number(s.get('n'))}</td></tr>")
    out.append("</tbody></table>")
    return out


def number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))

