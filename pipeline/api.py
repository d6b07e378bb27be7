"""The Python entry point: classify articles and get the matrix, tidy rows, network and timeline.

>>> from pipeline import classify
>>> result = classify(["data/samples"], meta="sources.csv")  # doctest: +SKIP
>>> result.rows[0]["actor"], result.network().number_of_edges()  # doctest: +SKIP

See ``docs/api.md``. The command line builds the same :class:`Result`, so that the CLI
and the API cannot disagree. Nothing heavy is imported here: networkx only by
:meth:`Result.network`, pandas only by :meth:`Result.to_pandas`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.aggregate import Cell
from pipeline.errors import StanceError
from pipeline.meta import ArticleDates, Meta, date_order, parse_day

LONG_COLUMNS = ("article", "date", "actor", "kind", "country", "camp", "stance", "confidence", "evidence")


@dataclass(frozen=True)
class Filters:
    """Which cells to keep: at least ``min_confidence``, of these ``actors`` and ``kinds`` (all when empty).

    ``actors`` are canonical names (see :func:`pipeline.explain.resolve_actor` for aliases);
    ``kinds`` are actor kinds of the dictionary (country, organisation, institution,
    person, group). At country level both apply to the rolled-up actor.
    """

    min_confidence: float = 0.0
    actors: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.min_confidence or self.actors or self.kinds)

    def keep(self, cell: Cell, dictionary, inferred: Mapping[str, tuple[str, str]] | None = None) -> bool:
        """Whether to keep ``cell``; ``inferred`` gives the kind of an actor its article introduced."""
        if cell.confidence < self.min_confidence:
            return False
        if self.actors and cell.actor not in self.actors:
            return False
        if not self.kinds:
            return True
        kind = dictionary[cell.actor].kind if cell.actor in dictionary else (inferred or {}).get(cell.actor, ("",))[0]
        return kind in self.kinds

    def apply(self, results: Iterable, dictionary) -> None:
        """Drop the cells it does not keep from each result, in place."""
        if self:
            for result in results:
                # In place: the cells' list may carry more (the article's inferred actors).
                inferred = getattr(result.cells, "inferred", {})
                result.cells[:] = [c for c in result.cells if self.keep(c, dictionary, inferred)]


@dataclass
class Result:
    """Classified articles, in date order (undated last), and what can be made of them.

    Attributes
    ----------
    results : list of ArticleResult
        Per article: the article (with its decided date) and its cells.
    dictionary : ActorDictionary
    level : str
        "actor" or "country", as classified.
    meta : Meta, optional
        The metadata file's rows, whose extra columns the long rows carry.
    skipped : list of ReadFailure
        Inputs that could not be read.
    """

    results: list
    dictionary: object
    level: str = "actor"
    meta: Meta | None = None
    skipped: list = field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        """Article ids in column order."""
        return [r.article.id for r in self.results]

    @property
    def cells(self) -> list[Cell]:
        return [c for r in self.results for c in r.cells]

    @property
    def dates(self) -> dict[str, date | None]:
        """Each article's date (None when unknown)."""
        return {r.article.id: r.article.date for r in self.results}

    @property
    def matrix(self) -> dict[str, dict[str, str]]:
        """The position matrix: actor → {article: stance}, actors by name, articles in column order.

        An article where the actor is not mentioned is absent from its row
        (``pandas.DataFrame(result.matrix).T`` gives actors × articles).
        """
        grid: dict[str, dict[str, str]] = {}
        for cell in self.cells:
            grid.setdefault(cell.actor, {})[cell.article] = cell.stance
        order = {a: j for j, a in enumerate(self.articles)}
        return {actor: dict(sorted(row.items(), key=lambda kv: order[kv[0]])) for actor, row in sorted(grid.items())}

    @property
    def columns(self) -> tuple[str, ...]:
        """The long rows' columns: :data:`LONG_COLUMNS`, then the metadata's own."""
        extra = tuple(c if c not in LONG_COLUMNS else f"meta_{c}" for c in (self.meta.columns if self.meta else ()))
        return LONG_COLUMNS + extra

    @property
    def rows(self) -> list[dict]:
        """One dict per (article, actor), keys :attr:`columns`: tidy data, ready for pandas or R.

        ``date`` is a :class:`datetime.date` or None, ``confidence`` a float, ``evidence``
        the sentences that decided the cell joined with `` | ``; ``country`` is whom the
        actor counts for at country level on the article's date (empty for a person with
        no role then). Metadata columns named like one of ours get a ``meta_`` prefix.
        """
        from pipeline.network import actor_columns

        dictionary = self.dictionary
        extra = list(zip(self.columns[len(LONG_COLUMNS):], self.meta.columns if self.meta else (), strict=True))
        out = []
        for result in self.results:
            article, day = result.article.id, result.article.date
            carried = self.meta.rows.get(article, {}) if self.meta else {}
            for cell in sorted(result.cells, key=lambda c: c.actor):
                kind, country, camp = actor_columns(dictionary, cell.actor, day, getattr(result.cells, "inferred", {}))
                row = {"article": article, "date": day, "actor": cell.actor, "kind": kind, "country": country,
                       "camp": camp, "stance": cell.stance, "confidence": cell.confidence,
                       "evidence": " | ".join(e.text for e in cell.evidence)}
                row.update({name: carried.get(source, "") for name, source in extra})
                out.append(row)
        return out

    def long_csv_rows(self) -> list[list[str]]:
        """:attr:`rows` as CSV rows with a header (dates ISO, confidences to 3 decimals)."""
        def text(key: str, value: object) -> str:
            if value is None:
                return ""
            if key == "date":
                return value.isoformat()
            if key == "confidence":
                return f"{value:.3f}"
            return str(value)

        return [list(self.columns), *([text(k, row[k]) for k in self.columns] for row in self.rows)]

    def wide_csv_rows(self) -> list[list[str]]:
        """The matrix as CSV rows: header ``actor, <article ids in column order>``."""
        from pipeline.export import matrix_rows

        return matrix_rows(self.cells, self.articles)

    def network(self, window: str | None = None):
        """The agreement network (:func:`pipeline.network.build_graph`): a :class:`networkx.Graph`.

        ``window`` ("day", "week", "month") counts windows instead of articles.
        """
        from pipeline.network import build_graph

        return build_graph(self.cells, self.dates, self.dictionary, window)

    def window_groups(self, window: str = "week") -> dict:
        """The cells of each (actor, window start) (:func:`pipeline.timeline.group_by_window`)."""
        from pipeline.timeline import group_by_window

        return group_by_window(self.cells, self.dates, window)[0]

    def timeline(self, window: str = "week") -> list[dict]:
        """One dict per actor and window: actor, window (ISO start), stance, support, oppose, neutral, articles."""
        from pipeline.timeline import timeline_rows

        return timeline_rows(self.window_groups(window))

    def flips(self, window: str = "week") -> list[dict]:
        """Each change of an actor's stance between windows (:func:`pipeline.timeline.flips`)."""
        from pipeline.timeline import flips

        return flips(self.window_groups(window), self.dates)

    def to_pandas(self):
        """The long rows as a :class:`pandas.DataFrame` (``date`` as datetime64). Needs pandas installed."""
        try:
            import pandas as pd
        except ImportError:
            raise StanceError("to_pandas() needs pandas, which stance does not install: pip install pandas") from None
        frame = pd.DataFrame(self.rows, columns=list(self.columns))
        frame["date"] = pd.to_datetime(frame["date"])
        return frame


