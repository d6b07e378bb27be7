"""Run the pipeline over many articles, streaming: only per-article results are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from pipeline.errors import StanceError
from pipeline.read import ReadFailure, read_articles
from pipeline.runner import ArticleResult, StancePipeline


@dataclass
class BatchResult:
    """What a batch produced: results in input order, and the inputs that were skipped."""

    results: list[ArticleResult] = field(default_factory=list)
    skipped: list[ReadFailure] = field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        return [r.article.id for r in self.results]

    @property
    def cells(self) -> list:
        return [c for r in self.results for c in r.cells]


def iter_results(pipeline: StancePipeline, sources: Sequence[str], level: str = "actor", when: date | None = None,
                 strict: bool = False, on_note: Callable[[str], None] | None = None,
                 keep_sentences: bool = False) -> Iterator[ArticleResult | ReadFailure]:
    """Analyse sources one at a time, in order, yielding a result or a read failure.

    With ``keep_sentences=False`` each result is slimmed to its cells, so that memory
    stays flat however many articles are read.
    """
    for item in read_articles(sources, when):
        if isinstance(item, ReadFailure):
            if strict:
                raise StanceError(item.reason)
            yield item
            continue
        if item.notes and on_note:
            on_note(f"{item.source}: {'; '.join(item.notes)}")
        result = pipeline.analyze(item, level=level, when=when)
        if not keep_sentences:
            result = ArticleResult(result.article, [], [], [], result.cells)
        yield result


def classify_sources(pipeline: StancePipeline, sources: Sequence[str], level: str = "actor", when: date | None = None,
                     strict: bool = False, on_note: Callable[[str], None] | None = None,
                     on_skip: Callable[[ReadFailure], None] | None = None, keep_sentences: bool = False) -> BatchResult:
    """Classify every source; see :func:`iter_results`."""
    batch = BatchResult()
    for item in iter_results(pipeline, sources, level, when, strict, on_note, keep_sentences):
        if isinstance(item, ReadFailure):
            batch.skipped.append(item)
            if on_skip:
                on_skip(item)
        else:
            batch.results.append(item)
    return batch
