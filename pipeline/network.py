"""Who sides with whom: an actor × actor agreement network, as Discourse Network Analyzer builds it.

The unit is an article, or with a window (day, week, month) every window, where an
actor's stance is the one :mod:`pipeline.timeline` gives it. For each pair of actors:

* ``congruence``: units where both hold the same stance among support, oppose, neutral;
* ``conflict``: units where one supports and the other opposes;
* ``shared``: units where both take a stance (support, oppose or neutral);
* ``weight`` = (congruence − conflict) / shared, from −1 (always opposed) to +1 (always
  on the same side). It is DNA's "subtract" network divided by the pair's joint activity,
  so that two actors who meet in 50 articles do not outweigh a pair that meets in 5
  merely by being reported more; the raw counts stay on the edge for other weightings.

An edge exists when congruence or conflict is above zero. Nodes are the actors that take
a stance at least once, with their ``kind``, ``camp``, ``country`` (whom they speak for
at country level on the latest date they appear, empty for a person with no role then),
``lean`` (as the heatmap's: (support − oppose) / stance mass, each cell weighted by its
confidence), overall ``stance`` and ``articles``.

networkx is imported only when a graph is built, so that ``stance classify`` never pays for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import combinations
from pathlib import Path

from pipeline.aggregate import STANCES, Cell
from pipeline.errors import StanceError
from pipeline.plot import summarize_actors

NETWORK_FORMATS = (".graphml", ".gexf", ".csv")
EDGE_COLUMNS = ("source", "target", "congruence", "conflict", "shared", "weight")


def check_network_path(path: Path | str) -> str:
    """The format ``path`` asks for by its extension; a :class:`StanceError` when it is not one we write."""
    suffix = Path(path).suffix.lower()
    if suffix not in NETWORK_FORMATS:
        raise StanceError(f"{path}: give a file name ending in .graphml, .gexf or .csv (edge list)")
    return suffix


def unit_stances(cells: Iterable[Cell], dates: Mapping[str, date | None],
                 window: str | None = None) -> tuple[dict[object, dict[str, str]], int]:
    """Each unit's actors and the stance they hold there; also how many cells had no date for a window.

    Units are articles (``window`` None) or window starts; an actor counts in a unit
    only when it takes a stance there (support, oppose, neutral).
    """
    units: dict[object, dict[str, str]] = {}
    if window is None:
        for cell in cells:
            if cell.stance in STANCES:
                units.setdefault(cell.article, {})[cell.actor] = cell.stance
        return units, 0
    from pipeline.timeline import group_by_window

    groups, undated = group_by_window(cells, dates, window)
    for (actor, start), group in groups.items():
        if group.stance in STANCES:
            units.setdefault(start, {})[actor] = group.stance
    return units, undated


def pair_counts(units: Mapping[object, Mapping[str, str]]) -> dict[tuple[str, str], list[int]]:
    """``[congruence, conflict, shared]`` for each pair of actors (names in order) that shares a unit."""
    counts: dict[tuple[str, str], list[int]] = {}
    for holders in units.values():
        for a, b in combinations(sorted(holders), 2):
            entry = counts.get((a, b))
            if entry is None:
                entry = counts[a, b] = [0, 0, 0]
            sa, sb = holders[a], holders[b]
            if sa == sb:
                entry[0] += 1
            elif {sa, sb} == {"support", "oppose"}:
                entry[1] += 1
            entry[2] += 1
    return counts


def build_graph(cells: Iterable[Cell], dates: Mapping[str, date | None], dictionary, window: str | None = None):
    """The agreement network as an undirected :class:`networkx.Graph` (see the module docstring).

    Parameters
    ----------
    cells : iterable of Cell
    dates : mapping
        Article id to its date (None when unknown).
    dictionary : ActorDictionary
        For the actors' kind, camp and country.
    window : {"day", "week", "month"}, optional
        Count windows instead of articles.

    Returns
    -------
    networkx.Graph
        With ``graph.graph["undated"]``: the cells left out for want of a date (with a window).
    """
    import networkx as nx  # here, not at the top: only the network needs it

    cells = list(cells)
    units, undated = unit_stances(cells, dates, window)
    holders = {actor for unit in units.values() for actor in unit}
    graph = nx.Graph(unit="window" if window else "article", window=window or "", undated=undated)
    latest: dict[str, date | None] = {}
    for cell in cells:
        day = dates.get(cell.article)
        if cell.actor not in latest or (day and (latest[cell.actor] is None or day > latest[cell.actor])):
            latest[cell.actor] = day
    for summary in summarize_actors([c for c in cells if c.actor in holders]):
        actor = summary.actor
        known = dictionary.actors.get(actor)
        graph.add_node(actor, kind=known.kind if known else "", camp=(known.camp or "") if known else "",
                       country=country_of(dictionary, actor, latest.get(actor)), lean=round(summary.score or 0.0, 4),
                       stance=summary.stance, articles=summary.articles)
    for (a, b), (congruence, conflict, shared) in sorted(pair_counts(units).items()):
        if congruence or conflict:
            graph.add_edge(a, b, congruence=congruence, conflict=conflict, shared=shared,
                           weight=round((congruence - conflict) / shared, 4))
    return graph


def country_of(dictionary, actor: str, day: date | None) -> str:
    """Whom ``actor`` counts for at country level on ``day``: empty for a person who speaks for nobody then."""
    if actor not in dictionary:
        return ""
    up = dictionary.roll_up(actor, day)
    return "" if up == actor and dictionary[actor].kind == "person" else up


def actor_columns(dictionary, actor: str, day: date | None, inferred: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    """The long table's ``kind, country, camp`` of ``actor``: from the dictionary, else from what
    the article said of an actor it introduced (``inferred``: name → (kind, whom it speaks
    for), as :class:`pipeline.runner.Cells` keeps it; such an actor has no camp)."""
    known = dictionary.actors.get(actor)
    if known is not None:
        return known.kind, country_of(dictionary, actor, day), known.camp or ""
    kind, up = inferred.get(actor, ("", actor))
    return kind, "" if up == actor and kind in ("person", "") else up, ""


def edge_rows(graph) -> list[list[str]]:
    """The edge list with a header (:data:`EDGE_COLUMNS`), strongest agreement first, names in order."""
    from pipeline.export import safe_cell

    edges = sorted((*sorted((a, b)), d) for a, b, d in graph.edges(data=True))
    edges.sort(key=lambda e: -e[2]["weight"])  # stable: ties stay by name
    # Only the names go through safe_cell: a negative weight is a number, not a formula, and
    # prefixing it would turn it into text.
    return [list(EDGE_COLUMNS), *([safe_cell(a), safe_cell(b), str(d["congruence"]), str(d["conflict"]), str(d["shared"]),
                                   f"{d['weight']:.4f}"] for a, b, d in edges)]


def write_network(path: Path | str, graph) -> None:
    """Write the graph atomically as GraphML, GEXF (for Gephi) or a CSV edge list, after the extension."""
    from pipeline.export import write_atomic

    suffix = check_network_path(path)
    if suffix == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(edge_rows(graph))
        text = buffer.getvalue()
        write_atomic(path, lambda handle: handle.write(text))
        return
    import networkx as nx

    writer = nx.write_graphml if suffix == ".graphml" else nx.write_gexf
    write_atomic(path, lambda handle: writer(graph, handle), binary=True)