def classify(paths: str | Path | Sequence[str | Path], *, target: str | None = None, level: str = "actor",
             meta: str | Path | Meta | None = None, default_date: str | date | None = None,
             min_confidence: float = 0.0, actors: Iterable[str] = (), kinds: Iterable[str] = (),
             model: str | Path | None = None, trust_model: bool = False, strict: bool = False, jobs: int = 1,
             pipeline=None, id_field: str = "id", text_field: str = "text", date_field: str = "date") -> Result:
    """Classify articles and return a :class:`Result`.

    Parameters
    ----------
    paths : path or sequence of paths
        Article ``.txt`` files and folders of them.
    target : str, optional
        Target name (``targets/NAME.toml``) or a TOML path; the default target otherwise.
    level : {"actor", "country"}
    meta : path or Meta, optional
        CSV ``article,date[,source,url,title,...]``: each article's date (it beats the
        dateline) and columns carried into :attr:`Result.rows`.
    default_date : str or date, optional
        The date of articles with neither a metadata date nor a dateline.
    min_confidence : float, default 0
        Drop cells less confident than this.
    actors, kinds : iterables of str
        Keep only these actors (names or aliases) / actor kinds.
    model, trust_model
        Another model folder (outside ``models/`` only with ``trust_model``).
    strict : bool, default False
        Raise at the first unreadable input instead of skipping it (see ``Result.skipped``).
    jobs : int, default 1
        Worker processes (-1: one per core).
    pipeline : StancePipeline, optional
        A pipeline already loaded (it is built from ``target`` otherwise); faster for many calls.
    id_field, text_field, date_field : str, default "id", "text", "date"
        The fields of JSONL and CSV records holding each article's id, text and date.

    Raises
    ------
    StanceError
        For anything the caller can fix: a missing path, a bad date or metadata file, no model.
    """
    from pipeline.batch import classify_sources
    from pipeline.read import list_sources

    if level not in ("actor", "country"):
        raise StanceError(f"level {level!r}: use actor or country")
    if pipeline is None:
        from pipeline.config import TargetConfig
        from pipeline.runner import StancePipeline

        pipeline = StancePipeline(TargetConfig.load(target), model_dir=Path(model) if model else None, trust_model=trust_model)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    sources = list_sources([str(p) for p in paths])
    if meta is not None and not isinstance(meta, Meta):
        meta = Meta.load(meta)
    day = parse_day(default_date, "default_date") if isinstance(default_date, str) else default_date
    filters = make_filters(pipeline, min_confidence, actors, kinds)
    pipeline.dates = ArticleDates(meta.dates if meta else {}, day)
    from pipeline.records import Fields

    batch = classify_sources(pipeline, sources, level, None, strict, jobs=jobs, fields=Fields(id_field, text_field, date_field))
    return finish(batch, pipeline, level, meta, filters)


