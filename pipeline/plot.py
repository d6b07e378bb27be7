"""The position matrix as a heatmap: actors × articles, one colour per stance.

Colours diverge from oppose (red) through neutral (yellow) to support (blue); ``none``
(mentioned, no stance) is a pale grey and a cell whose actor is not mentioned stays
white. Actors are ordered by their overall stance across articles (see
:func:`summarize_actors`), so that the two camps form blocks.

The figure is drawn with matplotlib's object API on an Agg canvas: no pyplot, no
display, no global state, so it works headless and in threads.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.aggregate import Cell
from pipeline.labels import COLORS, DARK, STANCES

# Legend and colour-index order: the diverging scale, then the two "no stance" states.
LEGEND = (("support", "support"), ("neutral", "neutral"), ("oppose", "oppose"),
          ("none", "none (mentioned, no stance)"), ("", "not mentioned"))
MAX_LABEL = 28
MAX_ANNOTATED = 30 * 60  # write confidences in the cells only while they stay legible
# Image formats by extension, with the metadata that would otherwise stamp a version or a
# date into the file: without them, the same input gives the same bytes.
PLOT_FORMATS = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}
MAX_PIXELS = 40_000_000  # at most 160 MB of canvas (RGBA), whatever the size of the batch


@dataclass
class ActorSummary:
    """One actor across articles: how often each stance, and where it leans overall.

    ``score`` is in [-1, 1]: (support mass - oppose mass) / stance mass, where a cell's
    mass is its confidence; neutral cells pull it toward 0. It is ``None`` when the actor
    never takes a stance. ``stance`` is the stance with the largest mass (``none`` if none).
    """

    actor: str
    counts: dict[str, int] = field(default_factory=dict)
    mass: dict[str, float] = field(default_factory=dict)

    @property
    def articles(self) -> int:
        return sum(self.counts.values())

    @property
    def score(self) -> float | None:
        total = sum(self.mass.get(s, 0.0) for s in STANCES)
        if total <= 0:
            return None
        return (self.mass.get("support", 0.0) - self.mass.get("oppose", 0.0)) / total

    @property
    def stance(self) -> str:
        if self.score is None:
            return "none"
        return max(STANCES, key=lambda s: (self.mass.get(s, 0.0), -STANCES.index(s)))

    def sort_key(self) -> tuple:
        # Supporters first, opponents last, actors without any stance after them all.
        score = self.score
        return (score is None, -(score or 0.0), -self.articles, self.actor)


def summarize_actors(cells: Iterable[Cell]) -> list[ActorSummary]:
    """One :class:`ActorSummary` per actor, from the most supportive to the most opposed.

    Actors that never take a stance come last; ties go to the actor found in more
    articles, then by name, so the order does not depend on the order of the cells.
    """
    summaries: dict[str, ActorSummary] = {}
    for cell in cells:
        summary = summaries.setdefault(cell.actor, ActorSummary(cell.actor))
        summary.counts[cell.stance] = summary.counts.get(cell.stance, 0) + 1
        summary.mass[cell.stance] = summary.mass.get(cell.stance, 0.0) + cell.confidence
    return sorted(summaries.values(), key=ActorSummary.sort_key)


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut in the middle: ids of one batch tend to differ at their start or end."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "…" + label[-(limit - 1 - head):]


def heatmap_figure(cells: Sequence[Cell], articles: Sequence[str], title: str | None = None, xlabel: str = "article"):
    """The matrix as a matplotlib :class:`~matplotlib.figure.Figure` (not attached to pyplot).

    Parameters
    ----------
    cells : sequence of Cell
    articles : sequence of str
        Article ids, in column order (articles without any actor get an empty column).
    title : str, optional
    xlabel : str, default "article"
        What a column is (the timeline draws windows).
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    actors = [s.actor for s in summarize_actors(cells)]
    codes = {stance: i for i, (stance, _) in enumerate(LEGEND)}
    row, col = {a: i for i, a in enumerate(actors)}, {a: j for j, a in enumerate(articles)}
    grid = [[codes[""]] * len(articles) for _ in actors]
    confidence: dict[tuple[int, int], Cell] = {}
    for cell in cells:
        if cell.article in col:
            i, j = row[cell.actor], col[cell.article]
            grid[i][j] = codes[cell.stance]
            confidence[i, j] = cell

    # Sizes in inches; cells shrink as articles grow so that a big batch stays within
    # Agg's size limits. The axes get exactly the grid's size; savefig crops to content.
    cell_w = max(0.12, min(0.5, 24 / max(len(articles), 1)))
    cell_h = max(0.14, min(0.3, 36 / max(len(actors), 1)))
    grid_w, grid_h = cell_w * max(len(articles), 1), cell_h * max(len(actors), 1)
    name_w = 0.3 + 0.075 * max((len(a) for a in actors), default=8)
    id_h = 0.5 + 0.06 * max((len(shorten(a)) for a in articles), default=8)
    width, height = name_w + grid_w + 2.6, id_h + max(grid_h, 1.6) + 0.6
    # Agg refuses images over 2**16 pixels a side, and its canvas takes 4 bytes a pixel: a very
    # wide or tall batch gets a lower resolution, so that memory stays bounded.
    figure = Figure(figsize=(width, height), dpi=min(110, 60000 / max(width, height), (MAX_PIXELS / (width * height)) ** 0.5))
    ax = figure.add_axes((name_w / width, id_h / height, grid_w / width, grid_h / height))
    cmap = ListedColormap([COLORS[s] for s, _ in LEGEND])
    norm = BoundaryNorm([i - 0.5 for i in range(len(LEGEND) + 1)], cmap.N)
    if actors and articles:
        ax.pcolormesh(grid, cmap=cmap, norm=norm, edgecolors="#bdbdbd", linewidth=0.5)
    else:
        ax.text(0.5, 0.5, "no actor found", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, max(len(articles), 1))
    ax.set_ylim(max(len(actors), 1), 0)  # first actor at the top
    ax.set_aspect("auto")
    step = max(1, len(articles) // 80)  # beyond ~80 columns, label every step-th
    ax.set_xticks([j + 0.5 for j in range(0, len(articles), step)])
    ax.set_xticklabels([shorten(a) for a in articles[::step]], rotation=60, ha="right", rotation_mode="anchor",
                       fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(len(actors))])
    ax.set_yticklabels(actors, fontsize=8 if len(actors) <= 60 else 6)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_edgecolor("#bdbdbd")
    if len(actors) * len(articles) <= MAX_ANNOTATED and cell_w >= 0.3:
        for (i, j), cell in confidence.items():
            if cell.stance in STANCES:
                ax.text(j + 0.5, i + 0.5, f"{cell.confidence:.2f}".lstrip("0"), ha="center", va="center", fontsize=6.5,
                        color="white" if cell.stance in DARK else "#333333")
    handles = [Patch(facecolor=COLORS[s], edgecolor="#9e9e9e", label=label) for s, label in LEGEND]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8,
              title="stance (number: confidence)", title_fontsize=8, alignment="left")
    ax.set_xlabel(xlabel, fontsize=9)
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    return figure


