"""The heatmap: actor order, colours, legend, labels, atomic PNG writing."""

import io
import random

import numpy as np
import pytest
from matplotlib.image import imread

from pipeline.aggregate import Cell
from pipeline.cli import main
from pipeline.errors import StanceError
from pipeline.plot import COLORS, LEGEND, heatmap_figure, render_png, summarize_actors, write_png

CELLS = [
    Cell("a1", "Russia", "support", 0.9),
    Cell("a2", "Russia", "support", 0.7),
    Cell("a1", "Chile", "oppose", 0.8),
    Cell("a2", "Chile", "support", 0.2),
    Cell("a2", "Mexico", "neutral", 0.9),
    Cell("a3", "Mexico", "oppose", 0.3),
    Cell("a3", "Qatar", "none", 0.95),
    Cell("a1", "Peru", "oppose", 0.6),
]
ARTICLES = ["a1", "a2", "a3"]


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def has_colour(image: np.ndarray, hex_colour: str) -> bool:
    return bool((np.abs(image[..., :3] - rgb(hex_colour)) < 2 / 255).all(axis=-1).any())


def test_actors_go_from_support_to_oppose_then_no_stance():
    order = [s.actor for s in summarize_actors(CELLS)]
    # Russia +1, Chile (0.2 - 0.8) / 1.0 = -0.6, Mexico -0.3 / 1.2 = -0.25, Peru -1, Qatar never takes a stance.
    assert order == ["Russia", "Mexico", "Chile", "Peru", "Qatar"]
    shuffled = CELLS[:]
    random.Random(3).shuffle(shuffled)
    assert [s.actor for s in summarize_actors(shuffled)] == order


def test_actor_summary_figures():
    summaries = {s.actor: s for s in summarize_actors(CELLS)}
    chile = summaries["Chile"]
    assert chile.counts == {"oppose": 1, "support": 1} and chile.articles == 2
    assert chile.score == pytest.approx(-0.6) and chile.stance == "oppose"
    assert summaries["Qatar"].score is None and summaries["Qatar"].stance == "none"
    assert summaries["Mexico"].stance == "neutral"


def test_ties_go_to_the_actor_found_in_more_articles_then_by_name():
    cells = [Cell("a1", "Zambia", "oppose", 1.0), Cell("a1", "Bolivia", "oppose", 1.0),
             Cell("a1", "Cuba", "oppose", 1.0), Cell("a2", "Cuba", "oppose", 1.0)]
    assert [s.actor for s in summarize_actors(cells)] == ["Cuba", "Bolivia", "Zambia"]


def test_the_grid_holds_each_cell_in_its_place():
    figure = heatmap_figure(CELLS, ARTICLES, title="Stance toward X")
    ax = figure.axes[0]
    actors = [t.get_text() for t in ax.get_yticklabels()]
    assert actors == [s.actor for s in summarize_actors(CELLS)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ARTICLES
    codes = np.asarray(ax.collections[0].get_array()).reshape(len(actors), len(ARTICLES))
    stance_of = [stance for stance, _ in LEGEND]
    expected = {(c.actor, c.article): c.stance for c in CELLS}
    for i, actor in enumerate(actors):
        for j, article in enumerate(ARTICLES):
            assert stance_of[int(codes[i, j])] == expected.get((actor, article), ""), (actor, article)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [label for _, label in LEGEND] and "not mentioned" in legend
    assert ax.get_title(loc="left") == "Stance toward X"


def test_png_shows_the_stance_colours_and_white_for_not_mentioned():
    image = imread(io.BytesIO(render_png(CELLS, ARTICLES)))
    for stance in ("support", "oppose", "neutral", "none", ""):
        assert has_colour(image, COLORS[stance]), stance
    only_opposed = imread(io.BytesIO(render_png([Cell("a1", "Chile", "oppose", 0.8)], ["a1"])))
    # The legend shows every colour, so compare the grid area: no blue cell without a supporter.
    grid = only_opposed[: only_opposed.shape[0] // 2, : only_opposed.shape[1] // 3]
    assert has_colour(only_opposed, COLORS["oppose"])
    assert not has_colour(grid, COLORS["support"])


def test_same_cells_same_png():
    assert render_png(CELLS, ARTICLES) == render_png(list(reversed(CELLS)), ARTICLES)


def test_a_big_batch_stays_within_agg_limits():
    articles = [f"article-{i:05d}-with-a-rather-long-file-name" for i in range(8000)]
    cells = [Cell(a, f"Actor {i % 3}", "oppose", 0.5) for i, a in enumerate(articles)]
    figure = heatmap_figure(cells, articles)
    width, height = figure.get_size_inches() * figure.dpi
    assert width < 2**16 and height < 2**16
    assert len(figure.axes[0].get_xticks()) <= 100  # labels thinned out, not piled up


def test_no_actor_still_draws():
    assert render_png([], ["a1"]).startswith(b"\x89PNG")


def test_write_png_is_atomic(tmp_path):
    target = tmp_path / "matrix.png"
    target.write_bytes(b"old")
    write_png(target, CELLS, ARTICLES)
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["matrix.png"]  # no temporary file left
    with pytest.raises(StanceError, match="does not exist"):
        write_png(tmp_path / "missing" / "m.png", CELLS, ARTICLES)


def test_classify_plot_option(stance_pipeline, tmp_path, capsys):
    articles = tmp_path / "in"
    articles.mkdir()
    (articles / "a.txt").write_text("Chile rejected the official result. Russia congratulated Maduro.\n")
    png, csv = tmp_path / "matrix.png", tmp_path / "matrix.csv"
    assert main(["classify", str(articles), "-o", str(csv), "--plot", str(png)]) == 0
    assert f"wrote {png}" in capsys.readouterr().err
    image = imread(png)
    assert has_colour(image, COLORS["oppose"]) and has_colour(image, COLORS["support"])
    assert "Chile" in csv.read_text()
    # Drawn beside it, the matrix is the one written without a heatmap (its cells keep no sentences).
    alone = tmp_path / "alone.csv"
    assert main(["classify", str(articles), "-o", str(alone)]) == 0
    assert csv.read_bytes() == alone.read_bytes()
    long_plotted, long_alone = tmp_path / "long-plotted.csv", tmp_path / "long.csv"
    assert main(["classify", str(articles), "-o", str(long_plotted), "-f", "long", "--plot", str(png)]) == 0
    assert main(["classify", str(articles), "-o", str(long_alone), "-f", "long"]) == 0
    assert "Chile rejected" in long_plotted.read_text() and long_plotted.read_bytes() == long_alone.read_bytes()
    assert main(["classify", str(articles), "--plot", str(tmp_path / "no" / "m.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