def make_filters(pipeline, min_confidence: float = 0.0, actors: Iterable[str] = (), kinds: Iterable[str] = ()) -> Filters:
    """Check the filters and resolve actor aliases to canonical names ("the U.S." → United States)."""
    from pipeline.actors import KINDS

    if not 0.0 <= min_confidence <= 1.0:
        raise StanceError(f"--min-confidence {min_confidence}: give a number from 0 to 1")
    kinds = frozenset(kinds)
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise StanceError(f"--kind {unknown[0]!r}: use one of {', '.join(KINDS)}")
    names = frozenset()
    if actors:
        from pipeline.explain import resolve_actor

        names = frozenset(resolve_actor(pipeline.matcher, name) for name in actors)
    return Filters(min_confidence, names, kinds)


def finish(batch, pipeline, level: str, meta: Meta | None, filters: Filters | None = None) -> Result:
    """A batch as a :class:`Result`: dates decided, articles in date order, cells filtered."""
    from pipeline.records import with_article_meta

    meta = with_article_meta(meta, batch.results)  # records' and pages' title, source, url: long-row columns
    dates = pipeline.dates or ArticleDates()
    dates.redate(batch.results)
    results = date_order(batch.results)
    if filters:
        filters.apply(results, pipeline.dictionary)
    return Result(results, pipeline.dictionary, level, meta, list(batch.skipped))