def render_png(cells: Sequence[Cell], articles: Sequence[str], title: str | None = None) -> bytes:
    """The heatmap as PNG bytes."""
    return render_figure(heatmap_figure(cells, articles, title), "png")


def plot_format(path: Path | str) -> str:
    """The image format ``path`` asks for by its extension: png, svg or pdf; a :class:`StanceError` otherwise."""
    from pipeline.errors import StanceError

    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise StanceError(f"--plot {path}: give a file name ending in .png, .svg or .pdf")
    return suffix


def render_figure(figure, fmt: str = "png") -> bytes:
    """A figure as the bytes of an image of format ``fmt`` (png, svg, pdf)."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # SVG ids are random unless salted: a fixed salt keeps the same input giving the same bytes.
    with rc_context({"svg.hashsalt": "stance"}):
        figure.savefig(buffer, format=fmt, bbox_inches="tight", pad_inches=0.15, facecolor="white",
                       metadata=PLOT_FORMATS[fmt])
    return buffer.getvalue()


def render_plot(path: Path | str, cells: Sequence[Cell], articles: Sequence[str], title: str | None = None) -> bytes:
    """The heatmap as the bytes of the image format of ``path``'s extension (see :func:`plot_format`)."""
    return render_figure(heatmap_figure(cells, articles, title), plot_format(path))


def write_figure(path: Path | str, figure) -> None:
    """Write a figure atomically in the format of ``path``'s extension (see :func:`plot_format`)."""
    from pipeline.export import write_atomic

    data = render_figure(figure, plot_format(path))
    write_atomic(path, lambda handle: handle.write(data), binary=True)


def write_plot(path: Path | str, cells: Sequence[Cell], articles: Sequence[str], title: str | None = None) -> None:
    """Write the heatmap to ``path`` atomically, as PNG, SVG or PDF after its extension."""
    plot_format(path)  # before drawing
    write_figure(path, heatmap_figure(cells, articles, title))


def write_png(path: Path | str, cells: Sequence[Cell], articles: Sequence[str], title: str | None = None) -> None:
    """Write the heatmap to ``path`` atomically (temporary file, then rename)."""
    from pipeline.export import write_atomic

    data = render_png(cells, articles, title)
    write_atomic(path, lambda handle: handle.write(data), binary=True)
