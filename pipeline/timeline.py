"""Actors over time: each actor's stance per window (day, week, month), and when it changed.

The unit is the cell (one actor in one article). The cells of an actor whose articles fall
in the same window are summed as the heatmap sums an actor's cells across articles
(:class:`pipeline.plot.ActorSummary`): each cell weighs its confidence, and the window's
stance is the stance with the largest mass (``none`` when the actor only is mentioned).
A window is named by the ISO date it starts on: the day itself, the Monday of the week,
the first of the month. Articles without a date belong to no window and are left out.

Everything here reads cells that were already classified: a timeline costs no more
classification than the matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.aggregate import STANCES, Cell
from pipeline.errors import StanceError
from pipeline.plot import ActorSummary

WINDOWS = ("day", "week", "month")
TIMELINE_COLUMNS = ("actor", "window", "stance", "support", "oppose", "neutral", "articles")
FLIP_COLUMNS = ("actor", "from", "to", "from_date", "to_date", "from_window", "to_window", "from_article", "to_article",
                "from_evidence", "to_evidence")


def window_start(day: date, window: str) -> date:
    """The first day of the ``window`` ("day", "week" from Monday, "month") that holds ``day``."""
    if window == "day":
        return day
    if window == "week":
        return day - timedelta(days=day.weekday())
    if window == "month":
        return day.replace(day=1)
    raise StanceError(f"--window {window!r}: use one of {', '.join(WINDOWS)}")


def next_window(start: date, window: str) -> date:
    """The start of the window after the one starting on ``start``."""
    if window == "day":
        return start + timedelta(days=1)
    if window == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)  # day 28 + 4 is always next month


def windows_between(first: date, last: date, window: str) -> list[date]:
    """Every window start from the window of ``first`` to that of ``last``, gaps included."""
    out, start, end = [], window_start(first, window), window_start(last, window)
    while start <= end:
        out.append(start)
        start = next_window(start, window)
    return out


@dataclass
class WindowCells:
    """One actor in one window: the cells it is made of, their summary, and the stance and
    confidence it gives (set by :meth:`settle`, once: a timeline reads them many times)."""

    actor: str
    window: date
    cells: list[Cell] = field(default_factory=list)
    summary: ActorSummary | None = None
    stance: str = "none"
    confidence: float = 0.0

    def settle(self) -> None:
        """Sum the cells (as :func:`pipeline.plot.summarize_actors` does) and decide the stance.

        The confidence is the share of the window's stance mass its stance holds (the mean
        P(none) when the actor takes no stance).
        """
        summary = ActorSummary(self.actor)
        for cell in self.cells:
            summary.counts[cell.stance] = summary.counts.get(cell.stance, 0) + 1
            summary.mass[cell.stance] = summary.mass.get(cell.stance, 0.0) + cell.confidence
        self.summary, self.stance = summary, summary.stance
        total = sum(summary.mass.get(s, 0.0) for s in STANCES)
        if total <= 0:
            self.confidence = summary.mass.get("none", 0.0) / max(len(self.cells), 1)
        else:
            self.confidence = summary.mass[self.stance] / total


def group_by_window(cells: Iterable[Cell], dates: Mapping[str, date | None],
                    window: str) -> tuple[dict[tuple[str, date], WindowCells], int]:
    """The cells of each (actor, window); also the number of cells left out for want of a date.

    Parameters
    ----------
    cells : iterable of Cell
    dates : mapping
        Article id to its date (None when unknown).
    window : {"day", "week", "month"}
    """
    groups: dict[tuple[str, date], WindowCells] = {}
    undated = 0
    for cell in cells:
        day = dates.get(cell.article)
        if day is None:
            undated += 1
            continue
        start = window_start(day, window)
        groups.setdefault((cell.actor, start), WindowCells(cell.actor, start)).cells.append(cell)
    for group in groups.values():
        group.settle()
    return groups, undated


def timeline_rows(groups: Mapping[tuple[str, date], WindowCells]) -> list[dict]:
    """One row per actor and window (columns :data:`TIMELINE_COLUMNS`), by actor then window."""
    rows = []
    for (actor, start), group in sorted(groups.items()):
        counts = group.summary.counts if group.summary else {}
        rows.append({"actor": actor, "window": start.isoformat(), "stance": group.stance,
                     "support": counts.get("support", 0), "oppose": counts.get("oppose", 0),
                     "neutral": counts.get("neutral", 0), "articles": len({c.article for c in group.cells})})
    return rows


def flips(groups: Mapping[tuple[str, date], WindowCells], dates: Mapping[str, date | None]) -> list[dict]:
    """Each change of an actor's stance from one window where it takes a stance to the next such window.

    A row (columns :data:`FLIP_COLUMNS`) gives the two stances, the dates and articles of
    the last cell holding the old stance and of the first holding the new one, and their
    evidence sentences (joined with `` | ``). Windows where the actor is absent or takes
    no stance are skipped: silence is not a change of mind.
    """
    by_actor: dict[str, list[WindowCells]] = {}
    for (actor, _), group in sorted(groups.items()):
        if group.stance in STANCES:
            by_actor.setdefault(actor, []).append(group)
    out = []
    for actor, sequence in sorted(by_actor.items()):
        for before, after in zip(sequence, sequence[1:], strict=False):
            if before.stance == after.stance:
                continue
            old = max((c for c in before.cells if c.stance == before.stance), key=lambda c: (dates[c.article], c.article))
            new = min((c for c in after.cells if c.stance == after.stance), key=lambda c: (dates[c.article], c.article))
            out.append({"actor": actor, "from": before.stance, "to": after.stance,
                        "from_date": dates[old.article].isoformat(), "to_date": dates[new.article].isoformat(),
                        "from_window": before.window.isoformat(), "to_window": after.window.isoformat(),
                        "from_article": old.article, "to_article": new.article,
                        "from_evidence": " | ".join(e.text for e in old.evidence),
                        "to_evidence": " | ".join(e.text for e in new.evidence)})
    return out


def window_cells(groups: Mapping[tuple[str, date], WindowCells]) -> list[Cell]:
    """Each (actor, window) as a cell whose "article" is the window's start, for drawing."""
    return [Cell(start.isoformat(), actor, group.stance, round(group.confidence, 4))
            for (actor, start), group in groups.items()]


def timeline_figure(groups: Mapping[tuple[str, date], WindowCells], window: str, title: str | None = None):
    """One line of cells per actor over time: the heatmap drawn over windows instead of articles.

    Every window from the first to the last is a column, empty ones included, so that the
    horizontal axis is time.
    """
    from pipeline.plot import heatmap_figure

    starts = sorted({start for _, start in groups})
    columns = [d.isoformat() for d in windows_between(starts[0], starts[-1], window)] if starts else []
    return heatmap_figure(window_cells(groups), columns, title, xlabel=f"{window} (start)")


def render_rows(rows: Sequence[dict], columns: Sequence[str]) -> list[list[str]]:
    """Dict rows as CSV rows with a header (for :func:`pipeline.export.render_csv`)."""
    return [list(columns), *([str(row[c]) for c in columns] for row in rows)]
